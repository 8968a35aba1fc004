"""Before the deadline: obtaining documents, secrecy of who did, questions, objections, amendments, closing."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bidding import bids, participation, tenders
from bidding.models import Tender
from bidding.schemas import AmendmentInput
from core.db import make_session_factory
from core.errors import Conflict, DeadlinePassed, InvalidInput, NotPermitted, RuleViolation
from core.identity import Organisation
from signing import ledger
from tests.world import published_tender


@pytest.fixture
def tender(session, clock, store, world):
    t = published_tender(session, clock, store, world)
    clock.advance(timedelta(hours=2))  # the sale period has begun
    return t


def test_bidder_obtains_documents_once_and_may_download(session, clock, world, tender):
    first = participation.obtain_documents(session, clock, world.bidders[0], tender.id)
    again = participation.obtain_documents(session, clock, world.bidders[0], tender.id)
    assert first.id == again.id
    doc = tender.documents[0]
    assert participation.document_for_download(session, world.bidders[0], tender.id, doc.id) is doc


def test_bidder_without_documents_cannot_download(session, world, tender):
    with pytest.raises(NotPermitted):
        participation.document_for_download(session, world.bidders[1], tender.id, tender.documents[0].id)


def test_documents_cannot_be_obtained_before_or_after_the_sale_period(session, clock, store, world):
    t = published_tender(session, clock, store, world)
    with pytest.raises(DeadlinePassed):
        participation.obtain_documents(session, clock, world.bidders[0], t.id)
    clock.advance(timedelta(days=8))
    with pytest.raises(DeadlinePassed):
        participation.obtain_documents(session, clock, world.bidders[0], t.id)


def test_unapproved_company_cannot_obtain_documents(session, clock, world, tender):
    org = session.get(Organisation, world.bidders[0].org_id)
    org.status = "suspended"
    session.commit()
    with pytest.raises(NotPermitted):
        participation.obtain_documents(session, clock, world.bidders[0], tender.id)


def test_agent_cannot_obtain_documents_as_a_bidder(session, clock, world, tender):
    with pytest.raises(NotPermitted):
        participation.obtain_documents(session, clock, world.agent, tender.id)


def test_who_obtained_documents_is_secret_until_the_deadline(session, clock, world, tender):
    participation.obtain_documents(session, clock, world.bidders[0], tender.id)
    session.commit()
    for actor in (world.agent, world.tenderee, world.bidders[0], world.expert):
        with pytest.raises(NotPermitted):
            participation.obtainers(session, clock, actor, tender.id)
    assert len(participation.obtainers(session, clock, world.supervisor, tender.id)) == 1
    clock.set(tender.bid_deadline)
    assert len(participation.obtainers(session, clock, world.agent, tender.id)) == 1


def test_questions_are_published_with_answers_but_without_the_asker(session, clock, world, tender):
    participation.obtain_documents(session, clock, world.bidders[0], tender.id)
    q = participation.ask_question(session, clock, world.bidders[0], tender.id, "工期能否延长？")
    assert participation.questions(session, tender, answered_only=True) == []
    participation.answer_question(session, clock, world.agent, tender.id, q.id, "不能。")
    published = participation.questions(session, tender, answered_only=True)
    assert [(x.body, x.answer) for x in published] == [("工期能否延长？", "不能。")]


def test_question_after_the_clarification_deadline_is_refused(session, clock, world, tender):
    participation.obtain_documents(session, clock, world.bidders[0], tender.id)
    clock.set(tender.clarification_deadline + timedelta(seconds=1))
    with pytest.raises(DeadlinePassed):
        participation.ask_question(session, clock, world.bidders[0], tender.id, "还能提问吗？")


def test_empty_question_is_refused(session, clock, world, tender):
    participation.obtain_documents(session, clock, world.bidders[0], tender.id)
    with pytest.raises(InvalidInput):
        participation.ask_question(session, clock, world.bidders[0], tender.id, " ")


def test_objection_pauses_the_tender_until_answered(session, clock, world, tender):
    participation.obtain_documents(session, clock, world.bidders[0], tender.id)
    objection = participation.raise_objection(session, clock, world.bidders[0], tender.id, "资格条件排斥潜在投标人。")
    session.commit()
    assert tender.status == "suspended"
    with pytest.raises(Conflict):
        participation.obtain_documents(session, clock, world.bidders[1], tender.id)
    participation.answer_objection(session, clock, world.agent, tender.id, objection.id, "已修改资格条件。")
    session.commit()
    assert tender.status == "published"


def test_objection_later_than_ten_days_before_the_deadline_is_refused(session, clock, world, tender):
    participation.obtain_documents(session, clock, world.bidders[0], tender.id)
    clock.set(tender.bid_deadline - timedelta(days=10) + timedelta(seconds=1))
    with pytest.raises(DeadlinePassed) as refused:
        participation.raise_objection(session, clock, world.bidders[0], tender.id, "太晚的异议。")
    assert refused.value.rule == "条例第22条"


def test_only_the_managers_answer(session, clock, world, tender):
    participation.obtain_documents(session, clock, world.bidders[0], tender.id)
    q = participation.ask_question(session, clock, world.bidders[0], tender.id, "问题一？")
    for actor in (world.other_agent, world.bidders[1], world.supervisor):
        with pytest.raises(NotPermitted):
            participation.answer_question(session, clock, actor, tender.id, q.id, "答复")


def test_amendment_early_keeps_the_deadline(session, clock, world, store, tender):
    before = tender.bid_deadline
    tenders.amend_tender(session, clock, world.agent, store, tender.id,
                         AmendmentInput(kind="clarification", title="澄清一", body="第三章评分标准澄清。"), [], 10**6)
    assert tender.bid_deadline == before


def test_late_amendment_forces_the_deadline_to_move(session, clock, world, store, tender):
    clock.set(tender.bid_deadline - timedelta(days=14))
    amendment = AmendmentInput(kind="amendment", title="修改一", body="修改工程量清单。")
    with pytest.raises(RuleViolation) as refused:
        tenders.amend_tender(session, clock, world.agent, store, tender.id, amendment, [], 10**6)
    assert refused.value.rule == "法第23条"
    too_soon = amendment.model_copy(update={"new_deadline": clock.now() + timedelta(days=14)})
    with pytest.raises(RuleViolation):
        tenders.amend_tender(session, clock, world.agent, store, tender.id, too_soon, [], 10**6)
    new_deadline = clock.now() + timedelta(days=15)
    upload = tenders.Upload("招标文件", "v2.pdf", "application/pdf", io.BytesIO(b"%PDF-1.4 v2"))
    tenders.amend_tender(session, clock, world.agent, store, tender.id,
                         amendment.model_copy(update={"new_deadline": new_deadline}), [upload], 10**6)
    assert tender.bid_deadline == new_deadline
    current = tenders.current_documents(tender)
    assert [(d.title, d.version) for d in current] == [("招标文件", 2)]


def test_amendment_after_the_deadline_is_refused(session, clock, world, store, tender):
    clock.set(tender.bid_deadline + timedelta(seconds=1))
    with pytest.raises((DeadlinePassed, Conflict)):
        tenders.amend_tender(session, clock, world.agent, store, tender.id,
                             AmendmentInput(kind="clarification", title="太晚", body="太晚的澄清。"), [], 10**6)


def test_scheduler_closes_bidding_at_the_deadline_once(session, clock, world, tender):
    clock.set(tender.bid_deadline - timedelta(seconds=1))
    assert bids.close_due_tenders(session, clock) == []
    clock.set(tender.bid_deadline)
    assert bids.close_due_tenders(session, clock) == [tender.id]
    session.commit()
    assert bids.close_due_tenders(session, clock) == []
    closes = [e for e in ledger.entries(session, tender.id) if e.action == "tender.close"]
    assert len(closes) == 1


def test_concurrent_closers_write_one_transition(engine, session, clock, world, tender):
    """Two workers racing the deadline: one wins, the other sees it already moved; one ledger entry."""
    clock.set(tender.bid_deadline + timedelta(seconds=1))
    factory = make_session_factory(engine)
    results: list[list[int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def close() -> None:
        with factory() as s:
            try:
                barrier.wait()
                results.append(bids.close_due_tenders(s, clock))
                s.commit()
            except Exception as exc:  # a lost race must surface as an error to the test
                errors.append(exc)

    threads = [threading.Thread(target=close) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    session.expire_all()
    assert session.scalars(select(Tender.status)).one() == "failed"  # closed, and no bids: 流标
    closes = [e for e in ledger.entries(session, tender.id) if e.action == "tender.close"]
    assert len(closes) == 1
    assert ledger.verify(session).ok
    assert errors == []
    assert sorted(len(r) for r in results) == [0, 1]
