"""Publicity (公示, 条例第54条) and objections (异议): the candidates are published for at least 3 days as a signed
record; only a bidder of the section objects, only while the publicity runs; the award waits for every answer and
for the period's end, then the scheduler (or the last answer) moves it to deciding; a late start is flagged."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bidding import award_objections, award_state, complaints, publicity
from bidding.award_models import Publicity
from core.errors import Conflict, DeadlinePassed, InvalidInput, NotPermitted, RuleViolation
from signing import ledger, pki, records, signed_records
from signing.verify import verify_pdf
from tests.bidding.awarding import accept, evaluated, separated
from tests.bidding.publicizing import end_publicity, publish_candidates
from tests.world import SIGNING, ensure_signing, signing


@pytest.fixture
def built(session, clock, store, world):
    return evaluated(session, clock, store, world)


def test_candidates_publicity_is_a_signed_record_with_the_objection_channel(session, clock, store, world, built):
    found = accept(session, clock, world, built.award)
    ensure_signing(session, clock, world, "agent")
    shown = publicity.start_candidates(session, clock, world.agent, found.id, 3, signing(store))
    session.commit()
    assert found.status == "candidates_publicity" and built.tender.status == "publicity"
    assert shown.kind == "candidates" and shown.ends_at == shown.starts_at + timedelta(days=3)
    pdf = publicity.publicity_pdf(session, shown.id, store)
    check = verify_pdf(pdf, pki.trust_roots(session), [pki.crl(session, clock, SIGNING)], clock.now())
    assert check.ok and len(check.signatures) == 1, [p for s in check.signatures for p in s.problems]
    record = signed_records.get(session, shown.record_id)
    assert record.kind == "publicity" and record.subject_id == found.id
    rebuilt = publicity.candidates_record(session, found, record.id, shown.starts_at, shown.ends_at, world.agent.name)
    assert records.content_digest(rebuilt) == record.content_sha256
    content = records.canonical_content(rebuilt)
    for expected in ("中标候选人公示", "排名", "投标公司", "评标情况", "提出异议的渠道和方式", "第五十四条",
                     "9,000,000.00"):
        assert expected in content, expected
    assert [p.id for p in publicity.public_publicities(session)] == [shown.id]
    assert ledger.verify(session).ok


def test_publicity_refusals(session, clock, store, world, built):
    found = built.award
    ensure_signing(session, clock, world, "agent")
    with pytest.raises(Conflict):  # the report is not accepted yet
        publicity.start_candidates(session, clock, world.agent, found.id, 3, signing(store))
    accept(session, clock, world, found)
    with pytest.raises(RuleViolation) as short:
        publicity.start_candidates(session, clock, world.agent, found.id, 2, signing(store))
    assert short.value.rule == "条例第54条"
    for bad in (0, -3, 31, "3", True):
        with pytest.raises((InvalidInput, RuleViolation)):
            publicity.start_candidates(session, clock, world.agent, found.id, bad, signing(store))
    for outsider in (world.bidders[0], world.other_agent, world.supervisor, world.expert):
        with pytest.raises(NotPermitted):
            publicity.start_candidates(session, clock, outsider, found.id, 3, signing(store))
    with pytest.raises(Conflict):  # no result publicity under the national rules
        publicity.start_result(session, clock, world.agent, found.id, signing(store))
    assert found.status == "accepted" and not session.query(Publicity).count()


def test_the_award_moves_to_deciding_when_the_period_ends_and_only_then(session, clock, store, world, built):
    shown = publish_candidates(session, clock, store, world, built.award, days=5)
    clock.advance(timedelta(days=4, hours=23))
    assert publicity.close_due(session, clock) == [] and built.award.status == "candidates_publicity"
    clock.set(shown.ends_at)
    assert publicity.close_due(session, clock) == [shown.id]
    assert shown.status == "ended" and built.award.status == "deciding" and built.tender.status == "publicity"
    assert publicity.close_due(session, clock) == []  # idempotent
    assert [e.action for e in ledger.entries(session)].count("publicity.end") == 1


def test_an_objection_by_a_bidder_of_the_section_holds_the_award_until_answered(session, clock, store, world, built):
    shown = publish_candidates(session, clock, store, world, built.award)
    clock.advance(timedelta(days=1))
    objection = award_objections.raise_objection(session, clock, world.bidders[2], shown.id,
                                                 "第一中标候选人的项目经理在建项目未完工，请核查。")
    assert objection.answer_due == clock.now() + timedelta(days=3)
    end_publicity(session, clock, shown)
    assert shown.status == "ended" and built.award.status == "candidates_publicity"  # waits for the answer
    assert [o.id for o in award_objections.objections_of(session, world.supervisor, built.award.id)] == [objection.id]
    assert [o.id for o in award_objections.objections_of(session, world.bidders[2], built.award.id)] == [objection.id]
    assert award_objections.objections_of(session, world.bidders[0], built.award.id) == []
    assert award_objections.objections_of(session, world.expert, built.award.id) == []
    with pytest.raises(NotPermitted):
        award_objections.answer_objection(session, clock, world.bidders[0], objection.id, "无")
    with pytest.raises(InvalidInput):
        award_objections.answer_objection(session, clock, world.tenderee, objection.id, " ")
    award_objections.answer_objection(session, clock, world.tenderee, objection.id, "经核查，该项目已竣工验收。")
    assert built.award.status == "deciding"  # the answer was the last thing it waited for
    with pytest.raises(Conflict):  # answered once
        award_objections.answer_objection(session, clock, world.agent, objection.id, "再答一次")


def test_an_objection_after_the_period_or_by_an_outsider_is_refused(session, clock, store, world, built):
    shown = publish_candidates(session, clock, store, world, built.award)
    for outsider in (world.agent, world.tenderee, world.supervisor, world.expert):
        with pytest.raises(NotPermitted):
            award_objections.raise_objection(session, clock, outsider, shown.id, "我有异议。")
    with pytest.raises(InvalidInput):
        award_objections.raise_objection(session, clock, world.bidders[1], shown.id, "")
    with pytest.raises(InvalidInput):
        award_objections.raise_objection(session, clock, world.bidders[1], shown.id, "长" * 5001)
    clock.set(shown.ends_at)  # by the server's clock, even before the scheduler ran
    with pytest.raises(DeadlinePassed) as late:
        award_objections.raise_objection(session, clock, world.bidders[1], shown.id, "公示结束后的异议。")
    assert late.value.rule == "条例第54条"
    assert award_objections.objections_of(session, world.tenderee, built.award.id) == []


def test_a_suspension_holds_the_award_and_the_resume_releases_it(session, clock, store, world, built):
    shown = publish_candidates(session, clock, store, world, built.award)
    complaints.suspend(session, clock, world.supervisor, built.tender.id, "接到举报，暂停核查。")
    assert built.tender.status == "suspended" and built.tender.resume_status == "publicity"
    end_publicity(session, clock, shown)
    assert shown.status == "ended" and built.award.status == "candidates_publicity"
    complaints.resume(session, clock, world.supervisor, built.tender.id)
    assert built.tender.status == "publicity" and built.award.status == "deciding"


def test_a_late_start_is_allowed_but_flagged_for_the_supervisor(session, clock, store, world, built):
    accept(session, clock, world, built.award)
    clock.advance(timedelta(days=3, hours=1))
    assert [x.award_id for x in publicity.late_publicities(session, clock, world.supervisor)] == [built.award.id]
    with pytest.raises(NotPermitted):
        publicity.late_publicities(session, clock, world.agent)
    shown = publish_candidates(session, clock, store, world, built.award)
    late = publicity.late_publicities(session, clock, world.supervisor)
    assert late[0].started_at == shown.starts_at and late[0].days_late == 1
    entry = next(e for e in ledger.entries(session) if e.action == "award.publicity")
    assert entry.data["after"]["late"] is True


def test_result_publicity_under_the_shenzhen_rules(session, clock, store, world):
    from tests.bidding.publicizing import decided_after_publicity

    found = decided_after_publicity(session, clock, store, world, **separated("price"))
    with pytest.raises(RuleViolation):
        publicity.start_result(session, clock, world.agent, found.id, signing(store), days=2)
    shown = publicity.start_result(session, clock, world.agent, found.id, signing(store))
    session.commit()
    assert found.status == "result_publicity" and shown.kind == "result"
    assert shown.ends_at == shown.starts_at + timedelta(days=3)
    content = records.canonical_content(publicity.result_record(found, shown.record_id, shown.starts_at,
                                                                shown.ends_at, world.agent.name))
    assert "中标结果公示" in content and found.winner.name in content and "定标委员会成员" in content
    objection = award_objections.raise_objection(session, clock, world.bidders[1], shown.id, "对定标结果有异议。")
    end_publicity(session, clock, shown)
    assert found.status == "result_publicity" and award_state.get_award(session, found.id) is found
    assert objection.answer is None
