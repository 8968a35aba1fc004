"""An expert keeps their own profile, unavailable dates and declared conflicts; nobody else's."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.clock import to_shanghai
from core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from core.identity import Organisation
from expert_pool import profile, roster
from signing import ledger
from tests.expert_pool.helpers import add_experts, expert_user, row


@pytest.fixture
def me(session, clock, world):
    expert = add_experts(session, clock, world, [row("张三", 1)])[0]
    return expert, expert_user(session, clock, world, expert, "zhangsan")


def _input(**overrides) -> profile.ProfileInput:
    values = dict(phone="13900000002", email="zhang@example.com", employer_name="浙江大学", employer_credit_code="",
                  region="浙江省杭州市西湖区", title="教授级高级工程师", years_of_practice=20)
    values.update(overrides)
    return profile.ProfileInput(**values)


def test_the_expert_updates_their_profile_and_the_employer_is_on_the_ledger(session, clock, world, me):
    expert, actor = me
    bidder = session.get(Organisation, world.bidders[0].org_id)
    profile.update_profile(session, clock, actor, _input(employer_name=bidder.name, employer_credit_code=bidder.credit_code))
    assert expert.employer_org_id == bidder.id and expert.region == "浙江省杭州市西湖区" and expert.email == "zhang@example.com"
    entry = [e for e in ledger.entries(session) if e.action == "expert.profile"][-1]
    assert entry.data["after"]["employer_credit_code"] == bidder.credit_code
    with pytest.raises(InvalidInput):
        profile.update_profile(session, clock, actor, _input(phone="0571-1234"))
    with pytest.raises(InvalidInput):
        profile.update_profile(session, clock, actor, _input(years_of_practice=3))
    with pytest.raises(InvalidInput):
        profile.update_profile(session, clock, actor, _input(employer_credit_code="91330100MA00000000"))


def test_only_a_linked_expert_acts(session, clock, world, me):
    with pytest.raises(NotPermitted):
        profile.update_profile(session, clock, world.agent, _input())
    with pytest.raises(NotFound):  # world.expert has the role but no record in the pool
        profile.update_profile(session, clock, world.expert, _input())


def test_unavailable_dates(session, clock, world, me):
    expert, actor = me
    today = to_shanghai(clock.now()).date()
    profile.add_unavailable(session, clock, actor, today + timedelta(days=3), "出国")
    with pytest.raises(Conflict):
        profile.add_unavailable(session, clock, actor, today + timedelta(days=3))
    with pytest.raises(InvalidInput):
        profile.add_unavailable(session, clock, actor, today - timedelta(days=1))
    with pytest.raises(InvalidInput):
        profile.add_unavailable(session, clock, actor, today + timedelta(days=400))
    assert [u.day for u in expert.unavailable] == [today + timedelta(days=3)]
    profile.remove_unavailable(session, clock, actor, today + timedelta(days=3))
    with pytest.raises(NotFound):
        profile.remove_unavailable(session, clock, actor, date(2030, 1, 1))


def test_conflicts_are_declared_and_withdrawn_but_never_deleted(session, clock, world, me):
    expert, actor = me
    with pytest.raises(InvalidInput):
        profile.declare_conflict(session, clock, actor, profile.ConflictInput(kind="relative"))
    with pytest.raises(InvalidInput):
        profile.declare_conflict(session, clock, actor, profile.ConflictInput(kind="friend", org_name="某公司"))
    declared = profile.declare_conflict(session, clock, actor, profile.ConflictInput(
        kind="shareholder", org_name="杭州某建设有限公司", note="持股 5%"))
    other = add_experts(session, clock, world, [row("李四", 2)])[0]
    other_actor = expert_user(session, clock, world, other)
    with pytest.raises(NotFound):
        profile.withdraw_conflict(session, clock, other_actor, declared.id)
    profile.withdraw_conflict(session, clock, actor, declared.id)
    assert declared.withdrawn_at == clock.now() and expert.conflicts == [declared]


def test_linking_accounts(session, clock, world, me):
    expert, _ = me
    other = add_experts(session, clock, world, [row("李四", 2)])[0]
    with pytest.raises(InvalidInput):  # the agent's account has no expert role
        roster.link_user(session, clock, world.admin, other.id, world.agent.user_id)
    with pytest.raises(Conflict):  # already linked to 张三
        roster.link_user(session, clock, world.admin, other.id, expert.user_id)
