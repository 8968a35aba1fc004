"""The award workflow up to ``decided``: the report reaches the tenderee, who accepts it or sends it back; the ranked
award under 条例第55条; the five methods of 评定分离 run by the drawn committee; the award record signed by every
member and sealed by the tenderee; suspensions, wrong roles and the award deadline."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bidding import award, award_pool, award_record, award_state
from bidding.award_models import Award
from bidding.lifecycle import transition
from core.errors import Conflict, InvalidInput, NotPermitted, RuleViolation
from signing import ledger, pki, records, signed_records
from signing.verify import verify_pdf
from tests.bidding.awarding import (
    actor_of_member,
    decided_award,
    drawn,
    evaluated,
    separated,
    sign_by_all,
    to_deciding,
)
from tests.bidding.test_evaluation import chair_actor
from tests.world import SIGNING, ensure_signing, signing

EQUAL = {1: "9000000.00", 2: "9000000.00", 3: "9800000.00"}


def _check_signatures(session, clock, pdf: bytes, count: int) -> None:
    check = verify_pdf(pdf, pki.trust_roots(session), [pki.crl(session, clock, SIGNING)], clock.now())
    assert check.ok and len(check.signatures) == count, [p for s in check.signatures for p in s.problems]


def _keys(found: Award) -> list[int]:
    return [c["bidder_id"] for c in award.candidates(found)]


def _vote(session, clock, found: Award, choices: list[int]) -> None:
    for m, choice in zip(award.seated(found), choices, strict=True):
        award.cast_vote(session, clock, actor_of_member(session, m.user_id), found.id, choice)
    session.commit()


# --- the report reaches the tenderee ----------------------------------------------------------------------------------


def test_the_closed_evaluation_starts_the_award_in_review_with_its_candidates(session, clock, store, world):
    built = evaluated(session, clock, store, world)
    found = built.award
    assert (found.status, found.mode, found.method, found.rule_set, found.attempt) == (
        "review", "ranked", "", "national", 1)
    listed = award.candidates(found)
    assert [c["name"] for c in listed] == ["投标公司2", "投标公司1", "投标公司3"]  # lowest evaluated price first
    assert [c["rank"] for c in listed] == [1, 2, 3] and listed[0]["price"] == "9000000.00"
    assert {c["bidder_id"] for c in listed} <= {b.id for b in built.evaluation.bidders}
    assert built.tender.status == "awarding"
    assert award.receive_report(session, clock, built.evaluation) is found  # idempotent
    # every bid rejected: no candidate, no award (法第42条)
    found.status = "void"
    result = json.loads(built.evaluation.result)
    built.evaluation.result = json.dumps({**result, "candidates": []})
    assert award.receive_report(session, clock, built.evaluation) is None


def test_separated_candidates_are_unranked(session, clock, store, world):
    built = evaluated(session, clock, store, world, **separated("lottery"))
    assert built.award.mode == "separated" and built.award.method == "lottery"
    assert [c["rank"] for c in award.candidates(built.award)] == [None, None, None]


def test_the_tenderee_returns_the_report_for_an_error_and_the_evaluation_chair_answers(session, clock, store, world):
    built = evaluated(session, clock, store, world)
    found = built.award
    with pytest.raises(NotPermitted):
        award.return_report(session, clock, world.agent, found.id, "报价汇总有误")
    with pytest.raises(InvalidInput):
        award.return_report(session, clock, world.tenderee, found.id, "  ")
    row = award.return_report(session, clock, world.tenderee, found.id, "投标公司1的报价汇总与开标记录不一致")
    assert found.status == "returned" and row.error.startswith("投标公司1")
    with pytest.raises(Conflict):  # nothing is accepted while it is back with the committee
        award.accept_report(session, clock, world.tenderee, found.id)
    with pytest.raises(NotPermitted):  # only the evaluation chair answers
        award.answer_return(session, clock, world.tenderee, found.id, "已更正", True)
    award.answer_return(session, clock, chair_actor(built.room, built.evaluation), found.id, "系笔误，已更正", True)
    assert found.status == "review" and row.corrected is True and row.answered_at == clock.now()
    with pytest.raises(NotPermitted):
        award.accept_report(session, clock, world.agent, found.id)
    award.accept_report(session, clock, world.tenderee, found.id)
    assert found.status == "accepted" and found.accepted_at == clock.now()
    actions = [e.action for e in ledger.entries(session) if e.action.startswith("award.")]
    assert actions[-3:] == ["award.return", "award.answer", "award.accept"]


def test_nothing_moves_while_the_tender_is_suspended(session, clock, store, world):
    built = evaluated(session, clock, store, world)
    transition(session, clock, world.supervisor, built.tender, built.tender.status, "suspended", "tender.suspend")
    with pytest.raises(Conflict, match="暂停"):
        award.accept_report(session, clock, world.tenderee, built.award.id)
    with pytest.raises(Conflict, match="暂停"):
        award.return_report(session, clock, world.tenderee, built.award.id, "错误")


def test_the_award_is_due_within_the_rule_sets_days_of_acceptance(session, clock, store, world):
    built = evaluated(session, clock, store, world)
    assert award.award_due(built.award) is None
    to_deciding(session, clock, world, built.award)
    assert award.award_due(built.award) == built.award.accepted_at + timedelta(days=10)
    assert award.overdue_awards(session, clock) == []
    clock.advance(timedelta(days=10, minutes=1))
    assert award.overdue_awards(session, clock) == [built.award]


# --- ranked mode (条例第55条) -----------------------------------------------------------------------------------------


def test_no_award_before_the_report_is_accepted_and_the_publicity_is_over(session, clock, store, world):
    built = evaluated(session, clock, store, world)
    ensure_signing(session, clock, world, "tenderee")
    first = _keys(built.award)[0]
    with pytest.raises(Conflict):
        award.decide_ranked(session, clock, world.tenderee, built.award.id, first, "", signing(store))
    award.accept_report(session, clock, world.tenderee, built.award.id)
    with pytest.raises(Conflict):
        award.decide_ranked(session, clock, world.tenderee, built.award.id, first, "", signing(store))


def test_a_state_funded_tender_takes_the_first_ranked_unless_it_dropped_out(session, clock, store, world):
    built = evaluated(session, clock, store, world)
    found = to_deciding(session, clock, world, built.award)
    ensure_signing(session, clock, world, "tenderee", "agent")
    first, second, _ = _keys(found)
    with pytest.raises(RuleViolation, match="条例第55条"):
        award.decide_ranked(session, clock, world.tenderee, found.id, second, "第二名技术方案更好", signing(store))
    with pytest.raises(RuleViolation, match="法第40条"):
        award.decide_ranked(session, clock, world.tenderee, found.id, 999999, "", signing(store))
    with pytest.raises(NotPermitted):
        award.decide_ranked(session, clock, world.agent, found.id, first, "", signing(store))
    with pytest.raises(InvalidInput):
        award.decide_ranked(session, clock, world.tenderee, found.id, second, "", signing(store),
                            dropouts={first: ("changed_mind", "不想要")})
    award.decide_ranked(session, clock, world.tenderee, found.id, second, "排名第一的候选人放弃中标", signing(store),
                        dropouts={first: ("gave_up", "2026年3月1日书面声明放弃中标")})
    session.commit()
    assert found.status == "decided" and found.winner_bidder_id == second and found.decided_at == clock.now()
    assert found.winner_org_id == award.candidates(found)[1]["org_id"]
    _check_signatures(session, clock, award.award_record_pdf(session, world.agent, found.id, store), 1)
    record = signed_records.get(session, found.record_id)
    assert record.kind == "award_record" and record.subject_id == found.id
    content = records.canonical_content(award_record.build_record(award_record.record_data(session, found), record.id))
    assert "放弃中标" in content and "书面声明放弃中标" in content and "条例第55条" in content
    with pytest.raises(NotPermitted):
        award.award_record_pdf(session, world.bidders[0], found.id, store)


def test_a_non_state_funded_tender_may_take_another_candidate_with_a_written_reason(session, clock, store, world):
    built = evaluated(session, clock, store, world, is_state_funded=False)
    found = to_deciding(session, clock, world, built.award)
    ensure_signing(session, clock, world, "tenderee")
    third = _keys(found)[2]
    with pytest.raises(InvalidInput):
        award.decide_ranked(session, clock, world.tenderee, found.id, third, " ", signing(store))
    award.decide_ranked(session, clock, world.tenderee, found.id, third, "工期承诺更短", signing(store))
    assert found.status == "decided" and found.winner_bidder_id == third and found.reason == "工期承诺更短"


def test_ranked_helper_decides_the_first(session, clock, store, world):
    found = decided_award(session, clock, store, world)
    assert found.winner_bidder_id == _keys(found)[0] and found.tender.status in ("awarding", "publicity")


# --- separated mode: the five methods ---------------------------------------------------------------------------------


def test_the_vote_refusals_and_a_winner_signed_by_every_member_and_sealed(session, clock, store, world):
    built = evaluated(session, clock, store, world, **separated("vote"))
    found = drawn(session, clock, world, built, declare=False)
    keys = _keys(found)
    seated = award.seated(found)
    voter = actor_of_member(session, seated[0].user_id)
    with pytest.raises(Conflict, match="回避声明"):  # before every seated member declared
        award.cast_vote(session, clock, voter, found.id, keys[0])
    for m in seated:
        award_pool.declare(session, clock, actor_of_member(session, m.user_id), found.id)
    with pytest.raises(NotPermitted):  # not a member
        award.cast_vote(session, clock, world.tenderee, found.id, keys[0])
    backup = next(m for m in found.members if m.status == "backup")
    with pytest.raises(NotPermitted):  # a backup does not vote
        award.cast_vote(session, clock, actor_of_member(session, backup.user_id), found.id, keys[0])
    with pytest.raises(RuleViolation):  # not a candidate
        award.cast_vote(session, clock, voter, found.id, 999999)
    award.cast_vote(session, clock, voter, found.id, keys[0])
    with pytest.raises(Conflict):  # twice in one round
        award.cast_vote(session, clock, voter, found.id, keys[1])
    with pytest.raises(Conflict):  # the record waits for the winner
        award.sign_award_record(session, clock, voter, found.id, signing(store))
    for m, choice in zip(seated[1:], [keys[0], keys[0], keys[1], keys[2]], strict=True):
        award.cast_vote(session, clock, actor_of_member(session, m.user_id), found.id, choice)
    session.commit()
    assert found.winner_bidder_id == keys[0] and found.status == "deciding"
    decision = json.loads(found.decision)
    assert decision["rounds"][0]["tally"] == {str(keys[0]): 3, str(keys[1]): 1, str(keys[2]): 1}
    with pytest.raises(Conflict):  # decided already
        award.cast_vote(session, clock, voter, found.id, keys[0])

    second = actor_of_member(session, seated[1].user_id)
    with pytest.raises(Conflict, match="组长"):  # the chair signs first
        award.sign_award_record(session, clock, second, found.id, signing(store))
    award.sign_award_record(session, clock, actor_of_member(session, award.chair(found).user_id), found.id,
                            signing(store))
    with pytest.raises(Conflict):  # the tenderee seals after every member
        award.seal_award_record(session, clock, world.tenderee, found.id, signing(store))
    with pytest.raises(NotPermitted):  # managers see the record once the members have signed
        award.award_record_pdf(session, world.agent, found.id, store)
    assert award.award_record_pdf(session, world.supervisor, found.id, store)
    for m in seated[1:]:
        award.sign_award_record(session, clock, actor_of_member(session, m.user_id), found.id, signing(store))
    with pytest.raises(Conflict):
        award.sign_award_record(session, clock, second, found.id, signing(store))
    with pytest.raises(NotPermitted):
        award.seal_award_record(session, clock, world.agent, found.id, signing(store))
    ensure_signing(session, clock, world, "tenderee")
    award.seal_award_record(session, clock, world.tenderee, found.id, signing(store))
    session.commit()
    assert found.status == "decided" and found.decided_at == clock.now() and found.seed_revealed_at
    _check_signatures(session, clock, award.award_record_pdf(session, world.agent, found.id, store), 6)
    content = records.canonical_content(award_record.build_record(award_record.record_data(session, found),
                                                                  found.record_id))
    for expected in ("票决法", "定标委员1" if any(m.name == "定标委员1" for m in seated) else seated[0].name,
                     "计票", found.seed_commitment, "无利害关系", "招标人（盖章）"):
        assert expected in content, expected
    assert records.content_digest(award_record.build_record(award_record.record_data(session, found),
                                                            found.record_id)) == signed_records.get(
        session, found.record_id).content_sha256
    assert ledger.verify(session).ok


def test_a_tie_after_the_last_round_goes_to_a_committed_lottery(session, clock, store, world):
    built = evaluated(session, clock, store, world, **separated("vote", max_rounds=1, tie="lottery"))
    found = drawn(session, clock, world, built)
    a, b, c = _keys(found)
    _vote(session, clock, found, [a, a, b, b, c])
    assert award.phase(session, found).step == "lottery" and found.winner_bidder_id is None
    with pytest.raises(Conflict):  # the seed is committed first
        award.draw_lottery(session, clock, world.tenderee, found.id)
    with pytest.raises(NotPermitted):  # an ordinary member does not run the lottery
        award.commit_lottery(session, clock, actor_of_member(session, award.seated(found)[1].user_id), found.id)
    commitment = award.commit_lottery(session, clock, world.tenderee, found.id)
    entry = [e for e in ledger.entries(session) if e.action == "award.lottery_commit"][-1]
    assert entry.data["after"]["commitment"] == commitment and set(entry.data["after"]["pool"]) == {str(a), str(b)}
    drawn_lot = award.draw_lottery(session, clock, world.tenderee, found.id)
    assert drawn_lot.commitment == commitment and drawn_lot.winner in (str(a), str(b))
    assert found.winner_bidder_id == int(drawn_lot.winner)
    assert json.loads(found.decision)["lottery"]["seed"] == found.lottery_seed_hex
    sign_by_all(session, clock, store, world, found)
    assert found.status == "decided"


def test_a_tie_revotes_among_the_tied_and_the_chair_settles_the_last(session, clock, store, world):
    built = evaluated(session, clock, store, world, **separated("vote", max_rounds=2, tie="chair", majority="absolute"))
    found = drawn(session, clock, world, built)
    a, b, c = _keys(found)
    _vote(session, clock, found, [a, a, b, b, c])
    state = award.phase(session, found)
    assert state.step == "vote" and set(state.pool) == {str(a), str(b)} and found.vote_round == 2
    with pytest.raises(InvalidInput):  # eliminated
        award.cast_vote(session, clock, actor_of_member(session, award.seated(found)[0].user_id), found.id, c)
    _vote(session, clock, found, [a, b, a, a, b])
    assert found.winner_bidder_id == a


def test_the_chair_decides_a_tie_when_the_rule_says_so(session, clock, store, world):
    built = evaluated(session, clock, store, world, **separated("vote", max_rounds=1, tie="chair"))
    found = drawn(session, clock, world, built)
    a, b, c = _keys(found)
    _vote(session, clock, found, [a, a, b, b, c])
    lead = actor_of_member(session, award.chair(found).user_id)
    with pytest.raises(NotPermitted):
        award.chair_decide(session, clock, actor_of_member(session, award.seated(found)[1].user_id), found.id, a, "x")
    with pytest.raises(InvalidInput):  # only among the tied
        award.chair_decide(session, clock, lead, found.id, c, "报价最低")
    award.chair_decide(session, clock, lead, found.id, b, "技术方案更优")
    assert found.winner_bidder_id == b and json.loads(found.decision)["chair"]["statement"] == "技术方案更优"


def test_the_lottery_method_draws_among_all_candidates(session, clock, store, world):
    built = evaluated(session, clock, store, world, **separated("lottery"))
    found = drawn(session, clock, world, built)
    lead = actor_of_member(session, award.chair(found).user_id)
    award.commit_lottery(session, clock, lead, found.id)  # the chair may run it
    with pytest.raises(Conflict):
        award.commit_lottery(session, clock, lead, found.id)
    result = award.draw_lottery(session, clock, lead, found.id)
    assert set(result.order) == {str(k) for k in _keys(found)} and found.winner_bidder_id == int(result.winner)


def test_vote_then_lottery_shortlists_by_votes_then_draws(session, clock, store, world):
    built = evaluated(session, clock, store, world, **separated("vote_lottery", shortlist=2))
    found = drawn(session, clock, world, built)
    a, b, c = _keys(found)
    _vote(session, clock, found, [a, a, a, b, b])
    state = award.phase(session, found)
    assert state.step == "lottery" and set(state.pool) == {str(a), str(b)}
    assert state.evidence["shortlist"]["dropped"] == [str(c)]
    award.commit_lottery(session, clock, world.tenderee, found.id)
    award.draw_lottery(session, clock, world.tenderee, found.id)
    assert found.winner_bidder_id in (a, b)


def test_the_price_method_takes_the_lowest_price_at_once(session, clock, store, world):
    built = evaluated(session, clock, store, world, **separated("price"))
    found = drawn(session, clock, world, built)
    with pytest.raises(Conflict):  # the method is the price
        award.cast_vote(session, clock, actor_of_member(session, award.seated(found)[0].user_id), found.id,
                        _keys(found)[0])
    award.decide_by_price(session, clock, world.tenderee, found.id)
    lowest = min(award.candidates(found), key=lambda c: float(c["price"]))
    assert found.winner_bidder_id == lowest["bidder_id"] and lowest["name"] == "投标公司2"


def test_equal_lowest_prices_go_to_the_lottery(session, clock, store, world):
    built = evaluated(session, clock, store, world, prices=EQUAL, **separated("price", tie="lottery"))
    found = drawn(session, clock, world, built)
    state = award.decide_by_price(session, clock, world.tenderee, found.id)
    assert state.step == "lottery" and len(state.pool) == 2 and found.winner_bidder_id is None
    award.commit_lottery(session, clock, world.tenderee, found.id)
    award.draw_lottery(session, clock, world.tenderee, found.id)
    assert str(found.winner_bidder_id) in state.pool


def test_equal_lowest_prices_may_go_to_a_vote_among_the_tied(session, clock, store, world):
    built = evaluated(session, clock, store, world, prices=EQUAL, **separated("price", tie="vote"))
    found = drawn(session, clock, world, built)
    state = award.decide_by_price(session, clock, world.tenderee, found.id)
    assert state.step == "vote"
    a, b = (int(k) for k in state.pool)
    _vote(session, clock, found, [a, a, a, b, b])
    assert found.winner_bidder_id == a


def test_deliberation_needs_every_opinion_before_the_chair_decides(session, clock, store, world):
    built = evaluated(session, clock, store, world, **separated("deliberation"))
    found = drawn(session, clock, world, built)
    a, b, _ = _keys(found)
    lead = actor_of_member(session, award.chair(found).user_id)
    seated = award.seated(found)
    with pytest.raises(InvalidInput):
        award.record_opinion(session, clock, actor_of_member(session, seated[0].user_id), found.id, a, " ")
    with pytest.raises(RuleViolation):
        award.record_opinion(session, clock, actor_of_member(session, seated[0].user_id), found.id, 999999, "好")
    for m in seated[:-1]:
        award.record_opinion(session, clock, actor_of_member(session, m.user_id), found.id, a, "施工组织设计最优")
    with pytest.raises(Conflict, match="未发表意见"):
        award.chair_decide(session, clock, lead, found.id, a, "综合各成员意见")
    award.record_opinion(session, clock, actor_of_member(session, seated[-1].user_id), found.id, b, "报价更低")
    with pytest.raises(NotPermitted):
        award.chair_decide(session, clock, actor_of_member(session, seated[-1].user_id), found.id, a, "x")
    with pytest.raises(RuleViolation):
        award.chair_decide(session, clock, lead, found.id, 999999, "综合各成员意见")
    award.chair_decide(session, clock, lead, found.id, a, "综合各成员意见，确定技术最优者")
    assert found.winner_bidder_id == a
    sign_by_all(session, clock, store, world, found)
    content = records.canonical_content(award_record.build_record(award_record.record_data(session, found),
                                                                  found.record_id))
    assert "施工组织设计最优" in content and "报价更低" in content and "确定技术最优者" in content


def test_the_committee_cannot_act_while_the_tender_is_suspended(session, clock, store, world):
    built = evaluated(session, clock, store, world, **separated("price"))
    found = drawn(session, clock, world, built)
    transition(session, clock, world.supervisor, built.tender, built.tender.status, "suspended", "tender.suspend")
    with pytest.raises(Conflict, match="暂停"):
        award.decide_by_price(session, clock, world.tenderee, found.id)


def test_a_ranked_tender_has_no_committee_and_a_separated_one_no_tenderee_decision(session, clock, store, world):
    built = evaluated(session, clock, store, world, **separated("vote"))
    found = drawn(session, clock, world, built)
    ensure_signing(session, clock, world, "tenderee")
    with pytest.raises(Conflict, match="评定分离"):
        award.decide_ranked(session, clock, world.tenderee, found.id, _keys(found)[0], "", signing(store))


def test_decided_award_helper_runs_every_method(session, clock, store, world):
    found = decided_award(session, clock, store, world, **separated("deliberation"))
    assert found.status == "decided" and award_state.current_award(session, found.section_id) is found
