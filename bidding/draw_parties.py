"""The section as the expert draw must see it (DESIGN.md section 1: the draw is *given* the organisations it
avoids as plain values, it never reads ``bidding``).

:func:`section_parties` is the one place that says who the parties of a section are: the tenderee, the agent
(both with their unified social credit codes) and every organisation with a bid in the section that was not
withdrawn before the deadline. A bid that failed at the opening still counts: its bidder took part, and for
recusal a false exclusion costs a smaller pool while a missed one costs the committee (条例第70条). The draw
page and the evaluation (a backup drawn after a recusal) both call it.

:func:`request_section_draw` adds what only the procurement domain knows: whether the section may still be
evaluated (not 流标, tender neither cancelled nor finished), before handing over to ``expert_pool.draw``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.access import require_manager
from bidding.bids import section_by_number
from bidding.lifecycle import STATUS_LABELS
from bidding.models import Bid, Section, Tender
from bidding.tenders import get_tender
from core.actor import Actor
from core.clock import Clock
from core.errors import N_, Conflict, NotFound, RuleViolation, phrase
from core.identity import Organisation
from expert_pool import draw
from expert_pool.models import ExpertDraw
from expert_pool.recusal import OrgRef

# Bids whose bidder is no party of the section: withdrawn before the deadline (法第29条), the envelope kept only
# as history.
NOT_A_PARTY = ("withdrawn",)
# Tender statuses in which a committee may be drawn for a section (a published tender past its deadline is
# closed by the scheduler's next tick; the draw itself refuses anything before the deadline).
DRAWABLE = ("published", "closed", "opening", "opened", "evaluating")


def org_ref(org: Organisation) -> OrgRef:
    return OrgRef(name=org.name, credit_code=org.credit_code or "", org_id=org.id)


def section_label(section: Section) -> str:
    """How the draw record names the section (the record is in Chinese, like every signed record)."""
    return f"第 {section.number} 标段 {section.name}"


def bidder_orgs(session: Session, section: Section) -> list[Organisation]:
    """The organisations with a bid in the section that was not withdrawn, by id."""
    ids = select(Bid.bidder_org_id).where(Bid.section_id == section.id, Bid.status.not_in(NOT_A_PARTY)).distinct()
    return list(session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.id)))


def section_parties(session: Session, tender: Tender, section: Section) -> draw.SectionParties:
    """The tenderee, the agent and the section's bidders as plain values, with what the draw record prints."""
    if section.tender_id != tender.id:
        raise ValueError("the section belongs to another tender")
    return draw.SectionParties(
        tender_id=tender.id, section_id=section.id, tender_code=tender.code, tender_title=tender.title,
        section_label=section_label(section), bid_deadline=tender.bid_deadline,
        tenderee=org_ref(tender.tenderee), agent=org_ref(tender.agent),
        bidders=tuple(org_ref(org) for org in bidder_orgs(session, section)))


def managed_section(session: Session, actor: Actor, tender_id: int, number: int) -> tuple[Tender, Section]:
    """The tender (as visible to ``actor``) and its section ``number``, for the tender's agent or tenderee only."""
    tender = get_tender(session, actor, tender_id)
    require_manager(actor, tender)
    return tender, section_by_number(tender, number)


def check_drawable(tender: Tender, section: Section) -> None:
    """A committee is drawn only for a section that will be evaluated."""
    if section.status == "failed":
        raise RuleViolation(N_("第 %(number)s 标段投标人少于 3 个，已流标，不进行评标，无需抽取评标专家（%(rule)s）。"),
                            field="section", rule=N_("条例第44条"), number=section.number)
    if tender.status not in DRAWABLE:
        raise Conflict(N_("该项目当前状态为“%(status)s”，不能抽取评标专家。"), field="section",
                       status=phrase(STATUS_LABELS.get(tender.status, tender.status)))


def request_section_draw(session: Session, clock: Clock, actor: Actor, tender_id: int, number: int,
                         request: draw.DrawRequest) -> ExpertDraw:
    """The tender's agent draws the section's committee (the draw checks the agent, the deadline and the request)."""
    tender, section = managed_section(session, actor, tender_id, number)
    check_drawable(tender, section)
    return draw.request_draw(session, clock, actor, section_parties(session, tender, section), request)


def section_draw(session: Session, actor: Actor, tender_id: int, number: int, draw_id: int) -> ExpertDraw:
    """A draw named in an address under the tender and section: it must be that section's."""
    _tender, section = managed_section(session, actor, tender_id, number)
    found = session.get(ExpertDraw, draw_id) if draw_id else None
    if found is None or found.section_id != section.id:
        raise NotFound(N_("专家抽取记录不存在。"))
    return found
