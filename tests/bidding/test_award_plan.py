"""The tender fixes its award at creation (domain-rules sections 5.7 and 6): ranked candidates by default, 评定分离
only where the regional rule set allows it [L], with a method, an odd committee and valid parameters."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bidding import award_rules, tenders
from bidding.schemas import TenderInput, parse
from core.errors import InvalidInput
from tests.world import tender_data

SEPARATED = {"award_mode": "separated", "award_method": "vote", "award_committee_size": 7, "rule_set": "shenzhen"}


def create(session, clock, world, **overrides):
    return tenders.create_tender(session, clock, world.agent, parse(TenderInput, tender_data(world, clock, **overrides)))


def test_a_tender_is_ranked_under_the_national_rules_by_default(session, clock, world):
    tender = create(session, clock, world)
    assert (tender.award_mode, tender.award_method, tender.rule_set) == ("ranked", "", "national")


def test_separated_award_is_refused_where_the_rule_set_does_not_allow_it(session, clock, world):
    with pytest.raises(InvalidInput) as refused:
        create(session, clock, world, **{**SEPARATED, "rule_set": "national"})
    assert refused.value.field == "award_mode"
    assert "条例第55条" in str(refused.value)


def test_separated_award_keeps_the_method_and_its_default_parameters(session, clock, world):
    tender = create(session, clock, world, **SEPARATED)
    assert (tender.award_mode, tender.award_method, tender.award_committee_size) == ("separated", "vote", 7)
    assert json.loads(tender.award_params) == {"majority": "absolute", "max_rounds": 3, "tie": "lottery"}


@pytest.mark.parametrize(("overrides", "field"), [
    ({"award_committee_size": 6}, "award_committee_size"),
    ({"award_committee_size": 3}, "award_committee_size"),
    ({"award_committee_size": 11}, "award_committee_size"),
    ({"award_method": "dice"}, "award_method"),
    ({"award_method": "", "award_committee_size": 5}, "award_method"),
    ({"award_params": {"majority": "most"}}, "award_params"),
    ({"award_params": {"max_rounds": 9}}, "award_params"),
    ({"award_params": {"tie": "coin"}}, "award_params"),
    ({"award_method": "vote_lottery", "award_params": {"shortlist": 5}}, "award_params"),
    ({"award_method": "price", "award_params": {"tie": "chair"}}, "award_params"),
    ({"rule_set": "atlantis"}, "rule_set"),
])
def test_bad_award_plans_are_refused_with_the_field(session, clock, world, overrides, field):
    with pytest.raises(InvalidInput) as refused:
        create(session, clock, world, **{**SEPARATED, **overrides})
    assert refused.value.field == field


def test_a_rule_set_without_the_method_refuses_it(session, clock, world):
    with pytest.raises(InvalidInput) as refused:
        create(session, clock, world, **{**SEPARATED, "rule_set": "zhejiang", "award_method": "price"})
    assert refused.value.field == "award_method"


def test_working_days_skip_the_weekend():
    friday = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)  # 10:00 Friday in Beijing
    assert award_rules.add_working_days(friday, 1) == datetime(2026, 3, 9, 2, 0, tzinfo=UTC)
    assert award_rules.add_working_days(friday, 3) == datetime(2026, 3, 11, 2, 0, tzinfo=UTC)


def test_savings_rate_is_the_share_below_the_estimate():
    from decimal import Decimal
    assert award_rules.savings_rate(Decimal("10000000"), Decimal("9550000")) == Decimal("4.50")
    assert award_rules.savings_rate(Decimal("0"), Decimal("1")) == Decimal("0")
