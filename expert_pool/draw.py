"""The verifiable random draw of a section's evaluation committee (条例第46条; domain-rules 4.1, 4.2).

How a draw can be checked afterwards by anyone with supervisor rights:

1. The request is checked: committee size (experts + tenderee representatives) ≥ 5 and odd, experts
   ≥ 2/3 of it (法第37条; 12号令第9条), every count positive, every specialty code known.
2. The eligible pool of each group is frozen *before* any randomness exists: the sorted expert ids
   that passed recusal, with what was checked (the organisations avoided, the evaluation day, the
   tenderee's exclusions) and the exclusion counts. This snapshot is stored as canonical JSON; its
   SHA-256 is the snapshot hash.
3. A 32-byte seed comes from ``secrets``; its SHA-256 (the commitment) is published in the ledger
   together with the snapshot hash, the seed itself stays hidden until the evaluation ends.
4. The picks follow from seed and snapshot alone: within group *n* the candidates are ordered by
   HMAC-SHA256(seed, f"{n}:{expert id}"); the members of every group are taken first (group order),
   then the backups, never one expert twice. Taking all members before any backup means a backup of
   an early group never takes a seat a later group needs.
5. :func:`verify_draw` recomputes the hash, checks seed against commitment and both against the ledger,
   re-runs the picks and names every difference.

Declines and silence promote the next backup of the same group (same specialty, same exclusions;
domain-rules 4.2); with no backup left the draw is "short" and names the group, for a re-draw.

Names: supervisors see them at once; the agent and the tenderee see counts only until the evaluation
ends (法第37条: 评标委员会成员名单在中标结果确定前应当保密); bidders never see anything here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.actor import Actor, Role
from core.clock import Clock, shanghai_text, to_shanghai
from core.errors import N_, Conflict, DeadlinePassed, InvalidInput, Msg, NotFound, NotPermitted, RuleViolation, phrase
from expert_pool import outbox, recusal, specialties
from expert_pool.models import (
    CHANNELS,
    VENUES,
    DrawExclusion,
    DrawGroup,
    DrawPick,
    Expert,
    ExpertDraw,
    OutboxMessage,
)
from expert_pool.recusal import OrgRef, RecusalContext, Screening, TendereeExclusion
from signing import ledger

SNAPSHOT_FORMAT = "sealbid-expert-draw/1"
SEED_BYTES = 32
COMMITTEE_RULE = N_("法第37条；12号令第9条")
MIN_COMMITTEE = 5
MAX_GROUPS = 20
MAX_PER_GROUP = 50
ACTIVE_STATUSES = ("notifying", "complete")
SERVING = ("notified", "confirmed")
VENUE_LABELS = {"main": N_("主场"), "sub": N_("副场")}
STATUS_LABELS = {
    "notifying": N_("通知确认中"),
    "complete": N_("已全部确认"),
    "short": N_("备选专家不足"),
}
PICK_STATUS_LABELS = {
    "reserve": N_("备选（未启用）"),
    "notified": N_("已通知，待确认"),
    "confirmed": N_("已确认参加"),
    "declined": N_("拒绝参加"),
    "expired": N_("逾期未答复"),
    "recused": N_("回避"),
}


# --- the request -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionParties:
    """The section as the caller (``bidding``) knows it: who must be avoided and what the record prints."""

    tender_id: int
    section_id: int
    tender_code: str
    tender_title: str
    section_label: str
    bid_deadline: datetime
    tenderee: OrgRef
    agent: OrgRef
    bidders: tuple[OrgRef, ...]


@dataclass(frozen=True)
class GroupRequest:
    """So many experts of a specialty from a region, for the main venue (主场) or a sub venue (副场)."""

    specialty_code: str
    count: int
    region: str
    venue: str = "main"
    backups: int = 0
    venue_place: str = ""


@dataclass(frozen=True)
class DrawRequest:
    groups: tuple[GroupRequest, ...]
    evaluation_at: datetime
    place: str
    representatives: int = 0
    recent_days: int | None = None
    tenderee_exclusions: tuple[TendereeExclusion, ...] = ()
    answer_minutes: int = 30
    channels: tuple[str, ...] = ("sms",)


class PoolTooSmall(RuleViolation):
    """Too few eligible experts for a group; ``starving`` is the exclusion reason that removed the most."""

    code = "pool_too_small"

    def __init__(self, message: str, *, group: int, excluded: dict[str, int], starving: str | None,
                 **params: object) -> None:
        super().__init__(message, field="groups", **params)
        self.group = group
        self.excluded = excluded
        self.starving = starving


def check_committee(experts: int, representatives: int) -> None:
    """法第37条; 12号令第9条: ≥ 5 members, an odd number, experts at least two thirds."""
    total = experts + representatives
    if total < MIN_COMMITTEE or total % 2 == 0:
        raise RuleViolation(N_("评标委员会成员应为 5 人以上单数：现为专家 %(experts)s 人、招标人代表 %(representatives)s 人，"
                               "共 %(total)s 人（%(rule)s）。"),
                            field="groups", rule=COMMITTEE_RULE, experts=experts, representatives=representatives,
                            total=total)
    if experts * 3 < total * 2:
        raise RuleViolation(N_("技术、经济等方面的专家不得少于成员总数的三分之二：现为专家 %(experts)s 人，共 %(total)s 人"
                               "（%(rule)s）。"),
                            field="representatives", rule=COMMITTEE_RULE, experts=experts, total=total)


def check_request(request: DrawRequest, now: datetime) -> DrawRequest:
    """The request with its text trimmed and codes normalised, or the first thing wrong with it."""
    if not 1 <= len(request.groups) <= MAX_GROUPS:
        raise InvalidInput(N_("请至少填写一组抽取条件（最多 %(max)s 组）。"), field="groups", max=MAX_GROUPS)
    groups = []
    for number, group in enumerate(request.groups, start=1):
        code = specialties.normalise(group.specialty_code)
        if not specialties.exists(code):
            raise InvalidInput(N_("第 %(number)s 组：专业代码“%(code)s”不在专业分类中。"), field="groups", number=number,
                               code=group.specialty_code[:20])
        if not 1 <= group.count <= MAX_PER_GROUP:
            raise InvalidInput(N_("第 %(number)s 组：抽取人数应为 1 至 %(max)s 人。"), field="groups", number=number,
                               max=MAX_PER_GROUP)
        if not 0 <= group.backups <= MAX_PER_GROUP:
            raise InvalidInput(N_("第 %(number)s 组：备选人数应为 0 至 %(max)s 人。"), field="groups", number=number,
                               max=MAX_PER_GROUP)
        region = group.region.strip()
        if not 1 <= len(region) <= 100:
            raise InvalidInput(N_("第 %(number)s 组：请填写专家所在地区。"), field="groups", number=number)
        if group.venue not in VENUES:
            raise InvalidInput(N_("第 %(number)s 组：评标场地只能是主场或副场。"), field="groups", number=number)
        if len(group.venue_place) > 300:
            raise InvalidInput(N_("第 %(number)s 组：场地地址过长。"), field="groups", number=number)
        groups.append(GroupRequest(code, group.count, region, group.venue, group.backups, group.venue_place.strip()))
    if not any(g.venue == "main" for g in groups):
        raise InvalidInput(N_("至少要有一组专家在主场评标（主场由招标人选定，副场协助）。"), field="groups")
    if request.representatives < 0:
        raise InvalidInput(N_("招标人代表人数不能为负数。"), field="representatives")
    check_committee(sum(g.count for g in groups), request.representatives)
    if request.evaluation_at.tzinfo is None:
        raise ValueError("evaluation_at must be timezone-aware")
    if request.evaluation_at <= now:
        raise InvalidInput(N_("评标时间必须晚于现在。"), field="evaluation_at")
    place = request.place.strip()
    if not 1 <= len(place) <= 300:
        raise InvalidInput(N_("请填写评标地点。"), field="place")
    if not 5 <= request.answer_minutes <= 24 * 60:
        raise InvalidInput(N_("专家答复期限应为 5 分钟至 24 小时。"), field="answer_minutes")
    if not request.channels or any(c not in CHANNELS for c in request.channels):
        raise InvalidInput(N_("请选择通知方式（短信、语音或电子邮件）。"), field="channels")
    if request.recent_days is not None and not 1 <= request.recent_days <= 3650:
        raise InvalidInput(N_("回避近期评标的天数应为 1 至 3650 天。"), field="recent_days")
    return DrawRequest(groups=tuple(groups), evaluation_at=request.evaluation_at, place=place,
                       representatives=request.representatives, recent_days=request.recent_days,
                       tenderee_exclusions=recusal.check_exclusions(request.tenderee_exclusions),
                       answer_minutes=request.answer_minutes, channels=tuple(dict.fromkeys(request.channels)))


# --- snapshot, seed and the deterministic picks -----------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept as is: the one serialisation that is hashed."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256_hex(text: str | bytes) -> str:
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def order_key(seed: bytes, group_number: int, expert_id: int) -> bytes:
    """Where an expert falls in a group's random order: HMAC-SHA256(seed, "n:id")."""
    return hmac.new(seed, f"{group_number}:{expert_id}".encode("ascii"), hashlib.sha256).digest()


@dataclass(frozen=True)
class PlannedPick:
    group: int
    expert_id: int
    rank: int
    role: str  # member | backup


@dataclass
class Plan:
    """The picks seed and snapshot give; ``short`` maps a group to the members it could get, if fewer than asked."""

    picks: list[PlannedPick] = field(default_factory=list)
    short: dict[int, int] = field(default_factory=dict)
    taken_earlier: dict[int, int] = field(default_factory=dict)


def compute_picks(snapshot: dict[str, Any], seed: bytes) -> Plan:
    """The deterministic draw: a pure function of the snapshot and the seed, re-run by :func:`verify_draw`."""
    groups = sorted(snapshot["groups"], key=lambda g: g["number"])
    orders = {g["number"]: sorted(g["eligible"], key=lambda e: (order_key(seed, g["number"], e), e)) for g in groups}
    plan = Plan()
    taken: set[int] = set()
    ranks: dict[int, int] = {}
    for role, size in (("member", "count"), ("backup", "backups")):
        for g in groups:
            number = g["number"]
            available = [e for e in orders[number] if e not in taken]
            chosen = available[:g[size]]
            if role == "member":
                plan.taken_earlier[number] = len(orders[number]) - len(available)
                if len(chosen) < g[size]:
                    plan.short[number] = len(chosen)
            for expert_id in chosen:
                ranks[number] = ranks.get(number, 0) + 1
                plan.picks.append(PlannedPick(number, expert_id, ranks[number], role))
            taken.update(chosen)
    return plan


def build_snapshot(parties: SectionParties, ctx: RecusalContext, groups: tuple[GroupRequest, ...],
                   screenings: list[Screening], drawn_at: datetime) -> dict[str, Any]:
    """The frozen pool: per group the sorted eligible ids, with what was checked to get them."""
    return {
        "format": SNAPSHOT_FORMAT,
        "tender_id": parties.tender_id,
        "section_id": parties.section_id,
        "drawn_at": drawn_at.isoformat(),
        "checked": ctx.as_json(),
        "groups": [
            {"number": number, "specialty_code": g.specialty_code, "region": g.region, "venue": g.venue,
             "count": g.count, "backups": g.backups, "matching": s.matching, "excluded": s.excluded,
             "eligible": s.eligible}
            for number, (g, s) in enumerate(zip(groups, screenings, strict=True), start=1)
        ],
    }


def _starved(number: int, group: GroupRequest, screening: Screening, plan: Plan) -> PoolTooSmall:
    excluded = dict(screening.excluded)
    excluded["taken_by_earlier_group"] = plan.taken_earlier.get(number, 0)
    available = plan.short[number]
    params: dict[str, object] = {"number": number, "region": group.region, "specialty": group.specialty_code,
                                 "count": group.count, "eligible": available, "matching": screening.matching}
    counts = {r: n for r, n in excluded.items() if n}
    starving = max(counts, key=lambda r: counts[r]) if counts else None
    if not counts:
        return PoolTooSmall(N_("第 %(number)s 组（%(region)s %(specialty)s）需要 %(count)s 人，"
                               "专业和地区相符的专家只有 %(matching)s 人。"),
                            group=number, excluded=excluded, starving=None, **params)
    return PoolTooSmall(N_("第 %(number)s 组（%(region)s %(specialty)s）需要 %(count)s 人，符合条件的只有 %(eligible)s 人："
                           "专业和地区相符 %(matching)s 人，其中%(reasons)s。"),
                        group=number, excluded=excluded, starving=starving, reasons=recusal.reason_counts(excluded),
                        **params)


# --- requesting a draw ------------------------------------------------------------------------------------------------


def _require_agent(actor: Actor, parties: SectionParties) -> None:
    if not (actor.has(Role.AGENT) and parties.agent.org_id is not None and actor.org_id == parties.agent.org_id):
        raise NotPermitted(N_("只有本项目的招标代理可以申请抽取评标专家。"))


def _active_draw(session: Session, section_id: int) -> ExpertDraw | None:
    return session.scalars(select(ExpertDraw).where(ExpertDraw.section_id == section_id,
                                                    ExpertDraw.status.in_(ACTIVE_STATUSES))).first()


def request_draw(session: Session, clock: Clock, actor: Actor, parties: SectionParties,
                 request: DrawRequest) -> ExpertDraw:
    """The tender's agent draws the committee for a section after the bid deadline, and the drawn members are
    notified. Raises :class:`PoolTooSmall` (nothing is stored) when a group cannot be filled."""
    _require_agent(actor, parties)
    now = clock.now()
    if now < parties.bid_deadline:
        # the bidders, whose staff must be avoided, are known only at the deadline
        raise RuleViolation(N_("投标截止后才能抽取评标专家：此前投标人尚未确定，无法回避。"), field="section")
    if parties.tenderee.org_id is None:
        raise ValueError("the tenderee's organisation id is required")
    request = check_request(request, now)
    if _active_draw(session, parties.section_id) is not None:
        raise Conflict(N_("该标段已有进行中的专家抽取。"))
    ctx = RecusalContext(tenderee=parties.tenderee, agent=parties.agent, bidders=parties.bidders,
                         evaluation_day=to_shanghai(request.evaluation_at).date(), at=now,
                         recent_days=request.recent_days, tenderee_exclusions=request.tenderee_exclusions)
    facts = recusal.read_facts(session, ctx)
    screenings = [recusal.screen(session, ctx, g.specialty_code, g.region, facts) for g in request.groups]
    snapshot = build_snapshot(parties, ctx, request.groups, screenings, now)
    text = canonical_json(snapshot)
    seed = secrets.token_bytes(SEED_BYTES)
    plan = compute_picks(snapshot, seed)
    for number, group in enumerate(request.groups, start=1):
        if number in plan.short:
            raise _starved(number, group, screenings[number - 1], plan)

    draw = ExpertDraw(
        tender_id=parties.tender_id, section_id=parties.section_id, tender_code=parties.tender_code[:60],
        tender_title=parties.tender_title[:200], section_label=parties.section_label[:200],
        tenderee_org_id=parties.tenderee.org_id, agent_org_id=parties.agent.org_id, requested_by=actor.user_id,
        requested_at=now, evaluation_at=request.evaluation_at, place=request.place,
        representatives=request.representatives, answer_minutes=request.answer_minutes,
        channels=",".join(request.channels), recent_days=request.recent_days, status="notifying",
        snapshot=text, snapshot_sha256=sha256_hex(text), seed_hex=seed.hex(), seed_commitment=sha256_hex(seed))
    groups = {}
    for number, (g, s) in enumerate(zip(request.groups, screenings, strict=True), start=1):
        groups[number] = DrawGroup(number=number, specialty_code=g.specialty_code, region=g.region, venue=g.venue,
                                   venue_place=g.venue_place, count=g.count, backups=g.backups, matching=s.matching,
                                   pool_size=len(s.eligible), exclusions=recusal.exclusions_json(s.excluded))
        draw.groups.append(groups[number])
    for planned in plan.picks:
        draw.picks.append(DrawPick(group=groups[planned.group], expert_id=planned.expert_id, rank=planned.rank,
                                   role=planned.role, status="reserve", note=""))
    matches = recusal.exclusion_matches(session, request.tenderee_exclusions)
    for exclusion in request.tenderee_exclusions:
        draw.exclusions.append(DrawExclusion(name=exclusion.name, reason=exclusion.reason,
                                             matched=matches[exclusion.name]))
    session.add(draw)
    session.flush()
    ledger.append(session, clock, actor, "expert_draw.request", "expert_draw", draw.id, tender_id=draw.tender_id,
                  after={"section_id": draw.section_id, "snapshot_sha256": draw.snapshot_sha256,
                         "seed_commitment": draw.seed_commitment, "evaluation_at": draw.evaluation_at,
                         "representatives": draw.representatives,
                         "groups": [{"number": g.number, "specialty_code": g.specialty_code, "region": g.region,
                                     "venue": g.venue, "count": g.count, "backups": g.backups, "matching": g.matching,
                                     "pool_size": g.pool_size} for g in draw.groups],
                         "exclusions": [{"name": e.name, "reason": e.reason} for e in draw.exclusions]})
    for pick in draw.picks:
        if pick.role == "member":
            _notify(session, clock, actor, draw, pick, expected="reserve")
    return draw


# --- notification and answers -----------------------------------------------------------------------------------------


def invitation_body(draw: ExpertDraw, group: DrawGroup, due: datetime) -> str:
    """The text sent to a drawn expert: time, place, specialty and the answer deadline, never the project's parties
    (domain-rules 4.2), so nothing in it tells the expert whom they will judge."""
    place = group.venue_place or draw.place
    venue = "主场" if group.venue == "main" else "副场"
    spec = specialties.get(group.specialty_code)
    return (f"【sealbid】您已被随机抽取为评标专家（专业：{group.specialty_code} {spec.name if spec else ''}）。"
            f"评标时间：{shanghai_text(draw.evaluation_at)[:16]}（北京时间），地点：{place}（{venue}）。"
            f"请于 {shanghai_text(due)[:16]} 前登录平台确认是否参加，逾期视为不参加。抽取结果保密，请勿向他人透露。")


def _notify(session: Session, clock: Clock, actor: Actor, draw: ExpertDraw, pick: DrawPick, *, expected: str,
            replaces: DrawPick | None = None) -> bool:
    """Call an expert (a member, or a backup taking a seat): the answer is due ``answer_minutes`` from now."""
    now = clock.now()
    due = now + timedelta(minutes=draw.answer_minutes)
    done = session.execute(update(DrawPick).where(DrawPick.id == pick.id, DrawPick.status == expected)
                           .values(status="notified", notified_at=now, answer_due_at=due,
                                   replaces_pick_id=replaces.id if replaces else None)
                           .execution_options(synchronize_session=False)).rowcount
    if not done:
        return False
    session.refresh(pick)
    expert = pick.expert
    body = invitation_body(draw, pick.group, due)
    for channel in draw.channels.split(","):
        recipient = expert.email if channel == "email" else expert.phone
        if recipient:
            outbox.queue(session, clock, channel, recipient, body, ref_type="expert_draw_pick", ref_id=pick.id)
    ledger.append(session, clock, actor, "expert_draw.notify", "expert_draw_pick", pick.id, tender_id=draw.tender_id,
                  after={"draw_id": draw.id, "group": pick.group.number, "rank": pick.rank, "role": pick.role,
                         "expert_id": pick.expert_id, "answer_due_at": due,
                         "replaces_pick_id": replaces.id if replaces else None})
    return True


def _counts(session: Session, group_id: int) -> dict[str, int]:
    """The group's picks by status, read from the database (another worker may have just changed one)."""
    rows = session.execute(select(DrawPick.status, func.count()).where(DrawPick.group_id == group_id)
                           .group_by(DrawPick.status)).all()
    return {status: n for status, n in rows}


def _set_status(session: Session, clock: Clock, actor: Actor, draw: ExpertDraw, status: str,
                short_group: int | None = None) -> None:
    if draw.status == status:
        return
    before = draw.status
    values: dict[str, Any] = {"status": status}
    if short_group is not None and draw.short_group is None:
        values["short_group"] = short_group
    done = session.execute(update(ExpertDraw).where(ExpertDraw.id == draw.id, ExpertDraw.status == before)
                           .values(**values).execution_options(synchronize_session=False)).rowcount
    session.refresh(draw)
    if done:
        ledger.append(session, clock, actor, f"expert_draw.{status}", "expert_draw", draw.id, tender_id=draw.tender_id,
                      before={"status": before}, after={"status": status, "short_group": short_group})


def _settle(session: Session, clock: Clock, actor: Actor, draw: ExpertDraw) -> None:
    """Complete when every seat is confirmed; short stays short (it needs a new draw)."""
    session.refresh(draw)
    if draw.status == "short":
        return
    full = all(_counts(session, g.id).get("confirmed", 0) >= g.count for g in draw.groups)
    _set_status(session, clock, actor, draw, "complete" if full else "notifying")


def _promote(session: Session, clock: Clock, actor: Actor, draw: ExpertDraw, left: DrawPick) -> DrawPick | None:
    """The next backup of the same group takes the seat ``left`` leaves; none left makes the draw short."""
    group = left.group
    while True:
        counts = _counts(session, group.id)
        if sum(counts.get(s, 0) for s in SERVING) >= group.count:
            return None
        nxt = session.scalars(select(DrawPick).where(DrawPick.group_id == group.id, DrawPick.status == "reserve")
                              .order_by(DrawPick.rank).limit(1)
                              .execution_options(populate_existing=True)).first()
        if nxt is None:
            _set_status(session, clock, actor, draw, "short", short_group=group.number)
            return None
        if _notify(session, clock, actor, draw, nxt, expected="reserve", replaces=left):
            return nxt


def get_draw(session: Session, draw_id: int) -> ExpertDraw:
    draw = session.get(ExpertDraw, draw_id)
    if draw is None:
        raise NotFound(N_("专家抽取记录不存在。"))
    return draw


def _pick_of(session: Session, pick_id: int) -> DrawPick:
    pick = session.get(DrawPick, pick_id)
    if pick is None:
        raise NotFound(N_("专家抽取记录不存在。"))
    return pick


def respond(session: Session, clock: Clock, actor: Actor, pick_id: int, accept: bool, note: str = "") -> DrawPick:
    """The drawn expert confirms or declines, within the time limit; a decline calls the next backup."""
    pick = _pick_of(session, pick_id)
    if not (actor.has(Role.EXPERT) and actor.user_id is not None and pick.expert.user_id == actor.user_id):
        raise NotPermitted(N_("只能答复发给您本人的评标邀请。"))
    if pick.status != "notified":
        raise Conflict(N_("该邀请已答复或已失效。"))
    now = clock.now()
    if pick.answer_due_at is not None and now > pick.answer_due_at:
        raise DeadlinePassed(N_("答复期限已过，该邀请已失效。"))
    status = "confirmed" if accept else "declined"
    done = session.execute(update(DrawPick).where(DrawPick.id == pick.id, DrawPick.status == "notified")
                           .values(status=status, answered_at=now, note=note.strip()[:500])
                           .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise Conflict(N_("该邀请已答复或已失效。"))
    session.refresh(pick)
    draw = get_draw(session, pick.draw_id)
    ledger.append(session, clock, actor, f"expert_draw.{'confirm' if accept else 'decline'}", "expert_draw_pick",
                  pick.id, tender_id=draw.tender_id, after={"draw_id": draw.id, "status": status, "note": pick.note})
    if not accept:
        _promote(session, clock, actor, draw, pick)
    _settle(session, clock, actor, draw)
    return pick


def expire_unanswered(session: Session, clock: Clock) -> list[int]:
    """Called by the scheduler: invitations past their answer time lapse and the next backup is called.

    Idempotent: each lapse is a conditional update, so a second run (or a second worker) finds nothing to do.
    """
    now = clock.now()
    due = session.scalars(select(DrawPick).where(DrawPick.status == "notified", DrawPick.answer_due_at < now)
                          .order_by(DrawPick.answer_due_at, DrawPick.id)).all()
    expired = []
    actor = Actor.system()
    for pick in due:
        done = session.execute(update(DrawPick).where(DrawPick.id == pick.id, DrawPick.status == "notified")
                               .values(status="expired", answered_at=now)
                               .execution_options(synchronize_session=False)).rowcount
        if not done:
            continue
        session.refresh(pick)
        draw = get_draw(session, pick.draw_id)
        ledger.append(session, clock, actor, "expert_draw.expire", "expert_draw_pick", pick.id,
                      tender_id=draw.tender_id, after={"draw_id": draw.id, "status": "expired"})
        _promote(session, clock, actor, draw, pick)
        _settle(session, clock, actor, draw)
        expired.append(pick.id)
    return expired


def release_pick(session: Session, clock: Clock, actor: Actor, pick_id: int, reason: str) -> DrawPick | None:
    """A drawn expert leaves for a conflict found later (the recusal declaration at sign-in, 12号令第12条), by their
    own declaration or a supervisor's decision; the next backup is called. Returns the backup called, if any."""
    pick = _pick_of(session, pick_id)
    own = actor.has(Role.EXPERT) and actor.user_id is not None and pick.expert.user_id == actor.user_id
    if not (own or actor.has(Role.SUPERVISOR)):
        raise NotPermitted(N_("您没有执行此操作的权限。"))
    if not reason.strip():
        raise InvalidInput(N_("请写明回避理由。"), field="reason")
    if pick.status not in SERVING:
        raise Conflict(N_("该专家不在评标委员会中。"))
    done = session.execute(update(DrawPick).where(DrawPick.id == pick.id, DrawPick.status == pick.status)
                           .values(status="recused", note=reason.strip()[:500])
                           .execution_options(synchronize_session=False)).rowcount
    if not done:
        raise Conflict(N_("该专家不在评标委员会中。"))
    session.refresh(pick)
    draw = get_draw(session, pick.draw_id)
    ledger.append(session, clock, actor, "expert_draw.recuse", "expert_draw_pick", pick.id, tender_id=draw.tender_id,
                  after={"draw_id": draw.id, "status": "recused", "reason": pick.note})
    backup = _promote(session, clock, actor, draw, pick)
    _settle(session, clock, actor, draw)
    return backup


def my_invitations(session: Session, actor: Actor) -> list[DrawPick]:
    """The expert's own open and confirmed invitations, newest first (what the expert's page lists)."""
    if not actor.has(Role.EXPERT) or actor.user_id is None:
        raise NotPermitted(N_("您没有执行此操作的权限。"))
    return list(session.scalars(select(DrawPick).join(Expert, Expert.id == DrawPick.expert_id)
                                .where(Expert.user_id == actor.user_id, DrawPick.status.in_(SERVING))
                                .order_by(DrawPick.id.desc())))


def my_messages(session: Session, actor: Actor, limit: int = 50) -> list[OutboxMessage]:
    """The notifications queued for the signed-in expert's picks, newest first: what the development adapter "sent"
    (it writes them to a log), shown on the expert's page."""
    if not actor.has(Role.EXPERT) or actor.user_id is None:
        raise NotPermitted(N_("您没有执行此操作的权限。"))
    picks = (select(DrawPick.id).join(Expert, Expert.id == DrawPick.expert_id)
             .where(Expert.user_id == actor.user_id))
    return list(session.scalars(select(OutboxMessage)
                                .where(OutboxMessage.ref_type == "expert_draw_pick", OutboxMessage.ref_id.in_(picks))
                                .order_by(OutboxMessage.id.desc()).limit(limit)))


def supervised_draws(session: Session, actor: Actor, page: int = 1, per_page: int = 50) -> tuple[list[ExpertDraw], int]:
    """Every draw, newest first, for supervisors (who see everything): one page and the total."""
    if not actor.has(Role.SUPERVISOR):
        raise NotPermitted(N_("您没有查看该专家抽取的权限。"))
    total = session.scalar(select(func.count()).select_from(ExpertDraw)) or 0
    items = session.scalars(select(ExpertDraw).order_by(ExpertDraw.id.desc())
                            .offset((max(1, page) - 1) * per_page).limit(per_page)).all()
    return list(items), total


# --- the end of the evaluation: revealing the seed --------------------------------------------------------------------


def _is_draw_agent(actor: Actor, draw: ExpertDraw) -> bool:
    return actor.has(Role.AGENT) and actor.org_id == draw.agent_org_id


def reveal_seed(session: Session, clock: Clock, actor: Actor, draw_id: int) -> ExpertDraw:
    """Publish the seed once the evaluation is over, so the draw can be re-run by anyone with supervisor rights.

    The evaluation calls it when the committee signs its report; until then the draw's agent or a supervisor may
    call it once the draw is complete and the evaluation has begun. It also marks the evaluation ended, from when
    the agent and the tenderee see the names. Idempotent.
    """
    draw = get_draw(session, draw_id)
    if not (actor == Actor.system() or actor.has(Role.SUPERVISOR) or _is_draw_agent(actor, draw)):
        raise NotPermitted(N_("您没有执行此操作的权限。"))
    if draw.seed_revealed_at is not None:
        return draw
    if draw.status != "complete":
        raise Conflict(N_("专家抽取尚未全部确认，不能公开随机种子。"))
    now = clock.now()
    if now < draw.evaluation_at:
        raise RuleViolation(N_("评标开始前不能公开随机种子：种子可推出全部抽取结果。"))
    done = session.execute(update(ExpertDraw).where(ExpertDraw.id == draw.id, ExpertDraw.seed_revealed_at.is_(None))
                           .values(seed_revealed_at=now, evaluation_ended_at=draw.evaluation_ended_at or now)
                           .execution_options(synchronize_session=False)).rowcount
    session.refresh(draw)
    if done:
        ledger.append(session, clock, actor, "expert_draw.reveal", "expert_draw", draw.id, tender_id=draw.tender_id,
                      after={"seed": draw.seed_hex, "seed_commitment": draw.seed_commitment,
                             "snapshot_sha256": draw.snapshot_sha256})
    return draw


# --- verification -----------------------------------------------------------------------------------------------------


@dataclass
class DrawVerification:
    draw_id: int
    problems: list[Msg] = field(default_factory=list)
    seed_revealed: bool = False
    picks_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _problem(result: DrawVerification, text: str, **params: object) -> None:
    result.problems.append(Msg(text, params))


def _published(session: Session, draw: ExpertDraw) -> dict[str, Any] | None:
    entry = session.scalars(select(ledger.LedgerEntry)
                            .where(ledger.LedgerEntry.action == "expert_draw.request",
                                   ledger.LedgerEntry.subject_type == "expert_draw",
                                   ledger.LedgerEntry.subject_id == draw.id)).first()
    return entry.data["after"] if entry is not None else None


def verify_draw(session: Session, draw_id: int) -> DrawVerification:
    """Re-run the draw from what is stored and say what differs: the snapshot against its hash, hash and
    commitment against what the ledger published at the time, the seed against the commitment, the groups
    against the snapshot, and every pick against the re-computed ones."""
    draw = get_draw(session, draw_id)
    result = DrawVerification(draw_id=draw.id, seed_revealed=draw.seed_revealed_at is not None)
    actual = sha256_hex(draw.snapshot)
    if actual != draw.snapshot_sha256:
        _problem(result, N_("快照已被改动：其 SHA-256 为 %(actual)s，记录的快照哈希为 %(recorded)s。"),
                 actual=actual, recorded=draw.snapshot_sha256)
    published = _published(session, draw)
    if published is None:
        _problem(result, N_("记录链中找不到本次抽取的公示（快照哈希和种子承诺）。"))
    else:
        if published.get("snapshot_sha256") != draw.snapshot_sha256:
            _problem(result, N_("快照哈希与抽取时记录链公示的 %(published)s 不一致。"),
                     published=published.get("snapshot_sha256"))
        if published.get("seed_commitment") != draw.seed_commitment:
            _problem(result, N_("种子承诺与抽取时记录链公示的 %(published)s 不一致。"),
                     published=published.get("seed_commitment"))
    try:
        seed = bytes.fromhex(draw.seed_hex)
    except ValueError:
        seed = b""
    if len(seed) != SEED_BYTES or sha256_hex(seed) != draw.seed_commitment:
        _problem(result, N_("随机种子与种子承诺不符。"))
    try:
        snapshot = json.loads(draw.snapshot)
        groups = snapshot["groups"]
    except (ValueError, KeyError, TypeError):
        _problem(result, N_("快照无法读取。"))
        return result
    if canonical_json(snapshot) != draw.snapshot:
        _problem(result, N_("快照不是规范格式的 JSON。"))
    _compare_groups(result, draw, groups)
    try:
        plan = compute_picks(snapshot, seed)
    except (KeyError, TypeError, ValueError):
        _problem(result, N_("快照无法读取。"))
        return result
    _compare_picks(result, draw, plan)
    return result


def _compare_groups(result: DrawVerification, draw: ExpertDraw, groups: list[dict[str, Any]]) -> None:
    by_number = {g.get("number"): g for g in groups if isinstance(g, dict)}
    for group in draw.groups:
        frozen = by_number.get(group.number)
        if frozen is None:
            _problem(result, N_("第 %(number)s 组不在快照中。"), number=group.number)
            continue
        for key in ("specialty_code", "region", "venue", "count", "backups"):
            if frozen.get(key) != getattr(group, key):
                _problem(result, N_("第 %(number)s 组的 %(field)s 在快照中为 %(frozen)s，记录为 %(recorded)s。"),
                         number=group.number, field=key, frozen=frozen.get(key), recorded=getattr(group, key))
        eligible = frozen.get("eligible") or []
        if len(eligible) != group.pool_size:
            _problem(result, N_("第 %(number)s 组快照中的候选人数为 %(frozen)s，记录为 %(recorded)s。"),
                     number=group.number, frozen=len(eligible), recorded=group.pool_size)
    if len(by_number) != len(draw.groups):
        _problem(result, N_("快照中有 %(frozen)s 组，记录中有 %(recorded)s 组。"), frozen=len(by_number),
                 recorded=len(draw.groups))


def _compare_picks(result: DrawVerification, draw: ExpertDraw, plan: Plan) -> None:
    stored = {(p.group.number, p.rank): (p.expert_id, p.role) for p in draw.picks}
    computed = {(p.group, p.rank): (p.expert_id, p.role) for p in plan.picks}
    for key in sorted(set(stored) | set(computed)):
        number, rank = key
        was, now = stored.get(key), computed.get(key)
        if was == now:
            result.picks_checked += 1
            continue
        _problem(result, N_("第 %(number)s 组第 %(rank)s 位：记录为 %(stored)s，重新计算为 %(computed)s。"),
                 number=number, rank=rank, stored=_pick_text(was), computed=_pick_text(now))
    for number in sorted(plan.short):
        _problem(result, N_("第 %(number)s 组按快照重新计算时人数不足。"), number=number)


def _pick_text(value: tuple[int, str] | None) -> str:
    if value is None:
        return "—"
    expert_id, role = value
    return f"#{expert_id} ({role})"


# --- who sees what ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PickView:
    pick_id: int
    group: int
    rank: int
    role: str
    status: str
    expert_id: int
    name: str
    employer: str
    region: str
    title: str
    notified_at: datetime | None
    answer_due_at: datetime | None
    answered_at: datetime | None
    note: str


@dataclass(frozen=True)
class GroupView:
    number: int
    specialty_code: str
    specialty_name: str
    region: str
    venue: str
    count: int
    backups: int
    pool_size: int
    confirmed: int
    waiting: int
    declined: int
    backups_left: int
    short: bool
    picks: list[PickView] | None  # None when the viewer may not see names


@dataclass(frozen=True)
class DrawView:
    draw_id: int
    status: str
    names_visible: bool
    snapshot_sha256: str
    seed_commitment: str
    seed: str | None  # only once revealed
    evaluation_at: datetime
    place: str
    representatives: int
    groups: list[GroupView]


def names_visible(actor: Actor, draw: ExpertDraw) -> bool:
    """Supervisors at once; the draw's agent and tenderee after the evaluation (法第37条); nobody else here."""
    if actor.has(Role.SUPERVISOR):
        return True
    party = _is_draw_agent(actor, draw) or (actor.has(Role.TENDEREE) and actor.org_id == draw.tenderee_org_id)
    return party and draw.evaluation_ended_at is not None


def _pick_view(pick: DrawPick) -> PickView:
    e = pick.expert
    return PickView(pick_id=pick.id, group=pick.group.number, rank=pick.rank, role=pick.role, status=pick.status,
                    expert_id=e.id, name=e.name, employer=e.employer_name, region=e.region, title=e.title,
                    notified_at=pick.notified_at, answer_due_at=pick.answer_due_at, answered_at=pick.answered_at,
                    note=pick.note)


def visible_picks(actor: Actor, draw: ExpertDraw) -> DrawView:
    """The draw as ``actor`` may see it: counts for the tender's agent and tenderee, names for supervisors (and for
    the agent and tenderee once the evaluation has ended). Anyone else is refused (bidders, experts, other agents)."""
    party = _is_draw_agent(actor, draw) or (actor.has(Role.TENDEREE) and actor.org_id == draw.tenderee_org_id)
    if not (party or actor.has(Role.SUPERVISOR)):
        raise NotPermitted(N_("您没有查看该专家抽取的权限。"))
    show = names_visible(actor, draw)
    groups = []
    for g in draw.groups:
        spec = specialties.get(g.specialty_code)
        statuses = [p.status for p in g.picks]
        reserve = statuses.count("reserve")
        serving = sum(1 for s in statuses if s in SERVING)
        groups.append(GroupView(
            number=g.number, specialty_code=g.specialty_code, specialty_name=spec.name if spec else "", region=g.region,
            venue=g.venue, count=g.count, backups=g.backups, pool_size=g.pool_size,
            confirmed=statuses.count("confirmed"), waiting=statuses.count("notified"),
            declined=sum(1 for s in statuses if s in ("declined", "expired", "recused")), backups_left=reserve,
            short=serving < g.count and reserve == 0,
            picks=[_pick_view(p) for p in g.picks] if show else None))
    return DrawView(draw_id=draw.id, status=draw.status, names_visible=show, snapshot_sha256=draw.snapshot_sha256,
                    seed_commitment=draw.seed_commitment,
                    seed=draw.seed_hex if draw.seed_revealed_at is not None else None,
                    evaluation_at=draw.evaluation_at, place=draw.place, representatives=draw.representatives,
                    groups=groups)


def draws_for_section(session: Session, section_id: int) -> list[ExpertDraw]:
    return list(session.scalars(select(ExpertDraw).where(ExpertDraw.section_id == section_id)
                                .order_by(ExpertDraw.id)))


def committee(draw: ExpertDraw) -> list[DrawPick]:
    """The confirmed members, by group and rank: what the evaluation seats (for the evaluation layer)."""
    return sorted((p for p in draw.picks if p.status == "confirmed"), key=lambda p: (p.group.number, p.rank))


def status_label(status: str) -> Msg:
    return phrase(STATUS_LABELS.get(status, status))


def pick_status_label(status: str) -> Msg:
    return phrase(PICK_STATUS_LABELS.get(status, status))
