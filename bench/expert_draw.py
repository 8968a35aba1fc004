"""Benchmark of the expert draw (`python bench/expert_draw.py`): how long does a committee draw take over 100,000 experts?

What it does, in about 15 seconds on the 2-core machine:
1. migrates a fresh SQLite database with Alembic (`app.cli.upgrade`) in a temporary folder and makes the usual people
   (`tests.world.build_world`) plus a dozen more bidders;
2. bulk-inserts through SQLAlchemy Core ``--experts`` experts (100,000) spread over 16 cities of East China (浙江省杭州市
   the largest), each with one to three specialties from the shipped classification (土建 and 造价 the most common),
   working for one of 4,000 employers (a tenth known by name only); 3 % suspended and 1 % removed; some employed by the
   section's tenderee, agent or bidders (matched by credit code, by name or by organisation id); 3 % with declared
   conflicts (a fifth withdrawn), some of them with the section's parties; 15 % with one to five unavailable days;
3. makes ``--past`` earlier draws for the same tenderee through `expert_pool.draw.request_draw` (the recent-draw rule);
4. times `request_draw` for one section with 15 bidders: 5 土建 experts (A0101) from 浙江省杭州市 with 5 backups at the
   main venue, 2 造价 experts (A0501) from 浙江省宁波市 with 2 backups at a sub venue, evaluation the next day, no
   repeat within 180 days, two experts excluded by the tenderee; each run in its own transaction, rolled back;
5. times, as the baseline, what the database alone needs to find the same pools: one plain SQL ``COUNT(*)`` per group
   over the same filters, written to use the indexes (prefix ranges on region and specialty code); the counts must
   equal the draw's pool sizes;
6. prints the medians (the first run of each, with cold caches, apart), the ratio draw/baseline, and the share of
   the draw spent screening (`expert_pool.recusal.read_facts` + `screen`), and writes bench/out/expert_draw.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXPERTS = 100_000
RUNS = 7
PAST_DRAWS = 30
EMPLOYERS = 4_000
BIDDERS = 15
SEED = 20260330
# Beijing 2026-03-30 10:00, an hour after the section's bid deadline; the evaluation is the next morning.
NOW = datetime(2026, 3, 30, 2, 0, tzinfo=UTC)
REGIONS = {  # region: weight (per cent of the pool)
    "浙江省杭州市": 18, "浙江省宁波市": 10, "浙江省温州市": 7, "浙江省绍兴市": 5, "浙江省嘉兴市": 4, "浙江省金华市": 4,
    "浙江省台州市": 3, "浙江省湖州市": 3, "江苏省南京市": 9, "江苏省苏州市": 8, "江苏省无锡市": 4, "上海市浦东新区": 7,
    "上海市徐汇区": 4, "安徽省合肥市": 6, "福建省福州市": 4, "江西省南昌市": 4,
}
TITLES = ["高级工程师", "正高级工程师", "工程师", "高级经济师", "高级会计师", "教授", "副教授", "律师"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文斌志红玉兰"
EMPLOYER_WORDS = ["建筑设计研究院", "市政工程设计院", "工程造价咨询有限公司", "建设工程有限公司", "交通规划设计院",
                  "水利水电勘测设计院", "工程监理有限公司", "大学土木工程学院", "信息技术有限公司", "会计师事务所"]
# the request timed: (specialty, count, region, venue, backups)
GROUPS = (("A0101", 5, "浙江省杭州市", "main", 5), ("A0501", 2, "浙江省宁波市", "sub", 2))


def credit_code(n: int, prefix: str = "91330000") -> str:
    from core.credit_code import check_character

    first17 = f"{prefix}{n:09d}"
    return first17 + check_character(first17)


def id_number(n: int) -> str:
    """A valid, unique resident ID number (GB 11643) for expert ``n``: birth date and sequence from ``n``."""
    from expert_pool.id_number import check_character

    born = date(1955, 1, 1) + timedelta(days=n % 12_000)
    first17 = f"330106{born:%Y%m%d}{n // 12_000:03d}"
    return first17 + check_character(first17)


def leaf_specialties() -> list[str]:
    from expert_pool import specialties

    codes = list(specialties.all_specialties())
    return [c for c in codes if not any(o != c and o.startswith(c) for o in codes)]


# --- seeding --------------------------------------------------------------------------------------------------


class Seeded:
    """What the timed draw needs to know about the seeded database."""

    def __init__(self, world, tender_id: int, section_id: int, bidders: list, tenderee_org, agent_org,
                 excluded_names: list[str], expert_rows: int, specialty_rows: int, conflict_rows: int,
                 unavailable_rows: int) -> None:
        self.world, self.tender_id, self.section_id = world, tender_id, section_id
        self.bidders, self.tenderee_org, self.agent_org = bidders, tenderee_org, agent_org
        self.excluded_names = excluded_names
        self.counts = {"experts": expert_rows, "specialties": specialty_rows, "conflicts": conflict_rows,
                       "unavailable_days": unavailable_rows}


def _tender_rows(world, first_id: int, count: int, bid_deadline: datetime) -> tuple[list[dict], list[dict]]:
    tenders, sections = [], []
    for i in range(first_id, first_id + count):
        deadline = bid_deadline - timedelta(days=3 * (i - first_id))
        sale_start = deadline - timedelta(days=25)
        tenders.append({
            "id": i, "code": f"BENCH-DRAW-{i:04d}", "title": f"杭州市道路改造工程（第{i}批）", "plan_id": None,
            "tenderee_org_id": world.tenderee_org_id, "agent_org_id": world.agent.org_id, "category": "works",
            "method": "open", "is_compulsory": True, "is_state_funded": True, "region": "浙江省杭州市",
            "description": "基准测试数据。", "status": "closed", "resume_status": None, "sale_start": sale_start,
            "sale_end": sale_start + timedelta(days=7), "clarification_deadline": sale_start + timedelta(days=10),
            "bid_deadline": deadline, "bid_validity_days": 90, "published_at": sale_start - timedelta(hours=1),
            "created_by": world.agent.user_id, "created_at": sale_start - timedelta(days=1),
        })
        sections.append({"id": i, "tender_id": i, "number": 1, "name": "一标段", "estimated_price": Decimal("30000000.00"),
                         "bond_policy": "required", "bond_forms": "cash,bank_guarantee",
                         "bond_amount": Decimal("300000.00"), "evaluation_method": "comprehensive"})
    return tenders, sections


def seed(url: str, experts: int, past: int) -> Seeded:
    from argon2 import PasswordHasher
    from sqlalchemy import insert, select, text

    import bidding.bond_models
    import bidding.models
    import core.identity
    from app.cli import upgrade
    from core.clock import FrozenClock, to_shanghai
    from core.db import make_engine, make_session_factory
    from core.identity import Organisation
    from expert_pool.models import Expert, ExpertConflict, ExpertSpecialty, ExpertUnavailable
    from tests.world import build_world

    core.identity._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # seeding, not measured
    upgrade(url)
    engine = make_engine(url)
    clock = FrozenClock(NOW - timedelta(days=120))
    rng = random.Random(SEED)
    with make_session_factory(engine)() as session:
        world = build_world(session, clock)
        session.commit()
        tenderee_org = session.get(Organisation, world.tenderee_org_id)
        agent_org = session.get(Organisation, world.agent.org_id)
        known = [session.get(Organisation, b.org_id) for b in world.bidders]
        tenderee_org, agent_org = (tenderee_org.name, tenderee_org.credit_code, tenderee_org.id), \
            (agent_org.name, agent_org.credit_code, agent_org.id)
        bidders = [(o.name, o.credit_code, o.id) for o in known]
    orgs = []
    next_org = 1000
    for i in range(BIDDERS - len(bidders)):
        next_org += 1
        orgs.append({"id": next_org, "name": f"{list(REGIONS)[i % 8][3:]}第{i + 1}建设集团有限公司", "kind": "bidder",
                     "credit_code": credit_code(next_org, "91330100"), "region": list(REGIONS)[i % 8], "status": "approved",
                     "created_at": clock.now()})
    bidders += [(o["name"], o["credit_code"], o["id"]) for o in orgs]

    # employers: mostly strangers to the section, with the section's parties among them
    employers = [(f"{rng.choice(list(REGIONS))[3:]}{rng.choice(EMPLOYER_WORDS)}{n}", credit_code(n)) for n in range(EMPLOYERS)]
    regions, weights = list(REGIONS), list(REGIONS.values())
    leaves = leaf_specialties()
    leaf_weights = [30 if c == "A0101" else 12 if c.startswith("A05") else 6 if c.startswith("A") else 2 for c in leaves]
    eval_day = to_shanghai(NOW + timedelta(days=1)).date()
    expert_rows, specialty_rows, conflict_rows, unavailable_rows = [], [], [], []
    parties = [tenderee_org, agent_org, *bidders]
    for n in range(1, experts + 1):
        roll = rng.random()
        employer_org_id = None
        if roll < 0.0006:  # the tenderee's staff (it may seat them only as its representatives)
            name, code, oid = tenderee_org
            code, employer_org_id = (code if rng.random() < 0.7 else None), (oid if rng.random() < 0.5 else None)
        elif roll < 0.0010:
            name, code, oid = agent_org
            code, employer_org_id = (code if rng.random() < 0.7 else None), (oid if rng.random() < 0.5 else None)
        elif roll < 0.0030:
            name, code, oid = rng.choice(bidders)
            code, employer_org_id = (code if rng.random() < 0.7 else None), (oid if rng.random() < 0.5 else None)
        else:
            name, code = employers[min(int(rng.paretovariate(1.2)) - 1, EMPLOYERS - 1) if rng.random() < 0.5
                                   else rng.randrange(EMPLOYERS)]
            code = code if rng.random() > 0.1 else None
        status = "removed" if roll > 0.99 else "suspended" if roll > 0.96 else "active"
        expert_rows.append({
            "id": n, "name": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
            "id_number": id_number(n), "phone": f"13{n % 10}{n:08d}", "email": f"expert{n}@example.cn" if n % 3 else "",
            "employer_name": name, "employer_credit_code": code, "employer_org_id": employer_org_id,
            "region": rng.choices(regions, weights)[0], "title": rng.choice(TITLES), "years_of_practice": rng.randrange(8, 40),
            "status": status, "status_note": "信用评价不合格，暂停评标资格" if status == "suspended" else "",
            "credit_score": rng.randrange(60, 101), "user_id": None, "created_at": clock.now(), "updated_at": clock.now(),
        })
        for specialty in sorted(set(rng.choices(leaves, leaf_weights, k=rng.choice((1, 1, 2, 2, 3))))):
            specialty_rows.append({"expert_id": n, "code": specialty})
        if rng.random() < 0.03:
            if rng.random() < 0.05:
                org_name, org_code, _ = rng.choice(parties)
                org_code = org_code if rng.random() < 0.6 else None
            else:
                org_name, org_code = rng.choice(employers)
            conflict_rows.append({"expert_id": n, "org_credit_code": org_code, "org_name": org_name,
                                  "kind": rng.choice(("former_employer", "relative", "shareholder", "other")), "note": "",
                                  "declared_at": clock.now(),
                                  "withdrawn_at": clock.now() + timedelta(days=30) if rng.random() < 0.2 else None})
        if rng.random() < 0.15:
            for day in sorted(set(rng.randrange(-10, 60) for _ in range(rng.randrange(1, 6)))):
                unavailable_rows.append({"expert_id": n, "day": eval_day + timedelta(days=day), "note": "出差",
                                         "declared_at": clock.now()})
    tenders, sections = _tender_rows(world, 1, past + 1, NOW - timedelta(hours=1))
    with engine.begin() as conn:
        conn.execute(insert(Organisation.__table__), orgs)
        for table, rows in ((Expert, expert_rows), (ExpertSpecialty, specialty_rows), (ExpertConflict, conflict_rows),
                            (ExpertUnavailable, unavailable_rows), (bidding.models.Tender, tenders),
                            (bidding.models.Section, sections)):
            for at in range(0, len(rows), 20_000):
                conn.execute(insert(table.__table__), rows[at:at + 20_000])
        conn.execute(text("ANALYZE"))
    # two experts of the first group's pool the tenderee excludes by name, with a written reason
    with engine.connect() as conn:
        excluded = list(conn.scalars(select(Expert.name).where(Expert.region == GROUPS[0][2], Expert.status == "active")
                                     .order_by(Expert.id).limit(2)))

    # the tenderee's earlier draws (its last 90 days): their serving members are avoided for 180 days
    from expert_pool import draw

    with make_session_factory(engine)() as session:
        for i in range(2, past + 2):
            clock.set(tenders[i - 1]["bid_deadline"] + timedelta(hours=1))
            parties_i = section_parties(tenders[i - 1]["id"], sections[i - 1]["id"], tenders[i - 1]["code"],
                                        tenders[i - 1]["bid_deadline"], tenderee_org, agent_org,
                                        rng.sample(bidders, 6))
            draw.request_draw(session, clock, world.agent, parties_i, draw_request(clock, recent_days=180))
            session.commit()
    engine.dispose()
    return Seeded(world, tenders[0]["id"], sections[0]["id"], bidders, tenderee_org, agent_org, excluded,
                  len(expert_rows), len(specialty_rows), len(conflict_rows), len(unavailable_rows))


def section_parties(tender_id: int, section_id: int, code: str, bid_deadline: datetime, tenderee, agent, bidders):
    from expert_pool import draw
    from expert_pool.recusal import OrgRef

    def ref(org) -> OrgRef:
        return OrgRef(name=org[0], credit_code=org[1], org_id=org[2])

    return draw.SectionParties(tender_id=tender_id, section_id=section_id, tender_code=code,
                               tender_title="杭州市道路改造工程", section_label="第 1 标段 一标段", bid_deadline=bid_deadline,
                               tenderee=ref(tenderee), agent=ref(agent), bidders=tuple(ref(b) for b in bidders))


def draw_request(clock, recent_days: int | None = 180, excluded: tuple[str, ...] | list[str] = ()):
    from expert_pool import draw
    from expert_pool.recusal import TendereeExclusion

    groups = tuple(draw.GroupRequest(code, count, region, venue, backups, "宁波市公共资源交易中心" if venue == "sub" else "")
                   for code, count, region, venue, backups in GROUPS)
    return draw.DrawRequest(groups=groups, evaluation_at=clock.now() + timedelta(days=1),
                            place="杭州市公共资源交易中心第 3 评标室", representatives=0, recent_days=recent_days,
                            tenderee_exclusions=tuple(TendereeExclusion(n, "曾在本单位项目评标中违规") for n in excluded),
                            channels=("sms", "email"))


# --- the baseline ---------------------------------------------------------------------------------------------


def _after(prefix: str) -> str:
    """The smallest string above every string starting with ``prefix`` (for an index range)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


BASELINE_SQL = """
SELECT COUNT(*) FROM expert e
WHERE e.region >= :region AND e.region < :region_end
  AND e.status = 'active'
  AND EXISTS (SELECT 1 FROM expert_specialty s WHERE s.expert_id = e.id AND s.code >= :code AND s.code < :code_end)
  AND COALESCE(e.employer_credit_code, '') NOT IN {codes}
  AND e.employer_name NOT IN {names}
  AND COALESCE(e.employer_org_id, 0) NOT IN {ids}
  AND NOT EXISTS (SELECT 1 FROM expert_conflict c WHERE c.expert_id = e.id AND c.withdrawn_at IS NULL
                  AND (c.org_credit_code IN {codes} OR c.org_name IN {names}))
  AND NOT EXISTS (SELECT 1 FROM expert_unavailable u WHERE u.expert_id = e.id AND u.day = :day)
  AND e.id NOT IN (SELECT p.expert_id FROM expert_draw_pick p JOIN expert_draw d ON d.id = p.draw_id
                   WHERE d.tenderee_org_id = :tenderee AND d.requested_at >= :since
                   AND p.status IN ('notified', 'confirmed'))
  AND e.name NOT IN {excluded}
"""


def baseline_statements(seeded: Seeded, clock, recent_days: int):
    """One COUNT(*) per group: the eligible experts, the same filters as recusal, in plain SQL."""
    from sqlalchemy import bindparam, text

    from core.clock import to_shanghai
    from core.db import UTCDateTime

    parties = [seeded.tenderee_org, seeded.agent_org, *seeded.bidders]
    params = {"day": to_shanghai(clock.now() + timedelta(days=1)).date().isoformat(),
              "tenderee": seeded.tenderee_org[2], "since": clock.now() - timedelta(days=recent_days),
              "codes": [p[1] for p in parties], "names": [p[0] for p in parties], "ids": [p[2] for p in parties],
              "excluded": seeded.excluded_names or ["\x00"]}
    sql = BASELINE_SQL.format(codes=":codes", names=":names", ids=":ids", excluded=":excluded")
    statement = text(sql).bindparams(bindparam("codes", expanding=True), bindparam("names", expanding=True),
                                     bindparam("ids", expanding=True), bindparam("excluded", expanding=True),
                                     bindparam("since", type_=UTCDateTime()))
    return [(statement, {**params, "region": region, "region_end": _after(region), "code": code,
                         "code_end": _after(code)}) for code, _, region, _, _ in GROUPS]


# --- timing ---------------------------------------------------------------------------------------------------


def timed(step: Callable[[], object], runs: int) -> tuple[float, list[float], object]:
    """The first (cold) run apart, then ``runs`` timed runs."""
    started = time.perf_counter()
    result = step()
    cold = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - started)
    return cold, times, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=EXPERTS, help="experts in the pool (default 100,000)")
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs of each measurement (median)")
    parser.add_argument("--past", type=int, default=PAST_DRAWS, help="earlier draws for the same tenderee")
    args = parser.parse_args(argv)

    from sqlalchemy import func, select

    from core.clock import FrozenClock, to_shanghai
    from core.db import make_engine, make_session_factory
    from expert_pool import draw, recusal
    from expert_pool.models import DrawPick, ExpertDraw, OutboxMessage

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sealbid-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'sealbid.db'}"
        t0 = time.perf_counter()
        seeded = seed(url, args.experts, args.past)
        print(f"seeded {seeded.counts['experts']:,} experts ({seeded.counts['specialties']:,} specialties, "
              f"{seeded.counts['conflicts']:,} conflicts, {seeded.counts['unavailable_days']:,} unavailable days) "
              f"and {args.past} earlier draws in {time.perf_counter() - t0:.1f} s")

        engine = make_engine(url)
        sessions = make_session_factory(engine)
        clock = FrozenClock(NOW)
        parties = section_parties(seeded.tender_id, seeded.section_id, "BENCH-DRAW-0001", NOW - timedelta(hours=1),
                                  seeded.tenderee_org, seeded.agent_org, seeded.bidders)
        request = draw_request(clock, 180, seeded.excluded_names)
        outcome: dict[str, object] = {}

        def one_draw() -> ExpertDraw:
            with sessions() as session:
                result = draw.request_draw(session, clock, seeded.world.agent, parties, request)
                outcome.update(pools=[g.pool_size for g in result.groups], matching=[g.matching for g in result.groups],
                               picks=len(result.picks), notified=sum(p.status == "notified" for p in result.picks),
                               messages=session.scalar(select(func.count()).select_from(OutboxMessage)
                                                       .where(OutboxMessage.ref_type == "expert_draw_pick",
                                                              OutboxMessage.ref_id.in_([p.id for p in result.picks]))),
                               excluded=[json.loads(g.exclusions) for g in result.groups])
                session.rollback()
            return result

        def one_screening() -> list:
            with sessions() as session:
                ctx = recusal.RecusalContext(tenderee=parties.tenderee, agent=parties.agent, bidders=parties.bidders,
                                             evaluation_day=to_shanghai(NOW + timedelta(days=1)).date(), at=NOW,
                                             recent_days=180, tenderee_exclusions=request.tenderee_exclusions)
                facts = recusal.read_facts(session, ctx)
                return [recusal.screen(session, ctx, code, region, facts) for code, _, region, _, _ in GROUPS]

        statements = baseline_statements(seeded, clock, 180)

        def baseline() -> list[int]:
            with engine.connect() as conn:
                return [conn.execute(statement, params).scalar_one() for statement, params in statements]

        draw_cold, draw_times, _ = timed(one_draw, args.runs)
        _, screen_times, screenings = timed(one_screening, args.runs)
        base_cold, base_times, counts = timed(baseline, args.runs)
        with sessions() as session:  # every timed draw was rolled back
            drawn = session.scalar(select(func.count()).select_from(ExpertDraw).where(ExpertDraw.section_id == seeded.section_id))
            picks = session.scalar(select(func.count()).select_from(DrawPick))
        engine.dispose()

    pools = outcome["pools"]
    if counts != pools or [len(s.eligible) for s in screenings] != pools:
        raise SystemExit(f"the baseline counts {counts} differ from the draw's pools {pools}")
    if drawn or picks != args.past * sum(g[1] + g[4] for g in GROUPS):
        raise SystemExit("a timed draw was not rolled back")
    expected = sum(g[1] + g[4] for g in GROUPS)
    if outcome["picks"] != expected or outcome["notified"] != sum(g[1] for g in GROUPS):
        raise SystemExit(f"the draw picked {outcome['picks']} experts, not {expected}")
    draw_s, screen_s, base_s = (statistics.median(t) for t in (draw_times, screen_times, base_times))
    print(f"\nrequest: {' + '.join(f'{c} × {s} {r} (+{b} backups)' for s, c, r, _, b in GROUPS)}; "
          f"{len(seeded.bidders)} bidders, 2 named exclusions, no repeat within 180 days; {args.runs} runs, medians")
    for (code, _, region, _, _), matching, pool, excluded in zip(GROUPS, outcome["matching"], pools, outcome["excluded"],
                                                                 strict=True):
        reasons = ", ".join(f"{r} {n}" for r, n in excluded.items() if n)
        print(f"  {region} {code}: {matching:,} matching, {pool:,} eligible (excluded: {reasons})")
    print(f"draw (request_draw, {outcome['picks']} picks, {outcome['messages']} messages queued): "
          f"cold {draw_cold * 1000:.1f} ms, median {draw_s * 1000:.1f} ms")
    print(f"  of which screening (read_facts + screen): median {screen_s * 1000:.1f} ms ({screen_s / draw_s:.0%})")
    print(f"baseline (plain indexed SQL COUNT(*) per group): cold {base_cold * 1000:.1f} ms, median {base_s * 1000:.1f} ms")
    print(f"ratio draw/baseline: {draw_s / base_s:.1f}")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "experts": seeded.counts, "past_draws": args.past,
              "runs": args.runs, "groups": [dict(zip(("specialty", "count", "region", "venue", "backups"), g, strict=True))
                                            for g in GROUPS],
              "matching": outcome["matching"], "eligible": pools, "draw_cold_ms": round(draw_cold * 1000, 1),
              "draw_median_ms": round(draw_s * 1000, 1), "screening_median_ms": round(screen_s * 1000, 1),
              "baseline_cold_ms": round(base_cold * 1000, 1), "baseline_median_ms": round(base_s * 1000, 1),
              "ratio": round(draw_s / base_s, 2)}
    (out / "expert_draw.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"\nwritten to {out / 'expert_draw.json'} in {time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
