"""Input shapes shared by the pages and the API, validated once (pydantic) before the domain rules.

Both adapters build these from their own wire format; a malformed value becomes an
``InvalidInput`` naming the field, in a message the app layer translates.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from core.clock import from_local
from core.errors import N_, InvalidInput, Msg, phrase


class Category(StrEnum):
    WORKS = "works"
    GOODS = "goods"
    SERVICES = "services"


class Method(StrEnum):
    OPEN = "open"
    INVITED = "invited"


class EvaluationMethod(StrEnum):
    COMPREHENSIVE = "comprehensive"
    LOWEST_EVALUATED_PRICE = "lowest_evaluated_price"


class AwardMode(StrEnum):
    """Ranked candidates (条例第55条) or unranked candidates and an award committee (评定分离)."""

    RANKED = "ranked"
    SEPARATED = "separated"


class BondPolicy(StrEnum):
    """Per section (domain-rules section 2): a bond is required, waived, or waived for a credit commitment."""

    REQUIRED = "required"
    WAIVED = "waived"
    WAIVED_CREDIT_COMMITMENT = "waived_credit_commitment"


class BondForm(StrEnum):
    CASH = "cash"
    BANK_GUARANTEE = "bank_guarantee"
    INSURANCE_GUARANTEE = "insurance_guarantee"
    GUARANTOR_GUARANTEE = "guarantor_guarantee"
    CREDIT_COMMITMENT = "credit_commitment"


GUARANTEE_FORMS = (BondForm.BANK_GUARANTEE, BondForm.INSURANCE_GUARANTEE, BondForm.GUARANTOR_GUARANTEE)
REQUIRED_BOND_FORMS = (BondForm.CASH, *GUARANTEE_FORMS)


class AmendmentKind(StrEnum):
    CLARIFICATION = "clarification"
    AMENDMENT = "amendment"


CATEGORY_LABELS = {Category.WORKS: N_("工程"), Category.GOODS: N_("货物"), Category.SERVICES: N_("服务")}
METHOD_LABELS = {Method.OPEN: N_("公开招标"), Method.INVITED: N_("邀请招标")}
EVALUATION_LABELS = {
    EvaluationMethod.COMPREHENSIVE: N_("综合评估法"),
    EvaluationMethod.LOWEST_EVALUATED_PRICE: N_("经评审的最低投标价法"),
}
BOND_POLICY_LABELS = {
    BondPolicy.REQUIRED: N_("收取投标保证金"),
    BondPolicy.WAIVED: N_("免收投标保证金"),
    BondPolicy.WAIVED_CREDIT_COMMITMENT: N_("免收，以信用承诺替代"),
}
BOND_FORM_LABELS = {
    BondForm.CASH: N_("现金转账"),
    BondForm.BANK_GUARANTEE: N_("银行保函"),
    BondForm.INSURANCE_GUARANTEE: N_("保证保险保函"),
    BondForm.GUARANTOR_GUARANTEE: N_("担保机构保函"),
    BondForm.CREDIT_COMMITMENT: N_("信用承诺书"),
}
AMENDMENT_LABELS = {AmendmentKind.CLARIFICATION: N_("澄清"), AmendmentKind.AMENDMENT: N_("修改")}

# Largest money amount accepted anywhere (CNY 1 trillion): larger is a typing mistake.
MAX_MONEY = Decimal("1000000000000")

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=20000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-/]{2,59}$")]
Money = Annotated[Decimal, Field(gt=0, le=MAX_MONEY, max_digits=15, decimal_places=2)]
Region = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
# Row ids are 32-bit integers on both databases; a larger number cannot name a row.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(gt=0, le=MAX_ID)]
# Dates outside these years are typing mistakes (and would overflow time-zone arithmetic).
YEARS = range(2000, 2101)

FIELD_LABELS = {
    "code": N_("招标项目编号"),
    "title": N_("标题"),
    "tenderee_org_id": N_("招标人"),
    "plan_id": N_("招标计划"),
    "category": N_("项目类别"),
    "method": N_("招标方式"),
    "region": N_("地区"),
    "description": N_("项目概况"),
    "sale_start": N_("招标文件发售开始时间"),
    "sale_end": N_("招标文件发售截止时间"),
    "clarification_deadline": N_("澄清截止时间"),
    "bid_deadline": N_("投标截止时间（开标时间）"),
    "bid_validity_days": N_("投标有效期（天）"),
    "sections": N_("标段"),
    "name": N_("名称"),
    "estimated_price": N_("招标控制价"),
    "bond_amount": N_("投标保证金"),
    "bond_policy": N_("投标保证金政策"),
    "bond_forms": N_("接受的保证金形式"),
    "bond_waiver_basis": N_("免收依据"),
    "evaluation_method": N_("评标办法"),
    "estimated_amount": N_("估算金额"),
    "expected_notice_date": N_("预计发布公告时间"),
    "kind": N_("类型"),
    "body": N_("内容"),
    "new_deadline": N_("新的投标截止时间"),
}


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _aware(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.year not in YEARS:
            raise ValueError("year out of range")
        return from_local(value)
    return value


class SectionInput(_Input):
    name: Title
    estimated_price: Money
    bond_policy: BondPolicy = BondPolicy.REQUIRED
    bond_amount: Annotated[Decimal, Field(ge=0, le=MAX_MONEY, max_digits=15, decimal_places=2)] | None = None
    bond_forms: Annotated[list[BondForm], Field(max_length=len(BondForm))] = list(REQUIRED_BOND_FORMS)
    bond_waiver_basis: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    evaluation_method: EvaluationMethod = EvaluationMethod.COMPREHENSIVE


class TenderInput(_Input):
    code: Code
    title: Title
    tenderee_org_id: Id
    plan_id: Id | None = None
    category: Category
    method: Method = Method.OPEN
    is_compulsory: bool
    is_state_funded: bool
    region: Region = ""
    description: Text = ""
    sale_start: datetime
    sale_end: datetime
    clarification_deadline: datetime
    bid_deadline: datetime
    bid_validity_days: Annotated[int, Field(ge=1, le=365)] = 90
    sections: Annotated[list[SectionInput], Field(min_length=1, max_length=50)]
    # the award as the tender fixes it (bidding.award_rules): ranked, or 评定分离 with method and committee size
    award_mode: AwardMode = AwardMode.RANKED
    award_method: Annotated[str, StringConstraints(max_length=20)] = ""
    award_committee_size: Annotated[int, Field(ge=0, le=15)] = 0
    award_params: dict[str, Any] = Field(default_factory=dict)
    rule_set: Annotated[str, StringConstraints(max_length=30)] = "national"

    _tz = field_validator("sale_start", "sale_end", "clarification_deadline", "bid_deadline")(_aware)


class PlanInput(_Input):
    title: Title
    tenderee_org_id: Id
    category: Category
    region: Region = ""
    estimated_amount: Money
    expected_notice_date: datetime
    description: Text = ""

    _tz = field_validator("expected_notice_date")(_aware)


class AmendmentInput(_Input):
    kind: AmendmentKind
    title: Title
    body: Body
    new_deadline: datetime | None = None

    _tz = field_validator("new_deadline")(_aware)


_ERROR_MESSAGES = {
    "missing": N_("%(label)s：必填。"),
    "string_too_short": N_("%(label)s：内容太短。"),
    "string_too_long": N_("%(label)s：内容太长。"),
    "string_pattern_mismatch": N_("%(label)s：只能使用字母、数字和 - _ /，长度 3 到 60。"),
    "greater_than": N_("%(label)s：必须大于零。"),
    "greater_than_equal": N_("%(label)s：不能为负数。"),
    "less_than_equal": N_("%(label)s：数值过大。"),
    "decimal_max_places": N_("%(label)s：最多两位小数。"),
    "decimal_max_digits": N_("%(label)s：数值过大。"),
    "too_short": N_("%(label)s：至少需要一项。"),
    "too_long": N_("%(label)s：项目过多。"),
    "extra_forbidden": N_("%(label)s：不认识的字段。"),
    "value_error": N_("%(label)s：日期或数值超出合理范围。"),
}
_DEFAULT_MESSAGE = N_("%(label)s：格式不正确。")

M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: dict[str, Any]) -> M:
    """Validate ``data``; the first problem becomes an ``InvalidInput`` naming the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(part) for part in error["loc"]]
        name = next((part for part in reversed(loc) if part in FIELD_LABELS), loc[-1] if loc else "")
        message = _ERROR_MESSAGES.get(error["type"], _DEFAULT_MESSAGE)
        label = phrase(FIELD_LABELS.get(name, name))
        if len(loc) > 2 and loc[0] == "sections" and loc[1].isdigit():
            label = Msg(N_("第 %(number)s 标段的%(label)s"), {"number": int(loc[1]) + 1, "label": label})
        raise InvalidInput(message, field=".".join(loc), label=label) from exc
