"""The draw: the request's checks (法第37条; 12号令第9条), the frozen pool, the seeded picks, and re-running them."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from core.clock import to_shanghai
from core.errors import Conflict, InvalidInput, NotFound, NotPermitted, RuleViolation
from core.identity import Organisation
from expert_pool import draw, recusal
from expert_pool.draw import GroupRequest
from expert_pool.models import DrawPick, ExpertDraw
from signing import ledger
from tests.expert_pool.helpers import add_experts, request, row, section_parties
from tests.world import published_tender

HZ, NB = "浙江省杭州市", "浙江省宁波市"
TWO_SITES = (GroupRequest("A0101", 5, HZ, "main", backups=2),
             GroupRequest("A0101", 2, NB, "sub", backups=1, venue_place="宁波市公共资源交易中心副场"))


def parties(session, world, tender, **kw):
    return section_parties(session, tender, bidder_org_ids=[b.org_id for b in world.bidders], **kw)


def make_draw(session, clock, world, tender, *groups, **overrides) -> ExpertDraw:
    d = draw.request_draw(session, clock, world.agent, parties(session, world, tender),
                          request(clock, *(groups or TWO_SITES), **overrides))
    session.commit()
    return d


def _picks(d: ExpertDraw) -> list[tuple[int, int, int, str]]:
    return sorted((p.group.number, p.rank, p.expert_id, p.role) for p in d.picks)


# --- the request ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("experts, representatives, ok", [
    (5, 0, True), (7, 0, True), (4, 1, True), (5, 2, True), (6, 3, True),
    (4, 0, False),  # fewer than 5
    (6, 0, False),  # even
    (3, 2, False),  # experts 3 of 5 < 2/3
    (4, 3, False),  # 4 of 7 < 2/3
    (2, 1, False),
])
def test_committee_size_and_two_thirds_experts(experts, representatives, ok):
    if ok:
        draw.check_committee(experts, representatives)
    else:
        with pytest.raises(RuleViolation) as refused:
            draw.check_committee(experts, representatives)
        assert "法第37条" in str(refused.value)


def test_two_regions_main_and_sub_venue(session, clock, world, closed_tender, pool):
    d = make_draw(session, clock, world, closed_tender)
    assert d.status == "notifying" and d.experts == 7
    by_group = {g.number: g for g in d.groups}
    assert (by_group[1].matching, by_group[1].pool_size, by_group[2].pool_size) == (8, 8, 4)
    picks = _picks(d)
    assert len(picks) == 10 and len({p[2] for p in picks}) == 10  # never the same expert twice
    experts = {e.id: e for e in pool}
    for number, _, expert_id, _role in picks:
        assert experts[expert_id].region == (HZ if number == 1 else NB)
    members = [p for p in d.picks if p.role == "member"]
    assert len(members) == 7 and all(p.status == "notified" for p in members)
    assert all(p.status == "reserve" and p.notified_at is None for p in d.picks if p.role == "backup")
    assert all(p.answer_due_at == clock.now() + timedelta(minutes=30) for p in members)
    published = next(e for e in ledger.entries(session) if e.action == "expert_draw.request")
    assert published.data["after"]["snapshot_sha256"] == d.snapshot_sha256 == draw.sha256_hex(d.snapshot)
    assert published.data["after"]["seed_commitment"] == d.seed_commitment == draw.sha256_hex(bytes.fromhex(d.seed_hex))
    assert d.seed_hex not in "".join(e.payload for e in ledger.entries(session))  # hidden until revealed


def test_snapshot_freezes_the_sorted_pool_with_what_was_checked(session, clock, world, closed_tender, pool):
    d = make_draw(session, clock, world, closed_tender)
    snapshot = json.loads(d.snapshot)
    assert draw.canonical_json(snapshot) == d.snapshot
    assert snapshot["format"] == draw.SNAPSHOT_FORMAT
    group = snapshot["groups"][0]
    assert group["eligible"] == sorted(e.id for e in pool if e.region == HZ and "A0101" in e.specialties)
    checked = snapshot["checked"]
    assert checked["tenderee"]["org_id"] == world.tenderee_org_id and len(checked["bidders"]) == 3
    assert checked["evaluation_day"] == to_shanghai(clock.now() + timedelta(days=1)).date().isoformat()


@pytest.mark.parametrize("group, message", [
    (GroupRequest("A0101", 0, HZ), "抽取人数"),
    (GroupRequest("Z99", 5, HZ), "Z99"),
    (GroupRequest("A0101", 5, HZ, backups=-1), "备选人数"),
    (GroupRequest("A0101", 5, HZ, venue="sub"), "主场"),
    (GroupRequest("A0101", 5, " "), "地区"),
    (GroupRequest("A0101", 5, HZ, venue="remote"), "主场或副场"),
])
def test_malformed_requests_are_refused(session, clock, world, closed_tender, pool, group, message):
    with pytest.raises(InvalidInput) as refused:
        make_draw(session, clock, world, closed_tender, group)
    assert message in str(refused.value)


def test_committee_rule_applies_to_the_request(session, clock, world, closed_tender, pool):
    with pytest.raises(RuleViolation):
        make_draw(session, clock, world, closed_tender, GroupRequest("A0101", 6, HZ))
    with pytest.raises(RuleViolation):
        make_draw(session, clock, world, closed_tender, GroupRequest("A0101", 3, HZ), representatives=2)
    d = make_draw(session, clock, world, closed_tender, GroupRequest("A0101", 4, HZ), representatives=1)
    assert d.experts == 4 and d.representatives == 1


def test_only_the_tenders_agent_after_the_deadline(session, clock, store, world, pool):
    tender = published_tender(session, clock, store, world)
    with pytest.raises(RuleViolation):
        draw.request_draw(session, clock, world.agent, parties(session, world, tender), request(clock, *TWO_SITES))
    clock.set(tender.bid_deadline)
    for actor in (world.other_agent, world.tenderee, world.supervisor, world.bidders[0]):
        with pytest.raises(NotPermitted):
            draw.request_draw(session, clock, actor, parties(session, world, tender), request(clock, *TWO_SITES))
    with pytest.raises(InvalidInput):  # the evaluation cannot be in the past
        draw.request_draw(session, clock, world.agent, parties(session, world, tender),
                          request(clock, *TWO_SITES, evaluation_at=clock.now() - timedelta(hours=1)))
    make_draw(session, clock, world, tender)
    with pytest.raises(Conflict):  # one draw in progress per section
        make_draw(session, clock, world, tender)


# --- a draw that cannot be satisfied ----------------------------------------------------------------------------------


def test_too_few_eligible_names_the_group_and_the_starving_constraint(session, clock, world, closed_tender):
    tenderee = session.get(Organisation, world.tenderee_org_id)
    add_experts(session, clock, world, [
        *[row(f"安装{i}", i, codes="A0102") for i in range(1, 4)],
        row("招标人职工甲", 4, codes="A0102", credit_code=tenderee.credit_code),
        row("招标人职工乙", 5, codes="A0102", employer=tenderee.name),
        row("暂停专家", 6, codes="A0102", status="暂停"),
    ])
    session.commit()
    with pytest.raises(draw.PoolTooSmall) as refused:
        make_draw(session, clock, world, closed_tender, GroupRequest("A0102", 5, HZ))
    assert str(refused.value) == ("第 1 组（浙江省杭州市 A0102）需要 5 人，符合条件的只有 3 人："
                                  "专业和地区相符 6 人，其中已暂停 1 人、招标人单位回避 2 人。")
    assert refused.value.group == 1 and refused.value.starving == "tenderee_employee"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ExpertDraw)) == 0
    assert not [e for e in ledger.entries(session) if e.action.startswith("expert_draw")]


def test_an_empty_region_says_so(session, clock, world, closed_tender, pool):
    with pytest.raises(draw.PoolTooSmall) as refused:
        make_draw(session, clock, world, closed_tender, GroupRequest("A0101", 5, "浙江省温州市"))
    assert "专业和地区相符的专家只有 0 人" in str(refused.value) and refused.value.starving is None


def test_recently_drawn_for_the_same_tenderee_are_excluded(session, clock, store, world, pool):
    sections = [{"name": n, "estimated_price": "10000000.00", "bond_amount": "200000.00"} for n in ("一标段", "二标段")]
    tender = published_tender(session, clock, store, world, sections=sections)
    clock.set(tender.bid_deadline + timedelta(hours=1))
    first = make_draw(session, clock, world, tender, GroupRequest("A0101", 5, HZ))
    served = {p.expert_id for p in first.picks}
    second = section_parties(session, tender, number=2, bidder_org_ids=[b.org_id for b in world.bidders])
    with pytest.raises(draw.PoolTooSmall) as refused:
        draw.request_draw(session, clock, world.agent, second, request(clock, GroupRequest("A0101", 5, HZ),
                                                                       recent_days=30))
    assert refused.value.starving == "recent_same_tenderee" and "近期已为同一招标人评标 5 人" in str(refused.value)
    session.rollback()
    ctx = recusal.RecusalContext(tenderee=second.tenderee, agent=second.agent, bidders=second.bidders,
                                 evaluation_day=(clock.now() + timedelta(days=1)).date(), at=clock.now(), recent_days=30)
    assert served.isdisjoint(recusal.screen(session, ctx, "A0101", HZ).eligible)
    later = recusal.RecusalContext(**{**ctx.__dict__, "at": clock.now() + timedelta(days=31)})
    assert served <= set(recusal.screen(session, later, "A0101", HZ).eligible)  # outside the N days
    other = recusal.RecusalContext(**{**ctx.__dict__, "tenderee": recusal.OrgRef("别的招标人", "", world.agent.org_id)})
    assert served <= set(recusal.screen(session, other, "A0101", HZ).eligible)  # another tenderee


def test_overlapping_groups_never_share_an_expert(session, clock, world, closed_tender, pool):
    d = make_draw(session, clock, world, closed_tender, GroupRequest("A0101", 5, HZ, backups=1),
                  GroupRequest("A01", 2, "浙江省", backups=5))
    ids = [p.expert_id for p in d.picks]
    assert len(ids) == len(set(ids)) == 5 + 1 + 2 + 4  # 12 experts of A01 in 浙江省: the last group gets 4 backups
    assert [g.pool_size for g in d.groups] == [8, 12]


# --- determinism and verification -------------------------------------------------------------------------------------


def test_same_seed_and_snapshot_give_the_same_picks(session, clock, world, closed_tender, pool):
    d = make_draw(session, clock, world, closed_tender)
    snapshot, seed = json.loads(d.snapshot), bytes.fromhex(d.seed_hex)
    plan = draw.compute_picks(snapshot, seed)
    assert sorted((p.group, p.rank, p.expert_id, p.role) for p in plan.picks) == _picks(d)
    assert draw.compute_picks(json.loads(d.snapshot), seed).picks == plan.picks
    result = draw.verify_draw(session, d.id)
    assert result.ok and result.picks_checked == 10 and not result.seed_revealed


def _snapshot(groups):
    return {"groups": [{"number": n, "count": c, "backups": b, "eligible": e} for n, c, b, e in groups]}


@pytest.mark.parametrize("seed", [bytes([i]) * 32 for i in range(12)] + [secrets.token_bytes(32) for _ in range(8)],
                         ids=[f"fixed{i}" for i in range(12)] + [f"random{i}" for i in range(8)])
def test_picks_are_a_pure_function_with_the_promised_shape(seed):
    """What a property test would check, over fixed and random seeds (hypothesis is not installed)."""
    snapshot = _snapshot([(1, 5, 2, list(range(1, 30))), (2, 2, 1, list(range(20, 40))), (3, 3, 3, list(range(1, 8)))])
    plan = draw.compute_picks(snapshot, seed)
    again = draw.compute_picks(json.loads(json.dumps(snapshot)), seed)
    assert plan.picks == again.picks and not plan.short
    ids = [p.expert_id for p in plan.picks]
    assert len(ids) == len(set(ids))
    for number, count, backups, eligible in [(1, 5, 2, range(1, 30)), (2, 2, 1, range(20, 40)), (3, 3, 3, range(1, 8))]:
        mine = [p for p in plan.picks if p.group == number]
        assert [p.rank for p in mine] == list(range(1, len(mine) + 1))
        assert [p.role for p in mine][:count] == ["member"] * count and len(mine) <= count + backups
        assert all(p.expert_id in eligible for p in mine)
    # group 1's members are the first five of its HMAC order
    order = sorted(range(1, 30), key=lambda e: (draw.order_key(seed, 1, e), e))
    assert [p.expert_id for p in plan.picks if p.group == 1 and p.role == "member"] == order[:5]


def test_different_seeds_give_different_committees():
    snapshot = _snapshot([(1, 5, 0, list(range(1, 101)))])
    outcomes = {tuple(p.expert_id for p in draw.compute_picks(snapshot, bytes([i]) * 32).picks) for i in range(5)}
    assert len(outcomes) == 5


def test_a_tampered_snapshot_is_reported(session, clock, world, closed_tender, pool):
    d = make_draw(session, clock, world, closed_tender)
    snapshot = json.loads(d.snapshot)
    removed = next(p.expert_id for p in d.picks if p.group.number == 1 and p.rank == 1)
    snapshot["groups"][0]["eligible"].remove(removed)  # as if that expert had never been eligible
    session.execute(text("UPDATE expert_draw SET snapshot = :s WHERE id = :id"),
                    {"s": draw.canonical_json(snapshot), "id": d.id})
    session.commit()
    session.expire_all()
    result = draw.verify_draw(session, d.id)
    texts = [p.text for p in result.problems]
    assert not result.ok and texts[0].startswith("快照已被改动")
    assert "第 %(number)s 组快照中的候选人数为 %(frozen)s，记录为 %(recorded)s。" in texts
    assert any(p.text.startswith("第 %(number)s 组第 %(rank)s 位") and p.params["number"] == 1
               for p in result.problems)  # and the re-run no longer gives the stored committee


def test_rewriting_snapshot_and_hash_together_is_caught_by_the_ledger(session, clock, world, closed_tender, pool):
    d = make_draw(session, clock, world, closed_tender)
    snapshot = json.loads(d.snapshot)
    snapshot["groups"][1]["eligible"].reverse()  # same content, but not canonical any more
    forged = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    session.execute(text("UPDATE expert_draw SET snapshot = :s, snapshot_sha256 = :h WHERE id = :id"),
                    {"s": forged, "h": draw.sha256_hex(forged), "id": d.id})
    session.commit()
    session.expire_all()
    problems = [p.text for p in draw.verify_draw(session, d.id).problems]
    assert "快照哈希与抽取时记录链公示的 %(published)s 不一致。" in problems


def test_a_swapped_pick_is_named(session, clock, world, closed_tender, pool):
    d = make_draw(session, clock, world, closed_tender)
    first = next(p for p in d.picks if p.group.number == 1 and p.rank == 1)
    outsider = next(e.id for e in pool if e.region == HZ and e.id not in {p.expert_id for p in d.picks}
                    and "A0101" in e.specialties)
    session.execute(text("UPDATE expert_draw_pick SET expert_id = :e WHERE id = :id"), {"e": outsider, "id": first.id})
    session.commit()
    session.expire_all()
    result = draw.verify_draw(session, d.id)
    assert [(p.params["number"], p.params["rank"]) for p in result.problems] == [(1, 1)]
    assert result.problems[0].params["stored"] == f"#{outsider} (member)"


def test_a_wrong_seed_is_reported(session, clock, world, closed_tender, pool):
    d = make_draw(session, clock, world, closed_tender)
    session.execute(text("UPDATE expert_draw SET seed_hex = :s WHERE id = :id"), {"s": "00" * 32, "id": d.id})
    session.commit()
    session.expire_all()
    problems = [p.text for p in draw.verify_draw(session, d.id).problems]
    assert problems[0] == "随机种子与种子承诺不符。"


def test_verify_unknown_draw(session):
    with pytest.raises(NotFound):
        draw.verify_draw(session, 999)


def test_picks_are_stored_once_per_expert(session, clock, world, closed_tender, pool):
    make_draw(session, clock, world, closed_tender)
    rows = session.execute(select(DrawPick.expert_id, func.count()).group_by(DrawPick.expert_id)).all()
    assert all(n == 1 for _, n in rows)
