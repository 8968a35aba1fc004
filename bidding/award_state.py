"""The one transition function of the award aggregate, and the tender's status as its sections' awards advance.

Like :mod:`bidding.lifecycle` for the tender: a conditional ``UPDATE … WHERE status = :expected`` so that the
scheduler (publicity ends), a page and the API can race and exactly one wins and writes the ledger entry.

The tender's own status follows its least advanced proceeding section (DESIGN.md section 2): ``awarding`` from
the first accepted report, ``publicity`` once every section's candidates are public, ``awarded`` once every section's
notices are out, ``contracted`` once every section has its contract. A suspended tender (a supervisor, a complaint)
refuses every award action until it is resumed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bidding.award_models import Award
from bidding.lifecycle import transition
from bidding.models import Tender
from core.actor import Actor
from core.clock import Clock
from core.errors import N_, Conflict, NotFound, phrase
from signing import ledger

STATUS_LABELS = {
    "review": N_("评标报告审查"),
    "returned": N_("评标报告退回复核"),
    "accepted": N_("待公示中标候选人"),
    "candidates_publicity": N_("中标候选人公示中"),
    "deciding": N_("定标中"),
    "decided": N_("已定标"),
    "result_publicity": N_("中标结果公示中"),
    "notified": N_("已发中标通知书"),
    "contracted": N_("已签订合同"),
    "void": N_("已作废"),
}
# how far each award status is along the way, for the tender's status
PROGRESS = {status: index for index, status in enumerate(
    ("review", "returned", "accepted", "candidates_publicity", "deciding", "decided", "result_publicity",
     "notified", "contracted"))}
TENDER_STAGES = (("awarding", "review"), ("publicity", "candidates_publicity"), ("awarded", "notified"),
                 ("contracted", "contracted"))
AWARD_TENDER_STATUSES = ("evaluated", "awarding", "publicity", "awarded")


def status_label(status: str) -> Any:
    return STATUS_LABELS.get(status, status)


def move(session: Session, clock: Clock, actor: Actor, award: Award, expected: str, to: str, action: str,
         values: dict[str, Any] | None = None, note: dict[str, Any] | None = None) -> bool:
    """Move ``award`` from ``expected`` to ``to``; False when another caller already did."""
    values = dict(values or {})
    result = session.execute(
        update(Award).where(Award.id == award.id, Award.status == expected).values(status=to, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.refresh(award)
        if award.status == to:
            return False
        raise Conflict(N_("定标当前状态为“%(status)s”，不能执行此操作。"), status=phrase(status_label(award.status)))
    ledger.append(session, clock, actor, action, "award", award.id, tender_id=award.tender_id,
                  before={"status": expected}, after={"status": to, **values, **(note or {})})
    session.refresh(award)
    return True


def require_not_suspended(tender: Tender) -> None:
    """Nothing of the award moves while the tender is suspended (条例第62条, 条例第22、54条)."""
    if tender.status == "suspended":
        raise Conflict(N_("招标项目已暂停，暂停期间不能执行此操作。"))


def get_award(session: Session, award_id: int) -> Award:
    award = session.get(Award, award_id)
    if award is None:
        raise NotFound(N_("定标不存在。"))
    return award


def current_award(session: Session, section_id: int) -> Award | None:
    """The section's live award: the latest attempt that is not void."""
    return session.scalars(select(Award).where(Award.section_id == section_id, Award.status != "void")
                           .order_by(Award.attempt.desc())).first()


def awards_of_tender(session: Session, tender_id: int) -> list[Award]:
    """The live award of every section that has one, by section number."""
    awards = session.scalars(select(Award).where(Award.tender_id == tender_id, Award.status != "void")
                             .order_by(Award.section_id, Award.attempt.desc())).all()
    latest: dict[int, Award] = {}
    for award in awards:
        latest.setdefault(award.section_id, award)
    return sorted(latest.values(), key=lambda a: a.section.number)


def sync_tender(session: Session, clock: Clock, tender: Tender) -> None:
    """Advance the tender's status to what its least advanced proceeding section has reached."""
    if tender.status not in AWARD_TENDER_STATUSES:
        return
    proceeding = [s.id for s in tender.sections if s.status == "proceeding"]
    live = {a.section_id: a for a in awards_of_tender(session, tender.id)}
    least = min((PROGRESS[live[s].status] if s in live else -1) for s in proceeding) if proceeding else -1
    system = Actor.system()
    order = ("evaluated", *(stage for stage, _ in TENDER_STAGES))
    for stage, needs in TENDER_STAGES:
        if least >= PROGRESS[needs] and order.index(tender.status) < order.index(stage):
            transition(session, clock, system, tender, tender.status, stage, f"tender.{stage}")
