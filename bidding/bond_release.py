"""After the contract: bonds go back (条例第57条), the winner's may become its performance bond, and the
scheduler watches the refunds that are due.

T16 条例第57条 [S]: refund the bid bonds of the winner and the others within 5 days after the contract
is signed, with the bank's deposit interest. B10(a) 条例第35条: a bid revoked after the deadline may
lose its bond. B12 条例第58条: the performance bond is at most 10% of the contract price. A section
that failed (流标) returns its bonds on the same terms, counted from its failure.

The contract itself (法第46条): only after the section's award notice, with the award's winner, at the winning
bid's price (条例第57条: the terms must match the tender documents and the winning bid, so a different price is
refused); within 30 days of the notice — a later contract is still recorded (the data must not be lost) but flagged
late on the ledger and in :func:`contracts_due`. The scheduler reminds the managers 5 days before the contract is
due and marks an overdue one once (:func:`remind_contracts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import award_rules, award_state, guarantees, publicity, rules
from bidding.access import manages, require_manager, require_role
from bidding.award_models import Award
from bidding.bond_models import Bond
from bidding.models import Bid, Contract, Section, Tender
from bidding.schemas import MAX_MONEY, BondForm
from core.actor import Actor, Role
from core.clock import Clock
from core.errors import N_, Conflict, InvalidInput, NotFound, NotPermitted, RuleViolation, Unavailable
from signing import ledger

# Bonds the contract (or the section's failure) puts on the release schedule.
HELD = ("paid", "verified", "committed")
# How long before a refund falls due the agent is reminded.
REMINDER_AHEAD = timedelta(days=1)
# Tender statuses after the opening, when a contract can be recorded.
AFTER_OPENING = frozenset({"opened", "evaluating", "evaluated", "awarding", "publicity", "awarded", "contracted"})


def schedule_release(session: Session, clock: Clock, section: Section, since: datetime) -> list[Bond]:
    """Put the section's held bonds on the release schedule: guarantees and commitments are released at
    once, cash is due for refund within the legal period."""
    due = rules.bond_release_due(since)
    bonds = list(session.scalars(select(Bond).where(Bond.section_id == section.id, Bond.status.in_(HELD))))
    for bond in bonds:
        bond.release_due_at = due
        if bond.form != BondForm.CASH:
            bond.status, bond.released_at = "released", clock.now()
        ledger.append(session, clock, Actor.system(), "bond.release_scheduled", "bond", bond.id, tender_id=section.tender_id,
                      after={"due": due, "status": bond.status})
    return bonds


def contract_due(award: Award) -> datetime | None:
    """The last moment to sign the contract: 30 days after the award notice (法第46条)."""
    return award.notified_at + timedelta(days=award_rules.CONTRACT_DAYS) if award.notified_at else None


def record_contract(session: Session, clock: Clock, actor: Actor, tender_id: int, section_number: int, *,
                    winner_org_id: int, price: Decimal, signed_at: datetime,
                    performance_bond: Decimal | None) -> Contract:
    """The tenderee (or its agent) records the contract signed after the award notice; the bonds' release clock
    starts and the award is 'contracted'."""
    tender = session.get(Tender, tender_id)
    if tender is None or not manages(actor, tender):
        raise NotFound(N_("招标项目不存在。"))
    section = next((s for s in tender.sections if s.number == section_number), None)
    if section is None:
        raise NotFound(N_("标段不存在。"))
    award_state.require_not_suspended(tender)
    if tender.status not in AFTER_OPENING or section.status != "proceeding":
        raise Conflict(N_("开标结束后、标段未流标时才能登记合同。"))
    if session.scalars(select(Contract.id).where(Contract.section_id == section.id)).first() is not None:
        raise Conflict(N_("本标段的合同已经登记。"))
    award = award_state.current_award(session, section.id)
    if award is None or award.status != "notified":
        raise RuleViolation(N_("中标通知书发出后才能订立合同（%(rule)s）。"), rule=N_("法第46条"))
    winner = session.scalars(select(Bid).where(Bid.section_id == section.id, Bid.bidder_org_id == winner_org_id,
                                               Bid.status == "decrypted")).one_or_none()
    if winner is None:
        raise InvalidInput(N_("中标人必须是本标段开标时解密成功的投标人。"), field="winner_org_id")
    if winner_org_id != award.winner_org_id:
        raise RuleViolation(N_("合同应当与中标通知书确定的中标人订立（%(rule)s）。"), field="winner_org_id",
                            rule=N_("法第46条"))
    if not Decimal(0) < price <= MAX_MONEY:
        raise InvalidInput(N_("请填写合同金额。"), field="price")
    agreed = publicity.winning_price(award)
    if agreed is not None and price != agreed:
        raise RuleViolation(N_("合同价款应当与中标价 %(agreed)s 元一致（%(rule)s）。"), field="price",
                            agreed=f"{agreed:,.2f}", rule=N_("条例第57条"))
    if not award.notified_at <= signed_at <= clock.now():
        raise InvalidInput(N_("合同签订时间应在中标通知书发出之后、不晚于现在。"), field="signed_at")
    if performance_bond is not None:
        cap = rules.performance_bond_cap(price)
        if not Decimal(0) <= performance_bond <= cap:
            raise RuleViolation(N_("履约保证金不得超过中标合同金额的 10%%，即 %(cap)s 元（%(rule)s）。"),
                                field="performance_bond", cap=f"{cap:,.2f}", rule=N_("条例第58条"))
    due = contract_due(award)
    late = signed_at > due
    contract = Contract(tender_id=tender.id, section_id=section.id, winner_org_id=winner_org_id, price=price,
                        signed_at=signed_at, performance_bond=performance_bond, recorded_by=actor.user_id,
                        recorded_at=clock.now(), award_id=award.id)
    session.add(contract)
    session.flush()
    ledger.append(session, clock, actor, "contract.record", "contract", contract.id, tender_id=tender.id,
                  after={"section": section.number, "winner_org_id": winner_org_id, "price": price,
                         "signed_at": signed_at, "performance_bond": performance_bond, "award_id": award.id,
                         "due": due, "late": late, **({"rule": "法第46条"} if late else {})})
    schedule_release(session, clock, section, signed_at)
    award_state.move(session, clock, actor, award, "notified", "contracted", "award.contract",
                     note={"contract_id": contract.id, "late": late})
    award_state.sync_tender(session, clock, tender)
    return contract


def contract_late(session: Session, contract: Contract) -> bool:
    """Whether the contract was signed more than 30 days after the award notice (法第46条)."""
    award = session.get(Award, contract.award_id) if contract.award_id else None
    due = contract_due(award) if award is not None else None
    return due is not None and contract.signed_at > due


@dataclass(frozen=True)
class ContractDue:
    """A notified award still without its contract: when it is due and how many days are left (negative: overdue)."""

    award_id: int
    tender_id: int
    tender_code: str
    tender_title: str
    section_number: int
    winner: str
    notified_at: datetime
    due: datetime
    days_left: int
    overdue: bool


def _waiting(session: Session) -> list[Award]:
    """Notified awards whose section has no contract yet, the soonest due first."""
    contracted = select(Contract.section_id)
    return list(session.scalars(select(Award).where(Award.status == "notified", Award.section_id.not_in(contracted))
                                .order_by(Award.notified_at, Award.id)))


def contracts_due(session: Session, clock: Clock, actor: Actor | None = None) -> list[ContractDue]:
    """Contracts waiting to be signed: all of them for the scheduler (no actor) and supervisors, a manager's own
    tenders otherwise. ``days_left`` counts a begun day as a whole one."""
    now = clock.now()
    out = []
    for award in _waiting(session):
        tender = award.tender
        if actor is not None and not (actor.has(Role.SUPERVISOR) or manages(actor, tender)):
            continue
        due = contract_due(award)
        seconds = (due - now).total_seconds()
        days = math.ceil(seconds / 86400) if seconds >= 0 else -math.ceil(-seconds / 86400)
        out.append(ContractDue(award.id, tender.id, tender.code, tender.title, award.section.number,
                               award.winner.name if award.winner else "", award.notified_at, due, days, now > due))
    return out


def remind_contracts(session: Session, clock: Clock) -> tuple[list[int], list[int]]:
    """The scheduler's watch over contracts: remind once 5 days before the due date, mark overdue once after it.
    Returns the award ids (reminded, overdue) of this pass."""
    now = clock.now()
    reminded, overdue = [], []
    ahead = timedelta(days=award_rules.CONTRACT_REMINDER_DAYS)
    for award in _waiting(session):
        due = contract_due(award)
        if now >= due - ahead and not ledger.recorded(session, "award.contract_reminder", "award", award.id):
            ledger.append(session, clock, Actor.system(), "award.contract_reminder", "award", award.id,
                          tender_id=award.tender_id, after={"due": due, "winner_org_id": award.winner_org_id})
            reminded.append(award.id)
        if now > due and not ledger.recorded(session, "award.contract_overdue", "award", award.id):
            ledger.append(session, clock, Actor.system(), "award.contract_overdue", "award", award.id,
                          tender_id=award.tender_id, after={"due": due, "rule": "法第46条"})
            overdue.append(award.id)
    return reminded, overdue


def contracts_of(session: Session, actor: Actor, tender: Tender) -> dict[int, Contract]:
    """The tender's recorded contracts by section id, for its managers and supervisors."""
    if not (manages(actor, tender) or actor.has(Role.SUPERVISOR)):
        raise NotFound(N_("招标项目不存在。"))
    return {c.section_id: c for c in session.scalars(select(Contract).where(Contract.tender_id == tender.id))}


def _managed_bond(session: Session, actor: Actor, bond_id: int) -> tuple[Bond, Tender]:
    bond = session.get(Bond, bond_id)
    tender = session.get(Tender, bond.tender_id) if bond else None
    if bond is None or not (manages(actor, tender) or actor.has(Role.ADMIN)):
        raise NotFound(N_("保证金记录不存在。"))
    return bond, tender


def refund_cash(session: Session, clock: Clock, actor: Actor, bond_id: int, reference: str,
                annual_rate: Decimal) -> Bond:
    """Record the refund of a cash bond to the bidder's basic account, with the deposit interest."""
    bond, tender = _managed_bond(session, actor, bond_id)
    reference = reference.strip()
    if not 2 <= len(reference) <= 100:
        raise InvalidInput(N_("请填写退款的银行交易流水号。"), field="reference")
    if bond.form != BondForm.CASH or bond.status != "paid":
        raise Conflict(N_("只有已缴纳、尚未退还的现金保证金可以登记退还。"))
    if bond.release_due_at is None:
        raise Conflict(N_("合同签订（或标段流标）后才能退还保证金。"))
    bond.interest = rules.deposit_interest(bond.paid_amount, annual_rate, bond.paid_at, clock.now())
    bond.status, bond.released_at, bond.release_reference = "refunded", clock.now(), reference
    ledger.append(session, clock, actor, "bond.refund", "bond", bond.id, tender_id=tender.id,
                  after={"amount": bond.paid_amount, "interest": bond.interest, "reference": reference,
                         "late": clock.now() > bond.release_due_at})
    return bond


def convert_to_performance_bond(session: Session, clock: Clock, actor: Actor, bond_id: int) -> Bond:
    """The winner's cash bid bond becomes (part of) its performance bond, within the contract's amount."""
    bond, tender = _managed_bond(session, actor, bond_id)
    require_manager(actor, tender)
    contract = session.scalars(select(Contract).where(Contract.section_id == bond.section_id)).one_or_none()
    if contract is None or contract.winner_org_id != bond.bidder_org_id:
        raise Conflict(N_("只有中标人的保证金可以转为履约保证金。"))
    if bond.form != BondForm.CASH or bond.status != "paid":
        raise Conflict(N_("只有已缴纳、尚未退还的现金保证金可以转为履约保证金。"))
    if contract.performance_bond is None or bond.paid_amount > contract.performance_bond:
        raise RuleViolation(N_("投标保证金超过合同约定的履约保证金，不能整体转为履约保证金（%(rule)s）。"),
                            rule=N_("条例第58条"))
    bond.status, bond.released_at = "converted", clock.now()
    ledger.append(session, clock, actor, "bond.convert", "bond", bond.id, tender_id=tender.id,
                  after={"amount": bond.paid_amount, "performance_bond": contract.performance_bond})
    return bond


def forfeit(session: Session, clock: Clock, actor: Actor, bond_id: int, reason: str) -> Bond:
    """B10(a) 条例第35条: the tenderee may keep the bond of a bid revoked after the deadline."""
    bond, tender = _managed_bond(session, actor, bond_id)
    require_manager(actor, tender)
    reason = reason.strip()
    if not 2 <= len(reason) <= 500:
        raise InvalidInput(N_("请写明不予退还的理由。"), field="reason")
    bid = session.scalars(select(Bid).where(Bid.section_id == bond.section_id,
                                            Bid.bidder_org_id == bond.bidder_org_id)).one_or_none()
    if bid is None or bid.status != "revoked":
        raise RuleViolation(N_("只有投标截止后撤销投标（含因投标人原因解密失败）的，保证金才可不予退还（%(rule)s）。"),
                            rule=N_("条例第35条"))
    if bond.status not in HELD:
        raise Conflict(N_("该保证金已经处理。"))
    bond.status, bond.released_at, bond.release_note = "forfeited", clock.now(), reason
    ledger.append(session, clock, actor, "bond.forfeit", "bond", bond.id, tender_id=tender.id,
                  after={"reason": reason, "rule": "条例第35条"})
    return bond


def notify_issuers(session: Session, clock: Clock, adapter: guarantees.IssuerAdapter) -> int:
    """Tell issuers that released guarantees are released (their adapters); unreachable ones wait."""
    done = 0
    pending = session.scalars(select(Bond).where(Bond.status == "released", Bond.issuer_id.is_not(None),
                                                 Bond.release_reference == "")).all()
    for bond in pending:
        if not bond.issuer.api_url:
            bond.release_reference = "未登记接口"
            continue
        try:
            status = adapter.ask(bond.issuer, "release", bond.guarantee_number)
        except Unavailable:
            continue
        bond.release_reference = f"issuer:{status}"
        ledger.append(session, clock, Actor.system(), "bond.issuer_release", "bond", bond.id, tender_id=bond.tender_id,
                      after={"number": bond.guarantee_number, "issuer_status": status})
        done += 1
    return done


def track_refunds(session: Session, clock: Clock) -> tuple[list[int], list[int]]:
    """The scheduler's watch over cash refunds: remind the agent a day ahead, mark them overdue after."""
    now = clock.now()
    unpaid = select(Bond).where(Bond.status == "paid", Bond.release_due_at.is_not(None))
    reminded, overdue = [], []
    for bond in session.scalars(unpaid.where(Bond.reminded_at.is_(None), Bond.release_due_at <= now + REMINDER_AHEAD)):
        bond.reminded_at = now
        ledger.append(session, clock, Actor.system(), "bond.refund_reminder", "bond", bond.id, tender_id=bond.tender_id,
                      after={"due": bond.release_due_at})
        reminded.append(bond.id)
    for bond in session.scalars(unpaid.where(Bond.overdue_since.is_(None), Bond.release_due_at < now)):
        bond.overdue_since = now
        ledger.append(session, clock, Actor.system(), "bond.refund_overdue", "bond", bond.id, tender_id=bond.tender_id,
                      after={"due": bond.release_due_at, "rule": "条例第57条"})
        overdue.append(bond.id)
    return reminded, overdue


def refunds_due(session: Session, actor: Actor) -> list[Bond]:
    """Cash refunds waiting on the agent's or tenderee's tenders, soonest first."""
    require_role(actor, Role.AGENT, Role.TENDEREE, Role.ADMIN)
    query = select(Bond).join(Tender, Tender.id == Bond.tender_id).where(
        Bond.status == "paid", Bond.release_due_at.is_not(None))
    if not actor.has(Role.ADMIN):
        column = Tender.agent_org_id if actor.has(Role.AGENT) else Tender.tenderee_org_id
        query = query.where(column == actor.org_id)
    return list(session.scalars(query.order_by(Bond.release_due_at, Bond.id)))


def overdue_refunds(session: Session, clock: Clock, actor: Actor) -> list[Bond]:
    """For the supervisor: cash bonds not refunded within the legal period (条例第57条, 第66条)."""
    if not actor.has(Role.SUPERVISOR):
        raise NotPermitted(N_("您没有执行此操作的权限。"))
    return list(session.scalars(select(Bond).where(Bond.status == "paid", Bond.release_due_at < clock.now())
                                .order_by(Bond.release_due_at, Bond.id)))
