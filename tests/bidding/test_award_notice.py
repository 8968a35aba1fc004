"""The award notice (中标通知书) and result notices (法第45条): signed by the tenderee, one per bidder whose bid was
decrypted, delivered on the platform; refused during a suspension, a running publicity, with an unanswered
objection or an open complaint; under the Shenzhen rules only after the result's publicity."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bidding import award_notice, award_objections, complaints, publicity
from core.errors import Conflict, NotFound, NotPermitted
from signing import ledger, pki, records, signed_records
from signing.verify import verify_pdf
from tests.bidding.awarding import decided_award, evaluated, separated
from tests.bidding.publicizing import decided_after_publicity, end_publicity, publish_candidates
from tests.world import SIGNING, ensure_signing, signing


@pytest.fixture
def decided(session, clock, store, world):
    found = decided_after_publicity(session, clock, store, world)
    ensure_signing(session, clock, world, "tenderee")
    return found


def test_the_winner_gets_the_award_notice_and_the_others_result_notices(session, clock, store, world, decided):
    with pytest.raises(NotPermitted):  # the tenderee signs, not the agent
        award_notice.issue_notices(session, clock, world.agent, decided.id, signing(store))
    sent = award_notice.issue_notices(session, clock, world.tenderee, decided.id, signing(store))
    session.commit()
    assert decided.status == "notified" and decided.notified_at == clock.now() and decided.tender.status == "awarded"
    assert award_notice.contract_due(decided) == clock.now() + timedelta(days=30)
    kinds = {n.bidder_org_id: n.kind for n in sent}
    assert kinds == {b.org_id: ("award" if b.org_id == decided.winner_org_id else "result") for b in world.bidders}
    winner = world.bidders[[b.org_id for b in world.bidders].index(decided.winner_org_id)]
    loser = next(b for b in world.bidders if b.org_id != decided.winner_org_id)
    mine = award_notice.my_notices(session, winner)
    assert [n.kind for n in mine] == ["award"]
    for notice in sent:
        pdf = award_notice.notice_pdf(session, world.supervisor, notice.id, store)
        check = verify_pdf(pdf, pki.trust_roots(session), [pki.crl(session, clock, SIGNING)], clock.now())
        assert check.ok and len(check.signatures) == 1, [p for s in check.signatures for p in s.problems]
        record = signed_records.get(session, notice.record_id)
        assert record.kind == ("award_notice" if notice.kind == "award" else "result_notice")
        bidder = notice.bidder
        rebuilt = award_notice.notice_record(decided, bidder, notice.kind, record.id, notice.issued_at,
                                             world.tenderee.name)
        assert records.content_digest(rebuilt) == record.content_sha256
    content = records.canonical_content(award_notice.notice_record(decided, mine[0].bidder, "award", "x",
                                                                   mine[0].issued_at, "t"))
    assert "中标通知书" in content and "第四十六条" in content and decided.winner.name in content
    with pytest.raises(NotFound):  # another bidder's notice
        award_notice.notice_pdf(session, loser, mine[0].id, store)
    assert award_notice.notice_pdf(session, winner, mine[0].id, store)
    with pytest.raises(NotPermitted):
        award_notice.mark_read(session, clock, world.tenderee, mine[0].id)
    award_notice.mark_read(session, clock, winner, mine[0].id)
    assert mine[0].read_at == clock.now()
    with pytest.raises(Conflict):  # once
        award_notice.issue_notices(session, clock, world.tenderee, decided.id, signing(store))
    assert ledger.verify(session).ok


def test_no_notice_during_a_suspension(session, clock, store, world, decided):
    complaints.suspend(session, clock, world.supervisor, decided.tender_id, "核查举报。")
    with pytest.raises(Conflict, match="暂停"):
        award_notice.issue_notices(session, clock, world.tenderee, decided.id, signing(store))
    complaints.resume(session, clock, world.supervisor, decided.tender_id)
    award_notice.issue_notices(session, clock, world.tenderee, decided.id, signing(store))
    assert decided.status == "notified"


def test_no_notice_while_a_complaint_is_open(session, clock, store, world, decided):
    row = complaints.file_complaint(session, clock, world.bidders[1], decided.tender_id, "开标投诉", "开标时间有误。")
    with pytest.raises(Conflict, match="投诉"):
        award_notice.issue_notices(session, clock, world.tenderee, decided.id, signing(store))
    complaints.reject_complaint(session, clock, world.supervisor, row.id, "超过投诉期限。")
    award_notice.issue_notices(session, clock, world.tenderee, decided.id, signing(store))
    assert decided.status == "notified"


def test_no_notice_before_the_decision(session, clock, store, world):
    built = evaluated(session, clock, store, world)
    publish_candidates(session, clock, store, world, built.award)
    ensure_signing(session, clock, world, "tenderee")
    with pytest.raises(Conflict):
        award_notice.issue_notices(session, clock, world.tenderee, built.award.id, signing(store))


def test_shenzhen_rules_need_the_result_publicity_over_and_its_objection_answered(session, clock, store, world):
    found = decided_award(session, clock, store, world, **separated("price"))
    ensure_signing(session, clock, world, "tenderee", "agent")
    with pytest.raises(Conflict, match="公示中标结果"):
        award_notice.issue_notices(session, clock, world.tenderee, found.id, signing(store))
    shown = publicity.start_result(session, clock, world.agent, found.id, signing(store))
    with pytest.raises(Conflict, match="公示期"):  # a running publicity
        award_notice.issue_notices(session, clock, world.tenderee, found.id, signing(store))
    objection = award_objections.raise_objection(session, clock, world.bidders[0], shown.id, "定标结果有误。")
    end_publicity(session, clock, shown)
    with pytest.raises(Conflict, match="异议") as waiting:  # a notice with an unanswered objection
        award_notice.issue_notices(session, clock, world.tenderee, found.id, signing(store))
    assert waiting.value.rule == "条例第54条"
    award_objections.answer_objection(session, clock, world.agent, objection.id, "定标结果无误。")
    award_notice.issue_notices(session, clock, world.tenderee, found.id, signing(store))
    assert found.status == "notified"


def test_my_notices_is_for_bidders(session, clock, world):
    with pytest.raises(NotPermitted):
        award_notice.my_notices(session, world.agent)
    assert award_notice.my_notices(session, world.bidders[0]) == []
