"""Objections (异议) to the evaluation result during a publicity (条例第54条).

Only a bidder of the section (one whose bid was decrypted at the opening) may object, and only while the
publicity runs by the server's clock. The tenderee (or its agent) answers once, within 3 days; until then the
award waits: no decision after the candidates' publicity, no notices after the result's. The answer may be the
last thing the award was waiting for, so it moves the award on (:func:`bidding.publicity.advance`).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import award_rules, award_state, publicity
from bidding.access import manages, require_role
from bidding.award_models import AwardObjection
from bidding.models import Bid
from core.actor import Actor, Role
from core.clock import Clock
from core.errors import N_, Conflict, DeadlinePassed, InvalidInput, NotFound, NotPermitted
from signing import ledger

MAX_TEXT = 5000


def text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if len(value) < 2 or len(value) > MAX_TEXT:
        raise InvalidInput(N_("请填写 2 到 %(max)s 字的内容。"), field=field, max=MAX_TEXT)
    return value


def section_bidder(session: Session, actor: Actor, section_id: int) -> bool:
    """Whether the actor's organisation had its bid for the section decrypted at the opening."""
    if not actor.has(Role.BIDDER) or actor.org_id is None:
        return False
    return session.scalars(select(Bid.id).where(Bid.section_id == section_id, Bid.bidder_org_id == actor.org_id,
                                                Bid.status == "decrypted")).first() is not None


def raise_objection(session: Session, clock: Clock, actor: Actor, publicity_id: int, body: str) -> AwardObjection:
    """A bidder of the section objects to the published result while the publicity runs (条例第54条)."""
    shown = publicity.get_publicity(session, publicity_id)
    award = shown.award
    if not section_bidder(session, actor, award.section_id):
        raise NotPermitted(N_("只有本标段的投标人可以对评标结果提出异议。"))
    now = clock.now()
    if shown.status != "running" or not shown.starts_at <= now < shown.ends_at:
        raise DeadlinePassed(N_("对评标结果的异议应当在公示期间提出（%(rule)s）。"), rule=N_("条例第54条"))
    if award.status not in ("candidates_publicity", "result_publicity"):
        raise Conflict(N_("该定标已不在公示阶段。"))
    row = AwardObjection(publicity_id=shown.id, award_id=award.id, bidder_org_id=actor.org_id,
                         body=text(body, "body"), raised_by=actor.user_id, raised_at=now,
                         answer_due=now + timedelta(days=award_rules.OBJECTION_ANSWER_DAYS))
    session.add(row)
    session.flush()
    ledger.append(session, clock, actor, "award_objection.raise", "award_objection", row.id,
                  tender_id=award.tender_id, after={"award_id": award.id, "publicity_id": shown.id,
                                                    "answer_due": row.answer_due})
    return row


def get_objection(session: Session, objection_id: int) -> AwardObjection:
    row = session.get(AwardObjection, objection_id)
    if row is None:
        raise NotFound(N_("异议不存在。"))
    return row


def answer_objection(session: Session, clock: Clock, actor: Actor, objection_id: int,
                     answer: str) -> AwardObjection:
    """The tenderee or its agent answers, once; the award moves on if this was all it waited for."""
    row = get_objection(session, objection_id)
    award = award_state.get_award(session, row.award_id)
    if not manages(actor, award.tender):
        raise NotPermitted(N_("只有本项目的招标代理或招标人可以答复异议。"))
    if row.answer is not None:
        raise Conflict(N_("该异议已答复。"))
    row.answer = text(answer, "answer")
    row.answered_by, row.answered_at = actor.user_id, clock.now()
    session.flush()
    ledger.append(session, clock, actor, "award_objection.answer", "award_objection", row.id,
                  tender_id=award.tender_id, after={"award_id": award.id, "late": row.answered_at > row.answer_due})
    publicity.advance(session, clock, award)
    return row


def objections_of(session: Session, actor: Actor, award_id: int) -> list[AwardObjection]:
    """Managers and supervisors read every objection; a bidder its own; nobody else any."""
    award = award_state.get_award(session, award_id)
    query = select(AwardObjection).where(AwardObjection.award_id == award.id).order_by(AwardObjection.raised_at)
    if manages(actor, award.tender) or actor.has(Role.SUPERVISOR):
        return list(session.scalars(query))
    if actor.has(Role.BIDDER) and actor.org_id is not None:
        return list(session.scalars(query.where(AwardObjection.bidder_org_id == actor.org_id)))
    return []


def my_objections(session: Session, actor: Actor, tender_id: int) -> list[AwardObjection]:
    """The objections the actor's organisation raised on the tender's live awards, oldest first (its own only)."""
    if not actor.has(Role.BIDDER) or actor.org_id is None:
        return []
    award_ids = [a.id for a in award_state.awards_of_tender(session, tender_id)]
    if not award_ids:
        return []
    return list(session.scalars(select(AwardObjection).where(AwardObjection.award_id.in_(award_ids),
                                                             AwardObjection.bidder_org_id == actor.org_id)
                                .order_by(AwardObjection.raised_at)))


def overdue_objections(session: Session, clock: Clock, actor: Actor) -> list[AwardObjection]:
    """For the supervisor: objections not answered within 3 days (条例第54条)."""
    require_role(actor, Role.SUPERVISOR)
    return list(session.scalars(select(AwardObjection).where(AwardObjection.answer.is_(None),
                                                             AwardObjection.answer_due < clock.now())
                                .order_by(AwardObjection.answer_due)))
