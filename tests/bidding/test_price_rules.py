"""Price formulas (domain-rules 5.2): 评标基准价, 偏差率, price score, the lowest evaluated price; worked examples
as a tender document would print them, and hypothesis properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bidding import price_rules
from bidding.price_rules import LowestEvaluatedPrice, MeanDeviationRule
from core.errors import InvalidInput

D = Decimal


def rule(**kw) -> MeanDeviationRule:
    values = {"full_marks": D(40), "e_above": D(2), "e_below": D(1)}
    values.update(kw)
    return MeanDeviationRule(**values)


def test_worked_example_mean_with_k():
    # four valid prices, mean 1,000,000.00; K = 2% -> base 980,000.00
    computed = rule(k=D("0.02")).compute({"a": D("900000"), "b": D("1000000"), "c": D("1050000"), "d": D("1050000")})
    assert computed.mean == D("1000000.00") and computed.base == D("980000.00")
    a, c = computed.scores["a"], computed.scores["c"]
    # (900000 − 980000) / 980000 × 100 = −8.163… → −8.16%, below: 40 − 8.16 × 1 = 31.84
    assert a.deviation_pct == D("-8.16") and a.score == D("31.84")
    # (1050000 − 980000) / 980000 × 100 = 7.142… → 7.14%, above: 40 − 7.14 × 2 = 25.72
    assert c.deviation_pct == D("7.14") and c.score == D("25.72")
    assert computed.as_json()["rule"] == {"name": "mean_deviation", "version": 1, "full_marks": "40", "e_above": "2",
                                          "e_below": "1", "k": "0.02", "drop_extremes_from": None}


def test_highest_and_lowest_are_dropped_from_the_mean_once_there_are_enough():
    prices = {"a": D("100"), "b": D("200"), "c": D("210"), "d": D("220"), "e": D("900")}
    computed = rule(drop_extremes_from=5).compute(prices)
    assert computed.dropped == ["a", "e"] and computed.used_prices == ["b", "c", "d"]
    assert computed.base == D("210.00")
    assert rule(drop_extremes_from=6).compute(prices).dropped == []  # only 5 valid prices


def test_score_is_floored_at_zero_and_rounded_half_up():
    r = rule(full_marks=D(10), e_above=D("1.5"), e_below=D("0.5"))
    assert r.score(D("20.00")) == D("0.00")  # 10 − 30 → 0
    assert r.score(D("-3.31")) == D("8.35")  # 10 − 1.655 = 8.345 → 8.35 half-up (banker's rounding would give 8.34)
    assert r.score(D("0.00")) == D("10.00")


def test_rule_round_trips_through_json_and_refuses_unknown_versions():
    r = rule(k=D("0.03"), drop_extremes_from=7)
    assert price_rules.rule_from_json(r.to_json()) == r
    assert price_rules.rule_from_json(LowestEvaluatedPrice().to_json()) == LowestEvaluatedPrice()
    with pytest.raises(InvalidInput):
        price_rules.rule_from_json({**r.to_json(), "version": 2})


@pytest.mark.parametrize("kw", [{"k": D("0.11")}, {"k": D("-0.01")}, {"full_marks": D(0)}, {"full_marks": D("100.001")},
                                {"e_above": D(11)}, {"e_below": D("0.001")}, {"drop_extremes_from": 2},
                                {"e_above": "x"}])
def test_bad_parameters_are_refused(kw):
    with pytest.raises(InvalidInput):
        rule(**kw)


def test_no_valid_price_no_base():
    with pytest.raises(InvalidInput):
        rule().compute({})


def test_lowest_evaluated_price_ranks_adjusted_prices():
    ranked = LowestEvaluatedPrice().rank({"a": D("100.00"), "b": D("95.00"), "c": D("98.00"), "d": D("100.00")},
                                         {"b": [D("6.00")], "c": [D("-1.00"), D("1.00")]})
    assert [(e.key, e.evaluated, e.rank) for e in ranked] == [
        ("c", D("98.00"), 1), ("a", D("100.00"), 2), ("d", D("100.00"), 2), ("b", D("101.00"), 4)]


def test_abnormally_low_prices_below_the_mean_by_the_trigger():
    prices = {"a": D("100"), "b": D("100"), "c": D("100"), "d": D("60")}  # mean 90; 15% below → < 76.5
    assert price_rules.below_mean(prices, D(15)) == ["d"]
    assert price_rules.below_mean(prices, D(40)) == []
    assert price_rules.below_mean({"a": D(1)}, D(10)) == []


# --- properties -------------------------------------------------------------------------------------------------------

prices_st = st.lists(st.decimals(min_value=D("1.00"), max_value=D("999999999.99"), places=2), min_size=1, max_size=30)
deviation_st = st.decimals(min_value=D("0.00"), max_value=D("500.00"), places=2)
rules_st = st.builds(MeanDeviationRule, full_marks=st.decimals(min_value=D("0.01"), max_value=D(100), places=2),
                     e_above=st.decimals(min_value=D(0), max_value=D(10), places=2),
                     e_below=st.decimals(min_value=D(0), max_value=D(10), places=2),
                     k=st.decimals(min_value=D(0), max_value=D("0.1"), places=3),
                     drop_extremes_from=st.one_of(st.none(), st.integers(3, 50)))


@given(prices_st, st.one_of(st.none(), st.integers(3, 50)))
def test_base_price_lies_between_the_lowest_and_highest_price_when_k_is_zero(prices, drop_from):
    computed = rule(drop_extremes_from=drop_from).compute(dict(enumerate(prices)))
    assert min(prices) <= computed.base <= max(prices)
    assert computed.base == computed.mean


@given(rules_st, prices_st)
def test_price_score_is_never_negative_nor_above_full_marks(r, prices):
    for score in r.compute(dict(enumerate(prices))).scores.values():
        assert D(0) <= score.score <= r.full_marks


@given(rules_st, deviation_st, deviation_st, st.sampled_from([1, -1]))
def test_price_score_never_rises_as_the_deviation_grows(r, a, b, side):
    small, large = sorted((a, b))
    assert r.score(side * small) >= r.score(side * large)


@given(prices_st)
def test_lowest_evaluated_ranking_is_a_permutation_in_ascending_order(prices):
    ranked = LowestEvaluatedPrice().rank(dict(enumerate(prices)), {})
    assert sorted(int(e.key) for e in ranked) == list(range(len(prices)))
    assert [e.evaluated for e in ranked] == sorted(prices)
