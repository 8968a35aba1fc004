"""The rules of the award and after, in one place: statutory periods (engineering regime, domain-rules 1.1) and the
regional rule sets of 评定分离 that differ by province [L] (domain-rules section 6).

The statutory numbers are constants with their article; what a province decides lives in a :class:`RuleSet`
chosen per tender (``Tender.rule_set``), so a new region is a new entry here, never a change elsewhere.
Working days skip Saturdays and Sundays only: the statutory holiday calendar (调休) is not modelled yet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from core.clock import SHANGHAI
from core.errors import N_, InvalidInput, phrase

# 条例第54条: publish the candidates within 3 days of receiving the report, for at least 3 days
PUBLICITY_START_DAYS = 3
MIN_PUBLICITY_DAYS = 3
# 条例第54条: the tenderee answers an objection to the result within 3 days
OBJECTION_ANSWER_DAYS = 3
# 条例第60条: a complaint within 10 days of knowing
COMPLAINT_DAYS = 10
# 条例第61条: accept within 3 working days, decide within 30 working days
COMPLAINT_ACCEPT_WORKING_DAYS = 3
COMPLAINT_DECIDE_WORKING_DAYS = 30
# 法第46条: the contract within 30 days of the award notice
CONTRACT_DAYS = 30
CONTRACT_REMINDER_DAYS = 5
# 法第47条: the written report to the supervisor within 15 days of the award
WRITTEN_REPORT_DAYS = 15

MODE_LABELS = {"ranked": N_("排序推荐（第一名中标）"), "separated": N_("评定分离（不排序推荐，定标委员会定标）")}
METHOD_LABELS = {
    "vote": N_("票决法"),
    "lottery": N_("抽签法"),
    "deliberation": N_("集体议事法"),
    "price": N_("价格竞争法"),
    "vote_lottery": N_("票决抽签法"),
}
TIE_RULES = {"revote": N_("重新投票"), "lottery": N_("抽签"), "chair": N_("组长决定")}
# 条例第55条: why a ranked candidate may be passed over
DROPOUT_GROUNDS = {
    "gave_up": N_("放弃中标"),
    "force_majeure": N_("因不可抗力不能履行合同"),
    "no_performance_bond": N_("不按照招标文件要求提交履约保证金"),
    "violation": N_("被查实存在影响中标结果的违法行为"),
}
# who sits in the tenderee's award-member pool (定标委员库)
POOL_CATEGORIES = {"leadership": N_("领导班子成员"), "management": N_("中层管理人员"), "technical": N_("技术人员")}


@dataclass(frozen=True)
class RuleSet:
    """What a region allows for the award [L]; ``separated_methods`` empty means no 评定分离 there."""

    key: str
    label: str
    separated_methods: tuple[str, ...]
    min_committee: int = 5
    max_committee: int = 9
    # the pool must hold at least this many times the committee (domain-rules section 6: often 2-3x)
    pool_factor: int = 2
    max_candidates: int = 3
    # days after the report is accepted within which the award committee must decide (commonly ≤ 10)
    award_days: int = 10
    # whether the award result is published for a period (with objections) before the notice
    result_publicity_days: int = 0
    # whether state-funded compulsory tenders may use 评定分离 at all (条例第55条 is the legal crux)
    separated_for_state_funded: bool = False


RULE_SETS: dict[str, RuleSet] = {
    # 条例第55条 as it stands: ranked candidates; a state-funded compulsory tender awards the first-ranked
    "national": RuleSet("national", N_("国家规定（排序推荐）"), separated_methods=()),
    # 深圳 (pilot since 2012): unranked candidates, award committee drawn from the tenderee's pool, result published
    "shenzhen": RuleSet("shenzhen", N_("深圳市评定分离规则"),
                        separated_methods=("vote", "lottery", "deliberation", "price", "vote_lottery"),
                        max_committee=9, max_candidates=3, award_days=10, result_publicity_days=3,
                        separated_for_state_funded=True),
    # 浙江 (建市规〔2019〕11号 pilots): 评定分离 for works above a threshold; no result publicity period
    "zhejiang": RuleSet("zhejiang", N_("浙江省评定分离规则"),
                        separated_methods=("vote", "lottery", "deliberation", "vote_lottery"),
                        max_committee=7, max_candidates=3, award_days=10, result_publicity_days=0,
                        separated_for_state_funded=True),
}


def rule_set(key: str) -> RuleSet:
    found = RULE_SETS.get(key)
    if found is None:
        raise InvalidInput(N_("地区规则“%(key)s”不存在。"), field="rule_set", key=key)
    return found


@dataclass(frozen=True)
class AwardPlan:
    """The award as the tender fixes it: checked at creation, copied onto each award."""

    mode: str
    method: str
    committee_size: int
    rule_set: str
    # vote: majority 'simple'|'absolute', max_rounds, tie 'revote'|'lottery'|'chair'; vote_lottery: shortlist;
    # price: tie 'lottery'|'vote'
    params: dict[str, Any]


DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "vote": {"majority": "absolute", "max_rounds": 3, "tie": "lottery"},
    "lottery": {},
    "deliberation": {},
    "price": {"tie": "lottery"},
    "vote_lottery": {"shortlist": 2, "majority": "simple", "max_rounds": 1, "tie": "lottery"},
}


def check_plan(mode: str, method: str, committee_size: int, key: str, params: dict[str, Any],
               *, is_compulsory: bool, is_state_funded: bool) -> AwardPlan:
    """The tender's award plan, or the rule it breaks with the article or regional rule named."""
    rules = rule_set(key)
    if mode == "ranked":
        return AwardPlan("ranked", "", 0, key, {})
    if mode != "separated":
        raise InvalidInput(N_("定标方式无效。"), field="award_mode")
    if not rules.separated_methods:
        raise InvalidInput(N_("%(rules)s不允许评定分离：依法必须招标的国有资金项目应当确定排名第一的中标候选人为中标人"
                              "（条例第55条）。"), field="award_mode", rules=phrase(rules.label))
    if is_compulsory and is_state_funded and not rules.separated_for_state_funded:
        raise InvalidInput(N_("%(rules)s不允许国有资金项目评定分离（条例第55条）。"), field="award_mode",
                           rules=phrase(rules.label))
    if method not in rules.separated_methods:
        raise InvalidInput(N_("%(rules)s不允许该定标方法。"), field="award_method", rules=phrase(rules.label))
    if not (rules.min_committee <= committee_size <= rules.max_committee) or committee_size % 2 == 0:
        raise InvalidInput(N_("定标委员会应为%(low)s至%(high)s人的单数（%(rules)s）。"), field="award_committee_size",
                           low=rules.min_committee, high=rules.max_committee, rules=phrase(rules.label))
    merged = {**DEFAULT_PARAMS[method], **params}
    _check_params(method, merged)
    return AwardPlan("separated", method, committee_size, key, merged)


def _check_params(method: str, params: dict[str, Any]) -> None:
    if "majority" in params and params["majority"] not in ("simple", "absolute"):
        raise InvalidInput(N_("票决规则无效。"), field="award_params")
    if "max_rounds" in params and not (isinstance(params["max_rounds"], int) and 1 <= params["max_rounds"] <= 5):
        raise InvalidInput(N_("投票轮数应为1至5轮。"), field="award_params")
    allowed_ties = ("lottery", "vote") if method == "price" else ("revote", "lottery", "chair")
    if "tie" in params and params["tie"] not in allowed_ties:
        raise InvalidInput(N_("平票处理规则无效。"), field="award_params")
    if method == "vote_lottery" and not (isinstance(params.get("shortlist"), int) and 2 <= params["shortlist"] <= 3):
        raise InvalidInput(N_("票决抽签法的入围数量应为2或3家。"), field="award_params")


def plan_params(raw: str) -> dict[str, Any]:
    value = json.loads(raw or "{}")
    return value if isinstance(value, dict) else {}


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` working days (Monday-Friday in Beijing time), at the same time of day."""
    local = start.astimezone(SHANGHAI)
    left = days
    while left > 0:
        local += timedelta(days=1)
        if local.weekday() < 5:
            left -= 1
    return local.astimezone(start.tzinfo)


def savings_rate(estimate: Decimal, price: Decimal) -> Decimal:
    """节约率: how much below the estimate (control price) the contract came, in percent, 2 decimals."""
    if estimate <= 0:
        return Decimal(0)
    return ((estimate - price) / estimate * 100).quantize(Decimal("0.01"))


def describe(mode: str, method: str, committee_size: int, key: str) -> str:
    """The award plan in one line, as the notice and the records print it (in Chinese, the record's language)."""
    region = str(RULE_SETS[key].label) if key in RULE_SETS else key
    if mode != "separated":
        return f"{MODE_LABELS['ranked']}；{region}"
    return f"评定分离：{METHOD_LABELS.get(method, method)}，定标委员会 {committee_size} 人；{region}"
