"""The tenderee's award-member pool (定标委员库) and the award committee drawn from it (评定分离, domain-rules 6).

The draw works like the expert draw (expert_pool.draw): the eligible pool is frozen as canonical JSON with its
SHA-256, a seed is generated and its SHA-256 committed on the ledger before any pick is computed, and the order is
HMAC-SHA256(seed, "award:{pool_member_id}"), so :func:`verify_award_draw` re-runs it and names every difference.
Eligible: the active pool members minus everyone on this section's evaluation committee (recused members too: they
saw the bidder list). The pool must hold at least the rule set's ``pool_factor`` times the committee.

The principal (法定代表人 or 主要负责人, flagged in the pool) may sit directly as chair at position 0; then the
committee's other seats are drawn. Without a principal the first member drawn is the chair. Two backups follow.
Members' names are visible to the supervisor and the members until the award is decided (domain-rules section 9).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import award_rules, award_state
from bidding.award import _candidate, _open, _require_tenderee, member_of, require_committee_reader
from bidding.award_models import Award, AwardMember, AwardPoolMember
from bidding.evaluation_models import EvaluationMember
from core.actor import Actor, Role
from core.clock import Clock
from core.errors import N_, Conflict, InvalidInput, Msg, NotFound, NotPermitted, RuleViolation, phrase
from core.identity import User, UserRole
from expert_pool.draw import SEED_BYTES, canonical_json, sha256_hex
from signing import ledger

SNAPSHOT_FORMAT = "sealbid-award-draw/1"
BACKUPS = 2


# --- the pool ---------------------------------------------------------------------------------------------------------


def _tenderee_org(actor: Actor) -> int:
    if not actor.has(Role.TENDEREE) or actor.org_id is None:
        raise NotPermitted(N_("只有招标人可以管理定标委员库。"))
    return actor.org_id


def add_pool_member(session: Session, clock: Clock, actor: Actor, user_id: int, category: str, *,
                    position: str = "", principal: bool = False) -> AwardPoolMember:
    """The tenderee adds one of its own active tenderee users (they sign the award record with their own PIN)."""
    org_id = _tenderee_org(actor)
    if category not in award_rules.POOL_CATEGORIES:
        raise InvalidInput(N_("定标委员的类别无效。"), field="category")
    user = session.get(User, user_id)
    if user is None or not user.active or user.organisation_id != org_id or Role.TENDEREE not in user.roles:
        raise InvalidInput(N_("定标委员须为本单位在册的招标人用户。"), field="user_id")
    row = session.scalars(select(AwardPoolMember).where(AwardPoolMember.tenderee_org_id == org_id,
                                                        AwardPoolMember.user_id == user_id)).first()
    if row is not None and row.status == "active":
        raise Conflict(N_("该用户已在定标委员库中。"))
    if row is None:
        row = AwardPoolMember(tenderee_org_id=org_id, user_id=user_id, name=user.display_name,
                              added_by=actor.user_id, added_at=clock.now())
        session.add(row)
    row.category, row.position, row.principal, row.status = category, position.strip()[:100], bool(principal), "active"
    row.added_by, row.added_at = actor.user_id, clock.now()
    session.flush()
    ledger.append(session, clock, actor, "award_pool.add", "award_pool_member", row.id,
                  after={"user_id": user_id, "category": category, "principal": bool(principal)})
    return row


def remove_pool_member(session: Session, clock: Clock, actor: Actor, pool_member_id: int) -> AwardPoolMember:
    """Out of the pool for future draws; committees already drawn keep their seats."""
    org_id = _tenderee_org(actor)
    row = session.get(AwardPoolMember, pool_member_id)
    if row is None or row.tenderee_org_id != org_id:
        raise NotFound(N_("定标委员不存在。"))
    if row.status != "active":
        raise Conflict(N_("该定标委员已移出定标委员库。"))
    row.status = "removed"
    session.flush()
    ledger.append(session, clock, actor, "award_pool.remove", "award_pool_member", row.id,
                  before={"status": "active"}, after={"status": "removed"})
    return row


def pool(session: Session, actor: Actor) -> list[AwardPoolMember]:
    """The actor's tenderee organisation's active pool, by category and name."""
    org_id = _tenderee_org(actor)
    return list(session.scalars(select(AwardPoolMember).where(AwardPoolMember.tenderee_org_id == org_id,
                                                              AwardPoolMember.status == "active")
                                .order_by(AwardPoolMember.category, AwardPoolMember.id)))


def pool_candidates(session: Session, actor: Actor) -> list[User]:
    """The tenderee organisation's active tenderee users not yet in its pool, by id: whom it may add."""
    org_id = _tenderee_org(actor)
    taken = {m.user_id for m in pool(session, actor)}
    users = session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                            .where(User.organisation_id == org_id, User.active.is_(True),
                                   UserRole.role == Role.TENDEREE.value).order_by(User.id)).all()
    return [u for u in users if u.id not in taken]


# --- the draw ---------------------------------------------------------------------------------------------------------


def order_key(seed: bytes, pool_member_id: int) -> bytes:
    """Where a pool member falls in the random order: HMAC-SHA256(seed, "award:{id}")."""
    return hmac.new(seed, f"award:{pool_member_id}".encode("ascii"), hashlib.sha256).digest()


@dataclass(frozen=True)
class PlannedSeat:
    pool_member_id: int
    position: int
    role: str  # seated | backup
    chair: bool


def compute_seats(snapshot: dict[str, Any], seed: bytes) -> list[PlannedSeat]:
    """The committee from the frozen pool and the seed: the principal (if any) as chair, then the drawn order."""
    size, backups, principal = int(snapshot["committee_size"]), int(snapshot["backups"]), snapshot.get("principal")
    ids = [int(p["id"]) for p in snapshot["eligible"] if p["id"] != principal]
    ordered = sorted(ids, key=lambda i: order_key(seed, i))
    seats = []
    if principal is not None:
        seats.append(PlannedSeat(int(principal), 0, "seated", True))
    for pid in ordered[:size + backups - len(seats)]:
        position = len(seats)
        seats.append(PlannedSeat(pid, position, "seated" if position < size else "backup", position == 0))
    return seats


def _eligible(session: Session, award: Award) -> tuple[list[AwardPoolMember], list[int]]:
    excluded = sorted(set(session.scalars(select(EvaluationMember.user_id)
                                          .where(EvaluationMember.evaluation_id == award.evaluation_id))))
    rows = session.scalars(select(AwardPoolMember).where(AwardPoolMember.tenderee_org_id == award.tender.tenderee_org_id,
                                                         AwardPoolMember.status == "active")
                           .order_by(AwardPoolMember.id)).all()
    return [r for r in rows if r.user_id not in excluded], excluded


def draw_committee(session: Session, clock: Clock, actor: Actor, award_id: int, *,
                   chair_principal_id: int | None = None) -> Award:
    """The tenderee draws the award committee once the award is ``deciding`` (the candidates' publicity is over)."""
    award = _open(session, award_id, "deciding")
    _require_tenderee(actor, award.tender)
    if award.mode != "separated":
        raise Conflict(N_("本项目按排序推荐由招标人定标，不组建定标委员会。"))
    if award.drawn_at is not None:
        raise Conflict(N_("定标委员会已经抽取。"))
    size = award.tender.award_committee_size
    rules = award_rules.rule_set(award.rule_set)
    eligible, excluded = _eligible(session, award)
    if chair_principal_id is not None:
        principal = next((p for p in eligible if p.id == chair_principal_id), None)
        if principal is None or not principal.principal:
            raise InvalidInput(N_("直接担任组长的须为定标委员库中的法定代表人或主要负责人，且未参加本项目评标。"),
                               field="chair_principal_id")
    needed = rules.pool_factor * size
    if len(eligible) < needed:
        raise RuleViolation(N_("定标委员库可抽取人数为 %(have)s 人，少于定标委员会人数的 %(factor)s 倍（%(needed)s 人，"
                               "%(rules)s）。"), field="pool", have=len(eligible), factor=rules.pool_factor,
                            needed=needed, rules=phrase(rules.label))
    snapshot = {"format": SNAPSHOT_FORMAT, "award_id": award.id, "tender_id": award.tender_id,
                "section_id": award.section_id, "committee_size": size, "backups": BACKUPS,
                "principal": chair_principal_id, "excluded_user_ids": excluded,
                "eligible": [{"id": p.id, "user_id": p.user_id, "name": p.name, "category": p.category,
                              "principal": p.principal} for p in eligible]}
    text = canonical_json(snapshot)
    seed = secrets.token_bytes(SEED_BYTES)
    award.pool_snapshot, award.pool_sha256 = text, sha256_hex(text)
    award.seed_hex, award.seed_commitment = seed.hex(), sha256_hex(seed)
    session.flush()
    # the commitment is on the ledger before any pick exists
    ledger.append(session, clock, actor, "award.draw_commit", "award", award.id, tender_id=award.tender_id,
                  after={"pool_sha256": award.pool_sha256, "seed_commitment": award.seed_commitment,
                         "pool_size": len(eligible), "committee_size": size, "principal": chair_principal_id})
    by_id = {p.id: p for p in eligible}
    seats = compute_seats(snapshot, seed)
    for s in seats:
        p = by_id[s.pool_member_id]
        award.members.append(AwardMember(pool_member_id=p.id, user_id=p.user_id, name=p.name, position=s.position,
                                         status=s.role, chair=s.chair))
    award.drawn_at = clock.now()
    session.flush()
    ledger.append(session, clock, actor, "award.draw", "award", award.id, tender_id=award.tender_id,
                  after={"seats": [{"pool_member_id": s.pool_member_id, "position": s.position, "role": s.role,
                                    "chair": s.chair} for s in seats],
                         "chair": "principal" if chair_principal_id is not None else "first_drawn"})
    return award


@dataclass
class AwardDrawVerification:
    award_id: int
    problems: list[Msg] = field(default_factory=list)
    seats_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _problem(result: AwardDrawVerification, text: str, **params: object) -> None:
    result.problems.append(Msg(text, params))


def verify_award_draw(session: Session, award_id: int) -> AwardDrawVerification:
    """Re-run the committee draw from what is stored and say what differs: the snapshot against its hash, the hash
    and commitment against the ledger, the seed against the commitment, every seat against the re-computed ones."""
    award = award_state.get_award(session, award_id)
    result = AwardDrawVerification(award.id)
    if award.drawn_at is None or award.pool_snapshot is None:
        _problem(result, N_("定标委员会尚未抽取。"))
        return result
    actual = sha256_hex(award.pool_snapshot)
    if actual != award.pool_sha256:
        _problem(result, N_("快照已被改动：其 SHA-256 为 %(actual)s，记录的快照哈希为 %(recorded)s。"),
                 actual=actual, recorded=award.pool_sha256)
    entry = session.scalars(select(ledger.LedgerEntry).where(ledger.LedgerEntry.action == "award.draw_commit",
                                                             ledger.LedgerEntry.subject_type == "award",
                                                             ledger.LedgerEntry.subject_id == award.id)).first()
    if entry is None:
        _problem(result, N_("记录链中找不到本次抽取的公示（快照哈希和种子承诺）。"))
    else:
        published = entry.data["after"]
        if published.get("pool_sha256") != award.pool_sha256:
            _problem(result, N_("快照哈希与抽取时记录链公示的 %(published)s 不一致。"),
                     published=published.get("pool_sha256"))
        if published.get("seed_commitment") != award.seed_commitment:
            _problem(result, N_("种子承诺与抽取时记录链公示的 %(published)s 不一致。"),
                     published=published.get("seed_commitment"))
    try:
        seed = bytes.fromhex(award.seed_hex or "")
    except ValueError:
        seed = b""
    if len(seed) != SEED_BYTES or sha256_hex(seed) != award.seed_commitment:
        _problem(result, N_("随机种子与种子承诺不符。"))
    try:
        snapshot = json.loads(award.pool_snapshot)
        seats = compute_seats(snapshot, seed)
    except (ValueError, KeyError, TypeError):
        _problem(result, N_("快照无法读取。"))
        return result
    stored = {m.position: m.pool_member_id for m in award.members}
    computed = {s.position: s.pool_member_id for s in seats}
    for position in sorted(set(stored) | set(computed)):
        if stored.get(position) == computed.get(position):
            result.seats_checked += 1
            continue
        _problem(result, N_("第 %(position)s 位：记录为 %(stored)s，重新计算为 %(computed)s。"), position=position + 1,
                 stored=stored.get(position, "—"), computed=computed.get(position, "—"))
    return result


# --- the members ------------------------------------------------------------------------------------------------------


def declare(session: Session, clock: Clock, actor: Actor, award_id: int, conflict_bidder_id: int | None = None,
            note: str = "") -> AwardMember:
    """A seated member declares: no conflict, or a conflict with a candidate (facts required) → recused, and the
    next backup takes the seat (and declares in turn). A recused chair passes the chair to the first seated member
    in draw order."""
    award = _open(session, award_id, "deciding")
    member = member_of(award, actor)
    if member is None or member.status != "seated":
        raise NotPermitted(N_("只有本次定标委员会的成员可以执行此操作。"))
    if member.declared_at is not None:
        raise Conflict(N_("您已作出回避声明。"))
    if award.winner_bidder_id is not None:
        raise Conflict(N_("中标人已经确定。"))
    if conflict_bidder_id is None:
        member.declared_at = clock.now()
        session.flush()
        ledger.append(session, clock, actor, "award.declare", "award", award.id, tender_id=award.tender_id,
                      after={"member_id": member.id, "conflict": False})
        return member
    candidate = _candidate(award, conflict_bidder_id)
    facts = (note or "").strip()
    if not facts:
        raise InvalidInput(N_("请写明与该候选人的利害关系。"), field="note")
    member.declared_at = clock.now()
    member.status, member.conflict_note = "recused", f"{candidate['name']}：{facts}"[:500]
    was_chair, member.chair = member.chair, False
    backup = next((m for m in award.members if m.status == "backup"), None)
    if backup is not None:
        backup.status = "seated"
    if was_chair:
        first = next((m for m in sorted(award.members, key=lambda m: m.position) if m.status == "seated"), None)
        if first is not None:
            first.chair = True
    session.flush()
    ledger.append(session, clock, actor, "award.declare", "award", award.id, tender_id=award.tender_id,
                  after={"member_id": member.id, "conflict": True, "bidder_id": candidate["bidder_id"],
                         "note": facts, "backup_member_id": backup.id if backup else None})
    return member


@dataclass(frozen=True)
class SeatView:
    position: int
    name: str | None  # None while the names are confidential to the viewer
    status: str
    chair: bool
    declared: bool
    signed: bool


def names_visible(actor: Actor, award: Award) -> bool:
    """Supervisors and the members see the names; everyone else once the award is decided."""
    return actor.has(Role.SUPERVISOR) or member_of(award, actor) is not None or award.status not in (
        "review", "returned", "accepted", "candidates_publicity", "deciding")


def committee(session: Session, actor: Actor, award_id: int) -> list[SeatView]:
    """The committee's seats as the actor may see them (the tender's managers: no names until decided)."""
    award = award_state.get_award(session, award_id)
    require_committee_reader(actor, award)
    show = names_visible(actor, award)
    return [SeatView(m.position, m.name if show else None, m.status, m.chair, m.declared_at is not None,
                     m.signed_at is not None) for m in award.members]
