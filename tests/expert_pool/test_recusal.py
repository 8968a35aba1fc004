"""Recusal (回避, domain-rules 4.3): every hard filter, and counts that say which one starves a draw."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.errors import InvalidInput, render
from core.identity import Organisation
from expert_pool import profile, recusal, roster
from expert_pool.recusal import OrgRef, RecusalContext, TendereeExclusion
from tests.expert_pool.helpers import add_experts, expert_user, org_ref, row

DAY = date(2026, 3, 30)


def _ctx(session, world, clock, **overrides) -> RecusalContext:
    values = dict(
        tenderee=org_ref(session.get(Organisation, world.tenderee_org_id)),
        agent=org_ref(session.get(Organisation, world.agent.org_id)),
        bidders=tuple(org_ref(session.get(Organisation, b.org_id)) for b in world.bidders),
        evaluation_day=DAY, at=clock.now())
    values.update(overrides)
    return RecusalContext(**values)


def _screen(session, ctx, code="A0101", region="浙江省杭州市"):
    return recusal.screen(session, ctx, code, region)


def _org(session, actor) -> Organisation:
    return session.get(Organisation, actor.org_id)


def test_nobody_excluded_in_a_clean_pool(session, clock, world):
    experts = add_experts(session, clock, world, [row(f"专家{i}", i) for i in range(1, 4)])
    result = _screen(session, _ctx(session, world, clock))
    assert result.eligible == sorted(e.id for e in experts) and result.matching == 3
    assert sum(result.excluded.values()) == 0 and result.starving() is None


def test_specialty_and_region_match_by_prefix(session, clock, world):
    add_experts(session, clock, world, [row("土建", 1, codes="A0101"), row("道路", 2, codes="A0201"),
                                        row("西湖区", 3, region="浙江省杭州市西湖区"), row("宁波", 4, region="浙江省宁波市")])
    ctx = _ctx(session, world, clock)
    assert _screen(session, ctx).matching == 2  # 土建 and 西湖区 (a district of 杭州市)
    assert _screen(session, ctx, "A01", "浙江省").matching == 3  # A01 covers A0101; 浙江省 covers both cities
    assert _screen(session, ctx, "A", "浙江省").matching == 4


def test_employees_of_tenderee_agent_and_bidders_are_excluded(session, clock, world):
    tenderee, agency, bidder = _org(session, world.tenderee), _org(session, world.agent), _org(session, world.bidders[0])
    experts = add_experts(session, clock, world, [
        row("招标人职工", 1, employer="另写的名称", credit_code=tenderee.credit_code),  # matched by credit code
        row("代理职工", 2, employer=agency.name),  # by exact name, no code given
        row("投标人职工", 3, employer=bidder.name.replace("公司", " 公司")),  # spaces do not hide it
        row("无关专家", 4, employer="浙江大学"),
    ])
    result = _screen(session, _ctx(session, world, clock))
    assert result.eligible == [experts[3].id]
    assert result.excluded == {**dict.fromkeys(recusal.REASONS, 0), "tenderee_employee": 1, "agent_employee": 1,
                               "bidder_employee": 1}


def test_full_width_brackets_fold_when_matching_names(session, clock, world):
    add_experts(session, clock, world, [row("专家", 1, employer="杭州某（集团）有限公司")])
    ctx = _ctx(session, world, clock, bidders=(OrgRef(name="杭州某(集团)有限公司"),))
    assert _screen(session, ctx).excluded["bidder_employee"] == 1


def test_suspended_and_removed_are_never_drawn(session, clock, world):
    experts = add_experts(session, clock, world, [row("暂停", 1, status="暂停"), row("清退", 2), row("正常", 3)])
    roster.set_status(session, clock, world.supervisor, experts[1].id, "removed", "条例第72条")
    result = _screen(session, _ctx(session, world, clock))
    assert result.eligible == [experts[2].id]
    assert result.excluded["suspended"] == 1 and result.excluded["removed"] == 1


def test_declared_conflicts_exclude_until_withdrawn(session, clock, world):
    bidder = _org(session, world.bidders[1])
    experts = add_experts(session, clock, world, [row("前雇员", 1), row("亲属", 2), row("无关", 3)])
    former = expert_user(session, clock, world, experts[0])
    relative = expert_user(session, clock, world, experts[1])
    declared = profile.declare_conflict(session, clock, former, profile.ConflictInput(
        kind="former_employer", org_credit_code=bidder.credit_code, note="2024 年离职"))
    profile.declare_conflict(session, clock, relative, profile.ConflictInput(
        kind="relative", org_name=bidder.name, note="配偶任该公司法定代表人"))
    result = _screen(session, _ctx(session, world, clock))
    assert result.eligible == [experts[2].id] and result.excluded["declared_conflict"] == 2
    profile.withdraw_conflict(session, clock, former, declared.id)
    assert experts[0].id in _screen(session, _ctx(session, world, clock)).eligible


def test_unavailable_on_the_evaluation_day_only(session, clock, world):
    experts = add_experts(session, clock, world, [row("出差", 1), row("在岗", 2)])
    away = expert_user(session, clock, world, experts[0])
    profile.add_unavailable(session, clock, away, DAY, "外地出差")
    assert _screen(session, _ctx(session, world, clock)).excluded["unavailable"] == 1
    other_day = _screen(session, _ctx(session, world, clock, evaluation_day=DAY + timedelta(days=1)))
    assert other_day.eligible == sorted(e.id for e in experts)


def test_tenderee_exclusion_by_name_needs_a_written_reason(session, clock, world):
    experts = add_experts(session, clock, world, [row("张三", 1), row("李四", 2)])
    with pytest.raises(InvalidInput):
        recusal.check_exclusions([TendereeExclusion("张三", "  ")])
    exclusions = recusal.check_exclusions([TendereeExclusion(" 张三 ", "曾参与本项目可行性研究报告编制")])
    result = _screen(session, _ctx(session, world, clock, tenderee_exclusions=exclusions))
    assert result.eligible == [experts[1].id] and result.excluded["excluded_by_tenderee"] == 1
    assert recusal.exclusion_matches(session, exclusions) == {"张三": 1}


def test_each_expert_counts_once_under_the_first_reason(session, clock, world):
    """A suspended employee of the tenderee is counted as suspended only, so the counts add up to the excluded."""
    tenderee = _org(session, world.tenderee)
    add_experts(session, clock, world, [row("双重", 1, status="暂停", credit_code=tenderee.credit_code),
                                        row("职工甲", 2, credit_code=tenderee.credit_code),
                                        row("职工乙", 3, credit_code=tenderee.credit_code)])
    result = _screen(session, _ctx(session, world, clock))
    assert result.excluded["suspended"] == 1 and result.excluded["tenderee_employee"] == 2
    assert sum(result.excluded.values()) + len(result.eligible) == result.matching
    assert result.starving() == "tenderee_employee"
    assert render("%(x)s", {"x": recusal.reason_counts(result.excluded)}) == "已暂停 1 人、招标人单位回避 2 人"
