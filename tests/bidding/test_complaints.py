"""Complaints (投诉, 条例第60-62条): only a bidder complains; about the evaluation result only after its own objection
was answered (or the answer is overdue) and within 10 days of that; the supervisor accepts within 3 working days,
decides within 30, signs the decision, may suspend and resume; the decision voids the award, restarts it or cancels
the tender with the bonds' refund clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bidding import award_objections, award_rules, award_state, complaints, participation
from bidding.award_models import Award
from bidding.bond_models import Bond
from core.errors import Conflict, DeadlinePassed, InvalidInput, NotFound, NotPermitted, RuleViolation
from signing import ledger, pki, records, signed_records
from signing.verify import verify_pdf
from tests.bidding.awarding import evaluated
from tests.bidding.publicizing import publish_candidates
from tests.world import SIGNING, ensure_signing, signing

OBJECTION = "第一中标候选人的业绩证明存在虚假，请核查。"


@pytest.fixture
def objected(session, clock, store, world):
    """An evaluated tender whose candidates are public; bidder 3 objected a day in."""
    built = evaluated(session, clock, store, world)
    shown = publish_candidates(session, clock, store, world, built.award)
    clock.advance(timedelta(days=1))
    objection = award_objections.raise_objection(session, clock, world.bidders[2], shown.id, OBJECTION)
    session.commit()
    return built, shown, objection


def _file(session, clock, actor, built, **changes):
    values = {"subject": "对评标结果的投诉", "body": "招标人的异议答复未核查业绩真伪。", "award_id": built.award.id, **changes}
    return complaints.file_complaint(session, clock, actor, built.tender.id, **values)


def test_a_complaint_by_someone_who_is_not_a_bidder_is_refused(session, clock, store, world, objected):
    built, _, _ = objected
    for outsider in (world.agent, world.tenderee, world.supervisor, world.expert, world.other_agent):
        with pytest.raises(NotPermitted, match="投标人"):
            _file(session, clock, outsider, built, award_id=None)
    assert complaints.complaints_of(session, world.supervisor, built.tender.id) == []


def test_a_complaint_about_the_result_needs_the_objection_first(session, clock, store, world, objected):
    built, _, objection = objected
    with pytest.raises(RuleViolation) as first:  # bidder 2 never objected
        _file(session, clock, world.bidders[1], built)
    assert first.value.rule == "条例第60条"
    with pytest.raises(RuleViolation, match="答复期"):  # bidder 3 objected, the answer is not due yet
        _file(session, clock, world.bidders[2], built)
    award_objections.answer_objection(session, clock, world.tenderee, objection.id, "经核查，业绩真实。")
    clock.advance(timedelta(days=2))
    filed = _file(session, clock, world.bidders[2], built)
    assert filed.status == "filed" and filed.objection_id == objection.id
    assert filed.accept_due == award_rules.add_working_days(clock.now(), 3)
    # a complaint not about the result needs no objection
    other = _file(session, clock, world.bidders[1], built, award_id=None, subject="开标过程投诉")
    assert other.objection_id is None


def test_a_complaint_comes_within_ten_days_of_the_answer_or_of_its_overdue_date(session, clock, store, world, objected):
    built, _, objection = objected
    clock.set(objection.answer_due)  # the tenderee stayed silent: the bidder may complain from now
    assert _file(session, clock, world.bidders[2], built).objection_id == objection.id
    clock.set(objection.answer_due + timedelta(days=10, seconds=1))
    with pytest.raises(DeadlinePassed) as late:
        _file(session, clock, world.bidders[2], built)
    assert late.value.rule == "条例第60条"


def test_bad_complaint_inputs(session, clock, store, world, objected):
    built, _, _ = objected
    for change in ({"subject": ""}, {"subject": "长" * 201}, {"body": " "}, {"body": "长" * 5001}):
        with pytest.raises(InvalidInput):
            _file(session, clock, world.bidders[1], built, award_id=None, **change)
    with pytest.raises(NotFound):
        _file(session, clock, world.bidders[1], built, award_id=999999)


def _accepted(session, clock, world, built, objection):
    award_objections.answer_objection(session, clock, world.tenderee, objection.id, "经核查，业绩真实。")
    row = _file(session, clock, world.bidders[2], built)
    with pytest.raises(NotPermitted):
        complaints.accept_complaint(session, clock, world.agent, row.id)
    complaints.accept_complaint(session, clock, world.supervisor, row.id)
    assert row.decide_due == award_rules.add_working_days(clock.now(), 30)
    with pytest.raises(Conflict):
        complaints.accept_complaint(session, clock, world.supervisor, row.id)
    session.commit()
    return row


def test_a_dismissal_is_signed_by_the_supervisor_and_changes_nothing(session, clock, store, world, objected):
    built, _, objection = objected
    row = _accepted(session, clock, world, built, objection)
    ensure_signing(session, clock, world, "supervisor")
    with pytest.raises(InvalidInput):
        complaints.decide_complaint(session, clock, world.supervisor, row.id, "maybe", "驳回。", signing(store))
    with pytest.raises(InvalidInput):
        complaints.decide_complaint(session, clock, world.supervisor, row.id, "dismissed", "", signing(store))
    with pytest.raises(NotPermitted):
        complaints.decide_complaint(session, clock, world.tenderee, row.id, "dismissed", "驳回。", signing(store))
    complaints.decide_complaint(session, clock, world.supervisor, row.id, "dismissed",
                                "经调查，投诉事项缺乏事实依据，驳回投诉。", signing(store))
    session.commit()
    assert row.status == "decided" and row.outcome == "dismissed" and built.award.status == "candidates_publicity"
    pdf = complaints.decision_pdf(session, world.bidders[2], row.id, store)
    check = verify_pdf(pdf, pki.trust_roots(session), [pki.crl(session, clock, SIGNING)], clock.now())
    assert check.ok and len(check.signatures) == 1, [p for s in check.signatures for p in s.problems]
    record = signed_records.get(session, row.record_id)
    assert record.kind == "complaint_decision" and record.subject_id == row.id
    rebuilt = complaints.decision_record(row, objection, "dismissed", row.decision, record.id, row.decided_at,
                                         world.supervisor.name)
    assert records.content_digest(rebuilt) == record.content_sha256
    assert OBJECTION in records.canonical_content(rebuilt)
    with pytest.raises(NotFound):
        complaints.decision_pdf(session, world.bidders[0], row.id, store)
    with pytest.raises(Conflict):  # decided once
        complaints.decide_complaint(session, clock, world.supervisor, row.id, "new_award", "重新定标。", signing(store))
    assert ledger.verify(session).ok


def test_a_new_award_voids_the_award_and_starts_the_next_attempt(session, clock, store, world, objected):
    built, _, objection = objected
    row = _accepted(session, clock, world, built, objection)
    ensure_signing(session, clock, world, "supervisor")
    complaints.decide_complaint(session, clock, world.supervisor, row.id, "new_award", "责令重新确定中标人。",
                                signing(store))
    session.commit()
    assert built.award.status == "void" and built.award.void_reason.startswith("投诉处理决定")
    again = award_state.current_award(session, built.award.section_id)
    assert again.attempt == 2 and again.status == "deciding" and again.candidates == built.award.candidates


def test_re_evaluation_voids_the_award_and_the_section_waits(session, clock, store, world, objected):
    built, _, objection = objected
    row = _accepted(session, clock, world, built, objection)
    ensure_signing(session, clock, world, "supervisor")
    complaints.decide_complaint(session, clock, world.supervisor, row.id, "re_evaluation", "责令重新评标。",
                                signing(store))
    assert built.award.status == "void" and award_state.current_award(session, built.award.section_id) is None


def test_a_cancellation_cancels_the_tender_and_starts_the_refund_clock(session, clock, store, world, objected):
    built, _, objection = objected
    row = _accepted(session, clock, world, built, objection)
    ensure_signing(session, clock, world, "supervisor")
    complaints.decide_complaint(session, clock, world.supervisor, row.id, "cancelled", "招标无效，终止招标。",
                                signing(store))
    session.commit()
    assert built.tender.status == "cancelled" and built.award.status == "void"
    cash = session.scalars(select(Bond).where(Bond.tender_id == built.tender.id)).all()
    assert cash and all(b.release_due_at == clock.now() + timedelta(days=5) for b in cash)


def test_a_rejected_complaint_needs_a_reason(session, clock, store, world, objected):
    built, _, _ = objected
    row = _file(session, clock, world.bidders[1], built, award_id=None)
    with pytest.raises(InvalidInput):
        complaints.reject_complaint(session, clock, world.supervisor, row.id, "")
    complaints.reject_complaint(session, clock, world.supervisor, row.id, "不属于本部门受理范围。")
    assert row.status == "rejected"
    ensure_signing(session, clock, world, "supervisor")
    with pytest.raises(Conflict):
        complaints.decide_complaint(session, clock, world.supervisor, row.id, "dismissed", "驳回。", signing(store))


def test_suspend_and_resume_by_the_supervisor_only(session, clock, store, world, objected):
    built, _, _ = objected
    with pytest.raises(NotPermitted):
        complaints.suspend(session, clock, world.agent, built.tender.id, "暂停")
    with pytest.raises(InvalidInput):
        complaints.suspend(session, clock, world.supervisor, built.tender.id, "")
    complaints.suspend(session, clock, world.supervisor, built.tender.id, "投诉处理期间暂停。")
    with pytest.raises(Conflict):
        complaints.suspend(session, clock, world.supervisor, built.tender.id, "再暂停")
    with pytest.raises(NotPermitted):
        complaints.resume(session, clock, world.tenderee, built.tender.id)
    complaints.resume(session, clock, world.supervisor, built.tender.id)
    assert built.tender.status == "publicity"
    with pytest.raises(Conflict):
        complaints.resume(session, clock, world.supervisor, built.tender.id)


def test_a_document_objections_suspension_is_not_lifted_by_the_supervisor(session, clock, world, tender):
    participation.raise_objection(session, clock, world.bidders[0], tender.id, "招标文件的资格条件排斥潜在投标人。")
    assert tender.status == "suspended"
    with pytest.raises(Conflict) as refused:
        complaints.resume(session, clock, world.supervisor, tender.id)
    assert refused.value.rule == "条例第22条"


def test_overdue_complaints_and_objections_are_listed_and_marked_once(session, clock, store, world, objected):
    built, _, objection = objected
    row = _file(session, clock, world.bidders[1], built, award_id=None)
    assert complaints.overdue_complaints(session, clock, world.supervisor) == []
    clock.set(row.accept_due + timedelta(seconds=1))
    assert complaints.overdue_complaints(session, clock, world.supervisor) == [row]
    with pytest.raises(NotPermitted):
        complaints.overdue_complaints(session, clock, world.agent)
    assert [o.id for o in award_objections.overdue_objections(session, clock, world.supervisor)] == [objection.id]
    marked = complaints.mark_overdue(session, clock)
    assert set(marked) == {("complaint.accept_overdue", row.id), ("award_objection.answer_overdue", objection.id)}
    assert complaints.mark_overdue(session, clock) == []
    complaints.accept_complaint(session, clock, world.supervisor, row.id)
    clock.set(row.decide_due + timedelta(seconds=1))
    assert complaints.mark_overdue(session, clock) == [("complaint.decide_overdue", row.id)]


def test_the_award_of_a_void_attempt_is_kept(session, clock, store, world, objected):
    built, _, objection = objected
    row = _accepted(session, clock, world, built, objection)
    ensure_signing(session, clock, world, "supervisor")
    complaints.decide_complaint(session, clock, world.supervisor, row.id, "new_award", "重新定标。", signing(store))
    attempts = session.scalars(select(Award).where(Award.section_id == built.award.section_id)
                               .order_by(Award.attempt)).all()
    assert [(a.attempt, a.status) for a in attempts] == [(1, "void"), (2, "deciding")]
