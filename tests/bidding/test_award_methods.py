"""The award methods of 评定分离 as pure strategies: the vote and its rounds, the lottery, the price, the vote that
shortlists for a lottery, and the deliberation; each says what happened so the record can print it."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bidding import award_methods as m
from core.errors import Conflict, InvalidInput

CANDIDATES = ("11", "12", "13")
ballots_of = st.lists(st.sampled_from(CANDIDATES), min_size=1, max_size=9)


def test_a_simple_majority_takes_the_most_votes_alone_at_the_top():
    r = m.close_round(1, CANDIDATES, ["11", "11", "12", "13", "12", "11", "13"], majority="simple")
    assert r.outcome == "winner" and r.winner == "11" and r.tally == {"11": 3, "12": 2, "13": 2}


def test_an_absolute_majority_needs_more_than_half_of_the_votes_cast():
    r = m.close_round(1, CANDIDATES, ["11", "11", "12", "13", "12"], majority="absolute", max_rounds=3)
    assert r.outcome == "revote" and r.winner is None
    assert r.next_eligible == ("11", "12") and r.eliminated == ("13",)  # the leader and the runner-up vote again
    second = m.close_round(2, r.next_eligible, ["11", "11", "11", "12", "12"], majority="absolute")
    assert second.outcome == "winner" and second.winner == "11"


def test_a_tie_revotes_among_the_tied_then_the_tie_rule_settles_it():
    tied = ["11", "11", "12", "12", "13"]
    assert m.close_round(1, CANDIDATES, tied, majority="simple", max_rounds=2).outcome == "revote"
    last = m.close_round(2, CANDIDATES, tied, majority="simple", max_rounds=2, tie="chair")
    assert last.outcome == "chair" and last.tied == ("11", "12")
    assert m.close_round(1, CANDIDATES, tied, majority="simple", max_rounds=1, tie="lottery").outcome == "lottery"
    # 'revote' has no settling rule of its own: settled by lot after the last round
    assert m.close_round(1, CANDIDATES, tied, majority="simple", max_rounds=1, tie="revote").outcome == "lottery"


def test_a_vote_for_a_non_candidate_or_no_ballots_is_refused():
    with pytest.raises(InvalidInput):
        m.close_round(1, CANDIDATES, ["99"])
    with pytest.raises(InvalidInput):
        m.close_round(1, CANDIDATES, [])
    with pytest.raises(InvalidInput):
        m.close_round(1, CANDIDATES, ["11"], majority="most")
    with pytest.raises(InvalidInput):
        m.close_round(1, ("11", "11"), ["11"])


@given(ballots_of, st.sampled_from(m.MAJORITIES), st.integers(1, 3), st.integers(1, 5))
def test_every_round_accounts_for_every_ballot_and_says_what_follows(ballots, majority, number, max_rounds):
    r = m.close_round(number, CANDIDATES, ballots, majority=majority, max_rounds=max_rounds, tie="lottery")
    assert sum(r.tally.values()) == len(ballots) == r.votes_cast
    if r.outcome == "winner":
        assert r.tally[r.winner] == max(r.tally.values())
        assert [k for k, v in r.tally.items() if v == r.tally[r.winner]] == [r.winner]
        if majority == "absolute":
            assert r.tally[r.winner] * 2 > len(ballots)
    else:
        assert len(r.tied) >= 2 and set(r.tied) | set(r.eliminated) == set(CANDIDATES)
        assert r.outcome == ("revote" if number < max_rounds else "lottery")


@given(st.binary(min_size=32, max_size=32), st.permutations(CANDIDATES))
def test_the_lottery_is_the_smallest_hmac_and_re_runs_from_the_seed_in_any_order(seed, order):
    drawn = m.lottery(seed, order)
    expected = min(CANDIDATES, key=lambda c: hmac.new(seed, f"lottery:{c}".encode(), hashlib.sha256).hexdigest())
    assert drawn.winner == expected == m.lottery(seed, CANDIDATES).winner
    assert drawn.commitment == hashlib.sha256(seed).hexdigest() and drawn.seed_hex == seed.hex()
    assert set(drawn.order) == set(CANDIDATES) and drawn.order[0] == drawn.winner


def test_the_lowest_price_wins_and_equal_prices_go_to_the_tie_rule():
    assert m.price({"11": "9500000.00", "12": "9000000", "13": "9800000.00"}).winner == "12"
    tied = m.price({"11": "9000000.00", "12": "9000000", "13": "9800000.00"}, tie="vote")
    assert tied.winner is None and tied.tied == ("11", "12") and tied.next == "vote"
    assert m.price({"11": "1", "12": "1"}).next == "lottery"
    with pytest.raises(InvalidInput):
        m.price({"11": None, "12": "1"})
    with pytest.raises(InvalidInput):
        m.price({"11": "1"}, tie="chair")


@given(st.lists(st.sampled_from(CANDIDATES), min_size=1, max_size=9), st.integers(1, 3))
def test_the_shortlist_holds_the_most_voted_and_everyone_tied_at_the_cut_off(ballots, size):
    s = m.shortlist(CANDIDATES, ballots, size)
    assert len(s.shortlist) >= min(size, len(CANDIDATES))
    assert all(s.tally[k] >= s.cutoff for k in s.shortlist) and all(s.tally[k] < s.cutoff for k in s.dropped)


def test_a_shortlist_of_two_with_a_tie_at_the_cut_off_takes_three():
    s = m.shortlist(CANDIDATES, ["11", "11", "11", "12", "13"], 2)
    assert s.shortlist == ("11", "12", "13") and s.cutoff == 1
    assert m.shortlist(CANDIDATES, ["11", "11", "12", "12", "13"], 2).shortlist == ("11", "12")


def test_the_chair_decides_a_deliberation_only_after_every_opinion_and_only_for_a_candidate():
    opinions = {"1": ("11", "技术方案最优"), "2": ("12", "报价较低")}
    with pytest.raises(Conflict):
        m.deliberation(CANDIDATES, ["1", "2", "3"], opinions, "11", "综合考虑")
    opinions["3"] = ("11", "业绩更好")
    with pytest.raises(InvalidInput):
        m.deliberation(CANDIDATES, ["1", "2", "3"], opinions, "99", "综合考虑")
    with pytest.raises(InvalidInput):
        m.deliberation(CANDIDATES, ["1", "2", "3"], opinions, "11", " ")
    d = m.deliberation(CANDIDATES, ["1", "2", "3"], opinions, "12", "组长综合报价因素决定")
    assert d.winner == "12" and d.favoured == {"11": 2, "12": 1, "13": 0} and d.as_json()["statement"]


def test_replay_closes_complete_rounds_only():
    h = m.replay(CANDIDATES, {1: ["11", "12"]}, 3, majority="simple", max_rounds=2, tie="chair")
    assert h.pending == "vote" and not h.rounds and h.eligible == CANDIDATES
    h = m.replay(CANDIDATES, {1: ["11", "12", "13"], 2: ["11", "12", "12"]}, 3, majority="simple", max_rounds=2,
                 tie="chair")
    assert [r.outcome for r in h.rounds] == ["revote", "winner"] and h.winner == "12"
