"""The committee's result (domain-rules 5.3): means, dropping extremes, deviations, ranking, candidates; worked
examples and hypothesis properties."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bidding import aggregation
from bidding.aggregation import Options
from bidding.price_rules import LowestEvaluatedPrice

D = Decimal


def test_mean_after_dropping_the_highest_and_lowest_total():
    totals = {"e1": D("80"), "e2": D("82"), "e3": D("84"), "e4": D("86"), "e5": D("88"), "e6": D("60"), "e7": D("99")}
    final, dropped = aggregation.final_score(totals, drop_extremes=True)
    assert dropped == ("e7", "e6") and final == D("84.00")
    final, dropped = aggregation.final_score(totals, drop_extremes=False)
    assert dropped == () and final == D("82.71")  # 579 / 7 = 82.714…


def test_deviation_beyond_the_threshold_is_flagged_with_its_percentage():
    mean, found = aggregation.deviations({"e1": D("80"), "e2": D("80"), "e3": D("50")}, "b1", D(20))
    assert mean == D("70.00")
    assert [(d.scorer, d.deviation_pct) for d in found] == [("e3", D("-28.57"))]  # (50 − 70) / 70


def test_ties_go_to_the_lower_price_then_rank_jointly():
    ranking = aggregation.rank({"a": D("90"), "b": D("90"), "c": D("95"), "d": D("90")},
                               {"a": D("100"), "b": D("99"), "c": D("120"), "d": D("100")})
    assert ranking == [("c", 1, False), ("b", 2, False), ("a", 3, True), ("d", 3, True)]


def test_candidates_ranked_or_unranked():
    prices = {"a": D("100"), "b": D("101"), "c": D("102"), "d": D("103")}
    totals = {"a": {"e": D("70")}, "b": {"e": D("90")}, "c": {"e": D("80")}, "d": {"e": D("85")}}
    ranked = aggregation.committee_result(prices, totals, Options(candidates=3, ranked=True))
    assert ranked.candidates == ["b", "d", "c"]
    unranked = aggregation.committee_result(prices, totals, Options(candidates=3, ranked=False))
    assert unranked.candidates == ["b", "c", "d"]  # the same three, in opening order: nothing leaks the ranking
    assert [b.key for b in unranked.bidders] == ["b", "d", "c", "a"]


def test_lowest_price_result_wraps_the_ranking():
    ranked = LowestEvaluatedPrice().rank({"1": D("100"), "2": D("90"), "3": D("90")}, {"2": [D("5")]})
    result = aggregation.lowest_price_result(ranked, ["1", "2", "3"], Options(candidates=1))
    assert result.candidates == ["3"] and [b.final for b in result.bidders] == [D("90.00"), D("95.00"), D("100.00")]


def test_no_scorer_no_points():
    assert aggregation.final_score({}, True) == (D("0.00"), ())
    assert aggregation.deviation_pct(D(0), D(0)) == D("0.00")


# --- properties -------------------------------------------------------------------------------------------------------

points = st.decimals(min_value=D(0), max_value=D(100), places=2)
totals_st = st.dictionaries(st.integers(1, 15), points, min_size=1, max_size=15)


@given(totals_st, st.booleans())
def test_the_final_score_lies_within_the_lowest_and_highest_total(totals, drop):
    final, _ = aggregation.final_score(totals, drop)
    assert min(totals.values()) <= final <= max(totals.values())


@given(points, st.integers(1, 15))
def test_dropping_extremes_changes_nothing_when_all_experts_agree(value, scorers):
    totals = dict.fromkeys(range(scorers), value)
    assert aggregation.final_score(totals, True)[0] == aggregation.final_score(totals, False)[0] == value
    assert aggregation.deviations(totals, "b", D(1))[1] == []


@given(st.dictionaries(st.integers(1, 60), st.tuples(points, st.decimals(min_value=D(1), max_value=D(10**9), places=2)),
                       min_size=1, max_size=60))
def test_ranking_is_a_permutation_ordered_by_score_then_price(data):
    finals = {k: v[0] for k, v in data.items()}
    prices = {k: v[1] for k, v in data.items()}
    ranking = aggregation.rank(finals, prices)
    assert sorted(k for k, _, _ in ranking) == sorted(data)
    keys = [(-finals[k], prices[k]) for k, _, _ in ranking]
    assert keys == sorted(keys)
    ranks = [r for _, r, _ in ranking]
    assert ranks[0] == 1 and ranks == sorted(ranks) and all(1 <= r <= len(data) for r in ranks)


@given(st.dictionaries(st.integers(1, 20), st.dictionaries(st.integers(1, 9), points, min_size=1, max_size=9),
                       min_size=1, max_size=20), st.integers(1, 3), st.booleans())
def test_candidates_are_the_top_of_the_ranking(totals, count, ranked):
    prices = {k: D(1000 + k) for k in totals}
    result = aggregation.committee_result(prices, totals, Options(candidates=count, ranked=ranked))
    top = [b.key for b in result.bidders][:count]
    assert sorted(result.candidates) == sorted(top) and len(result.candidates) == min(count, len(totals))
    if ranked:
        assert result.candidates == top
