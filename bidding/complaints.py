"""Complaints (投诉) to the supervisor, suspensions, and the supervisor's signed decision (条例第60-62条).

Who and when: only a bidder of the tender complains. A complaint about the evaluation result (``award_id`` given)
must follow the bidder's own objection to that award (条例第60条: matters of 第54条 go through an objection first)
and waits for its answer, or for the answer's 3 days to run out; it then comes within 10 days of the answer (or of
the day the answer was due) — the objection's own period does not count toward the 10 days. A complaint about
anything else has no deadline the platform can compute (it runs from when the bidder knew); the supervisor judges
that when accepting it.

The supervisor accepts or rejects within 3 working days and decides within 30 (条例第61条); :func:`mark_overdue`
lets the scheduler put a missed period on the ledger once, and :func:`overdue_complaints` lists them. The supervisor
may suspend the tender meanwhile (条例第62条) and resumes it explicitly.

The decision is a signed record (kind ``complaint_decision``) with the supervisor's PIN, and acts on the award:
``dismissed`` changes nothing; ``new_award`` voids the award and starts the next attempt in ``deciding`` with the
same candidates (the tenderee decides again, without the ground the decision names); ``re_evaluation`` voids the
award and leaves the section waiting — a second evaluation of the same section is not built yet, so the section
stays without a live award; ``cancelled`` voids every award, cancels the tender and starts the bonds' refund clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bidding import award_rules, award_state, bond_release, participation, publicity
from bidding.access import manages
from bidding.award_models import COMPLAINT_OUTCOMES, Award, AwardObjection, Complaint
from bidding.award_objections import text
from bidding.lifecycle import transition
from bidding.models import Bid, Tender
from bidding.notices import Signing
from bidding.tenders import get_tender
from core.actor import Actor, Role
from core.clock import Clock, shanghai_text
from core.errors import N_, Conflict, DeadlinePassed, InvalidInput, NotFound, NotPermitted, RuleViolation, phrase
from signing import ledger, records, seal, signed_records

KIND = "complaint_decision"
MAX_SUBJECT = 200
STATUS_LABELS = {"filed": N_("待受理"), "accepted": N_("已受理"), "rejected": N_("不予受理"), "decided": N_("已处理")}
OUTCOME_LABELS = {"dismissed": N_("驳回投诉"), "re_evaluation": N_("责令重新评标"),
                  "new_award": N_("责令重新确定中标人"), "cancelled": N_("终止招标活动")}
OUTCOME_TEXT = {"dismissed": "驳回投诉", "re_evaluation": "责令重新评标", "new_award": "责令招标人依法重新确定中标人",
                "cancelled": "招标投标活动终止，本项目招标无效"}
# statuses a supervisor cannot suspend from: nothing runs there any more (or yet)
NOT_SUSPENDABLE = frozenset({"draft", "suspended", "failed", "cancelled", "contracted"})
# the tender statuses past the award's start, which fall back to 'awarding' when a section's award is voided
PAST_AWARDING = ("publicity", "awarded", "contracted")


def _supervisor(actor: Actor) -> None:
    if not actor.has(Role.SUPERVISOR):
        raise NotPermitted(N_("只有行政监督人员可以执行此操作。"))


def tender_bidder(session: Session, actor: Actor, tender_id: int) -> bool:
    """Whether the actor's organisation bid on the tender (a bid kept past the deadline, in any section)."""
    if not actor.has(Role.BIDDER) or actor.org_id is None:
        return False
    return session.scalars(select(Bid.id).where(Bid.tender_id == tender_id, Bid.bidder_org_id == actor.org_id,
                                                Bid.status != "withdrawn")).first() is not None


def get_complaint(session: Session, complaint_id: int) -> Complaint:
    row = session.get(Complaint, complaint_id)
    if row is None:
        raise NotFound(N_("投诉不存在。"))
    return row


def _prior_objection(session: Session, clock: Clock, award: Award, org_id: int) -> tuple[AwardObjection, datetime]:
    """The bidder's objection the complaint follows, and the moment the 10 days count from (条例第60条)."""
    objections = list(session.scalars(select(AwardObjection).where(AwardObjection.award_id == award.id,
                                                                    AwardObjection.bidder_org_id == org_id)
                                      .order_by(AwardObjection.raised_at)))
    if not objections:
        raise RuleViolation(N_("对评标结果投诉的，应当先向招标人提出异议（%(rule)s）。"), rule=N_("条例第60条"))
    now = clock.now()
    settled = [(o, o.answered_at if o.answered_at is not None else o.answer_due) for o in objections
               if o.answered_at is not None or o.answer_due <= now]
    if not settled:
        raise RuleViolation(N_("异议尚在答复期内，请待招标人答复或答复期届满后再投诉（%(rule)s）。"),
                            rule=N_("条例第60条"))
    return max(settled, key=lambda pair: pair[1])


def file_complaint(session: Session, clock: Clock, actor: Actor, tender_id: int, subject: str, body: str,
                   award_id: int | None = None) -> Complaint:
    """A bidder of the tender complains to the supervisor; accepted or not within 3 working days."""
    tender = get_tender(session, actor, tender_id)
    if not tender_bidder(session, actor, tender.id):
        raise NotPermitted(N_("只有本项目的投标人可以投诉。"))
    subject = (subject or "").strip()
    if len(subject) < 2 or len(subject) > MAX_SUBJECT:
        raise InvalidInput(N_("请填写 2 到 %(max)s 字的投诉事项。"), field="subject", max=MAX_SUBJECT)
    body = text(body, "body")
    now = clock.now()
    objection_id = None
    if award_id is not None:
        award = session.get(Award, award_id)
        if award is None or award.tender_id != tender.id:
            raise NotFound(N_("定标不存在。"))
        objection, since = _prior_objection(session, clock, award, actor.org_id)
        if now > since + timedelta(days=award_rules.COMPLAINT_DAYS):
            raise DeadlinePassed(N_("投诉应当自收到异议答复（或答复期届满）之日起 %(days)s 日内提出（%(rule)s）。"),
                                 days=award_rules.COMPLAINT_DAYS, rule=N_("条例第60条"))
        objection_id = objection.id
    row = Complaint(tender_id=tender.id, award_id=award_id, objection_id=objection_id, complainant_org_id=actor.org_id,
                    subject=subject, body=body, filed_by=actor.user_id, filed_at=now,
                    accept_due=award_rules.add_working_days(now, award_rules.COMPLAINT_ACCEPT_WORKING_DAYS),
                    status="filed")
    session.add(row)
    session.flush()
    ledger.append(session, clock, actor, "complaint.file", "complaint", row.id, tender_id=tender.id,
                  after={"award_id": award_id, "objection_id": objection_id, "accept_due": row.accept_due})
    return row


def _move(session: Session, clock: Clock, actor: Actor, row: Complaint, expected: str, to: str, action: str,
          values: dict[str, Any]) -> None:
    """The complaint's transition: conditional, with its ledger entry."""
    result = session.execute(update(Complaint).where(Complaint.id == row.id, Complaint.status == expected)
                             .values(status=to, **values).execution_options(synchronize_session=False))
    session.refresh(row)
    if result.rowcount != 1:
        raise Conflict(N_("投诉当前状态为“%(status)s”，不能执行此操作。"),
                       status=phrase_status(row.status))
    ledger.append(session, clock, actor, action, "complaint", row.id, tender_id=row.tender_id,
                  before={"status": expected}, after={"status": to, **values})


def phrase_status(status: str) -> Any:
    return phrase(STATUS_LABELS.get(status, status))


def accept_complaint(session: Session, clock: Clock, actor: Actor, complaint_id: int) -> Complaint:
    """The supervisor accepts: the decision is due within 30 working days (条例第61条)."""
    _supervisor(actor)
    row = get_complaint(session, complaint_id)
    now = clock.now()
    _move(session, clock, actor, row, "filed", "accepted", "complaint.accept",
          {"handled_by": actor.user_id, "accepted_at": now,
           "decide_due": award_rules.add_working_days(now, award_rules.COMPLAINT_DECIDE_WORKING_DAYS)})
    return row


def reject_complaint(session: Session, clock: Clock, actor: Actor, complaint_id: int, reason: str) -> Complaint:
    """The supervisor does not accept, with the stated reason (条例第61条)."""
    _supervisor(actor)
    row = get_complaint(session, complaint_id)
    _move(session, clock, actor, row, "filed", "rejected", "complaint.reject",
          {"handled_by": actor.user_id, "rejection_reason": text(reason, "reason")})
    return row


# --- suspension -----------------------------------------------------------------------------------------------


def suspend(session: Session, clock: Clock, actor: Actor, tender_id: int, reason: str) -> Tender:
    """A supervisor suspends the tender (条例第62条); the status to return to is kept on the tender."""
    _supervisor(actor)
    tender = get_tender(session, actor, tender_id)
    reason = text(reason, "reason")
    if tender.status in NOT_SUSPENDABLE:
        raise Conflict(N_("该项目当前状态不能暂停。"))
    transition(session, clock, actor, tender, tender.status, "suspended", "tender.suspend",
               values={"resume_status": tender.status}, note={"reason": reason, "by": "supervisor"})
    return tender


def resume(session: Session, clock: Clock, actor: Actor, tender_id: int) -> Tender:
    """The supervisor lifts the suspension; awards that only waited for it move on.

    A tender suspended by an unanswered objection to its documents (条例第22条, :mod:`bidding.participation`) resumes
    with that objection's answer, not by the supervisor."""
    _supervisor(actor)
    tender = get_tender(session, actor, tender_id)
    if tender.status != "suspended":
        raise Conflict(N_("该项目未暂停。"))
    if participation.open_objections(session, tender.id):
        raise Conflict(N_("对招标文件的异议尚未答复，答复后项目自动恢复（%(rule)s）。"), rule=N_("条例第22条"))
    transition(session, clock, actor, tender, "suspended", tender.resume_status or "published", "tender.resume",
               values={"resume_status": None})
    for award in award_state.awards_of_tender(session, tender.id):
        publicity.advance(session, clock, award)
    award_state.sync_tender(session, clock, tender)
    return tender


# --- the decision --------------------------------------------------------------------------------------------------


def decision_record(complaint: Complaint, objection: AwardObjection | None, outcome: str, decision: str,
                    record_id: str, decided_at: datetime, signer: str) -> records.Record:
    tender = complaint.tender
    blocks: list[records.Block] = [
        records.Facts([
            ("项目编号", tender.code),
            ("项目名称", tender.title),
            ("招标人", tender.tenderee.name),
            ("投诉人", complaint.complainant.name),
            ("投诉事项", complaint.subject),
            ("投诉时间", shanghai_text(complaint.filed_at)),
            ("受理时间", shanghai_text(complaint.accepted_at) if complaint.accepted_at else "—"),
            ("处理决定时间", shanghai_text(decided_at)),
            ("处理结果", OUTCOME_TEXT[outcome]),
        ]),
        records.Heading("投诉内容"),
        records.Paragraph(complaint.body),
    ]
    if objection is not None:
        blocks += [records.Heading("异议及答复"),
                   records.Paragraph(f"异议（{shanghai_text(objection.raised_at)}）：{objection.body}"),
                   records.Paragraph(f"答复（{shanghai_text(objection.answered_at)}）：{objection.answer}"
                                     if objection.answer is not None else "招标人未在答复期内答复。")]
    blocks += [records.Heading("处理决定"), records.Paragraph(decision),
               records.Paragraph("依据《招标投标法实施条例》第六十一条、第六十二条作出本决定。投诉人或被投诉人对本决定不服的，"
                                 "可以依法申请行政复议或者提起行政诉讼。"),
               records.SignaturePlaces([signer])]
    return records.Record(kind=KIND, title=f"{tender.title} 投诉处理决定书", tender_code=tender.code,
                          record_id=record_id, blocks=blocks)


def _void(session: Session, clock: Clock, actor: Actor, award: Award, reason: str) -> None:
    award_state.move(session, clock, actor, award, award.status, "void", "award.void", values={"void_reason": reason})


def _fall_back(session: Session, clock: Clock, actor: Actor, tender: Tender) -> None:
    """The tender's status follows its least advanced section: a voided award sends it back to 'awarding'."""
    if tender.status == "suspended":
        if tender.resume_status in PAST_AWARDING:
            tender.resume_status = "awarding"
            session.flush()
    elif tender.status in PAST_AWARDING:
        transition(session, clock, actor, tender, tender.status, "awarding", "tender.reawarding")


def _check(session: Session, complaint: Complaint, outcome: str) -> None:
    """Refuse a decision that cannot take effect before anything is signed."""
    if outcome == "dismissed":
        return
    if outcome == "cancelled":
        if any(a.status == "contracted" for a in award_state.awards_of_tender(session, complaint.tender_id)):
            raise Conflict(N_("合同已经签订，不能再终止招标。"))
        return
    award = session.get(Award, complaint.award_id) if complaint.award_id else None
    if award is None or award.status == "void":
        raise InvalidInput(N_("该投诉未涉及有效的定标，只能驳回或终止招标。"), field="outcome")
    if award.status == "contracted":
        raise Conflict(N_("合同已经签订，不能再作废定标。"))


def _apply(session: Session, clock: Clock, actor: Actor, complaint: Complaint, outcome: str) -> None:
    tender = complaint.tender
    reason = f"投诉处理决定（投诉 {complaint.id}）：{OUTCOME_TEXT[outcome]}"
    if outcome == "dismissed":
        return
    if outcome == "cancelled":
        for award in award_state.awards_of_tender(session, tender.id):
            _void(session, clock, actor, award, reason)
        transition(session, clock, actor, tender, tender.status, "cancelled", "tender.cancel",
                   values={"resume_status": None}, note={"complaint_id": complaint.id})
        for section in tender.sections:
            if section.status == "proceeding":
                bond_release.schedule_release(session, clock, section, clock.now())
        return
    award = session.get(Award, complaint.award_id)
    _void(session, clock, actor, award, reason)
    if outcome == "new_award":
        again = Award(tender_id=award.tender_id, section_id=award.section_id, evaluation_id=award.evaluation_id,
                      attempt=award.attempt + 1, mode=award.mode, method=award.method, rule_set=award.rule_set,
                      status="deciding", candidates=award.candidates, report_received_at=award.report_received_at,
                      accepted_at=award.accepted_at, created_by=actor.user_id, created_at=clock.now())
        session.add(again)
        session.flush()
        ledger.append(session, clock, actor, "award.restart", "award", again.id, tender_id=tender.id,
                      after={"status": "deciding", "attempt": again.attempt, "previous": award.id,
                             "complaint_id": complaint.id})
    _fall_back(session, clock, actor, tender)


def decide_complaint(session: Session, clock: Clock, actor: Actor, complaint_id: int, outcome: str, decision: str,
                     signing: Signing) -> Complaint:
    """The supervisor's decision on an accepted complaint, signed with their PIN, and its effect on the award."""
    _supervisor(actor)
    row = get_complaint(session, complaint_id)
    if outcome not in COMPLAINT_OUTCOMES:
        raise InvalidInput(N_("处理结果无效。"), field="outcome")
    decision = text(decision, "decision")
    if row.status != "accepted":
        raise Conflict(N_("只有已受理的投诉可以作出处理决定。"))
    _check(session, row, outcome)
    now = clock.now()
    objection = session.get(AwardObjection, row.objection_id) if row.objection_id else None
    record_id = signed_records.new_record_id()
    record = decision_record(row, objection, outcome, decision, record_id, now, actor.name)
    pdf = seal.sign_as_person(session, clock, signing.settings, actor.user_id, signing.pin, records.render(record),
                              field_name="supervisor", reason=f"投诉处理决定 {row.tender.code}")
    signed_records.register(session, clock, actor, signing.store, record_id=record_id, kind=KIND, title=record.title,
                            content_sha256=records.content_digest(record), pdf=pdf, tender_id=row.tender_id,
                            subject_id=row.id)
    _move(session, clock, actor, row, "accepted", "decided", "complaint.decide",
          {"outcome": outcome, "decision": decision, "decided_at": now, "record_id": record_id})
    _apply(session, clock, actor, row, outcome)
    return row


def decision_pdf(session: Session, actor: Actor, complaint_id: int, store: Any) -> bytes:
    """The signed decision: the supervisors, the tender's managers and the complainant."""
    row = get_complaint(session, complaint_id)
    visible(session, actor, row)
    if row.record_id is None:
        raise Conflict(N_("投诉尚未作出处理决定。"))
    with store.open(signed_records.get(session, row.record_id).pdf_sha256) as handle:
        return handle.read()


# --- reading ---------------------------------------------------------------------------------------------------


def visible(session: Session, actor: Actor, row: Complaint) -> None:
    if actor.has(Role.SUPERVISOR) or manages(actor, row.tender) or (
            actor.has(Role.BIDDER) and actor.org_id == row.complainant_org_id):
        return
    raise NotFound(N_("投诉不存在。"))


def complaints_of(session: Session, actor: Actor, tender_id: int) -> list[Complaint]:
    """A tender's complaints: supervisors and managers all, a bidder its own."""
    tender = get_tender(session, actor, tender_id)
    query = select(Complaint).where(Complaint.tender_id == tender.id).order_by(Complaint.filed_at)
    if actor.has(Role.SUPERVISOR) or manages(actor, tender):
        return list(session.scalars(query))
    if actor.has(Role.BIDDER) and actor.org_id is not None:
        return list(session.scalars(query.where(Complaint.complainant_org_id == actor.org_id)))
    return []


def all_complaints(session: Session, actor: Actor) -> list[Complaint]:
    """Every complaint, oldest first, for the supervisors (nobody else reads them all)."""
    _supervisor(actor)
    return list(session.scalars(select(Complaint).order_by(Complaint.filed_at, Complaint.id)))


def my_complaints(session: Session, actor: Actor) -> list[Complaint]:
    """The complaints the actor's organisation filed, newest first (a bidder reads only its own)."""
    if not actor.has(Role.BIDDER) or actor.org_id is None:
        return []
    return list(session.scalars(select(Complaint).where(Complaint.complainant_org_id == actor.org_id)
                                .order_by(Complaint.filed_at.desc(), Complaint.id.desc())))


def open_complaints(session: Session, tender_id: int) -> list[Complaint]:
    """Complaints not yet rejected or decided: the award notice waits for them."""
    return list(session.scalars(select(Complaint).where(Complaint.tender_id == tender_id,
                                                        Complaint.status.in_(("filed", "accepted")))))


def overdue_complaints(session: Session, clock: Clock, actor: Actor) -> list[Complaint]:
    """For the supervisor: complaints not accepted within 3 working days or not decided within 30 (条例第61条)."""
    _supervisor(actor)
    now = clock.now()
    rows = session.scalars(select(Complaint).where(Complaint.status.in_(("filed", "accepted")))
                           .order_by(Complaint.filed_at)).all()
    return [c for c in rows if (c.status == "filed" and c.accept_due < now)
            or (c.status == "accepted" and c.decide_due is not None and c.decide_due < now)]


def mark_overdue(session: Session, clock: Clock) -> list[tuple[str, int]]:
    """The scheduler's pass: put each missed period on the ledger once (a complaint not accepted or decided in time,
    an objection not answered in time); returns (action, id) of what this pass marked."""
    now = clock.now()
    marked = []
    system = Actor.system()
    for row in session.scalars(select(Complaint).where(Complaint.status.in_(("filed", "accepted")))).all():
        if row.status == "filed" and row.accept_due < now:
            action, due = "complaint.accept_overdue", row.accept_due
        elif row.status == "accepted" and row.decide_due is not None and row.decide_due < now:
            action, due = "complaint.decide_overdue", row.decide_due
        else:
            continue
        if not ledger.recorded(session, action, "complaint", row.id):
            ledger.append(session, clock, system, action, "complaint", row.id, tender_id=row.tender_id,
                          after={"due": due, "rule": "条例第61条"})
            marked.append((action, row.id))
    late = session.scalars(select(AwardObjection).where(AwardObjection.answer.is_(None),
                                                        AwardObjection.answer_due < now)).all()
    for objection in late:
        if not ledger.recorded(session, "award_objection.answer_overdue", "award_objection", objection.id):
            award = session.get(Award, objection.award_id)
            ledger.append(session, clock, system, "award_objection.answer_overdue", "award_objection", objection.id,
                          tender_id=award.tender_id, after={"due": objection.answer_due, "rule": "条例第54条"})
            marked.append(("award_objection.answer_overdue", objection.id))
    return marked
