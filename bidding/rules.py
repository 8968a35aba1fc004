"""The legal time limits and amount caps of tendering, each in one function with its article.

Numbers come from ``shared/domain-rules.md``; tags [S] statute, [R] departmental rule. A rule
that varies by province would belong in a region rule set; none of these does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from bidding.schemas import (
    GUARANTEE_FORMS,
    REQUIRED_BOND_FORMS,
    BondForm,
    BondPolicy,
    Category,
    Method,
    SectionInput,
    TenderInput,
)
from core.errors import N_, DeadlinePassed, InvalidInput, RuleViolation, phrase

# T2 条例第16条 [S]: documents are sold for at least 5 days.
MIN_SALE_DAYS = 5
# T4 法第24条 [S]: compulsory tenders give at least 20 days from documents to deadline.
MIN_DAYS_TO_DEADLINE_COMPULSORY = 20
# T5 法第23条, 条例第21条 [S]: a clarification/amendment reaches bidders >= 15 days before the deadline.
MIN_DAYS_AFTER_AMENDMENT = 15
# T7 条例第22条 [S]: objections to the documents come >= 10 days before the deadline.
MIN_DAYS_OBJECTION_BEFORE_DEADLINE = 10
# B1 条例第26条 [S]: the bid bond is at most 2% of the estimated price.
BOND_RATE_CAP = Decimal("0.02")
# B2 工程建设项目施工/货物招标投标办法 [R]: and at most CNY 800,000 for works and goods.
BOND_ABSOLUTE_CAP = {Category.WORKS: Decimal("800000"), Category.GOODS: Decimal("800000")}
# A waiver states its legal basis (a policy document and article): a few characters at least.
MIN_WAIVER_BASIS = 4
# B12 条例第58条 [S]: the performance bond is at most 10% of the contract price.
PERFORMANCE_BOND_RATE_CAP = Decimal("0.10")
# T16 条例第57条 [S]: bid bonds are refunded within 5 days after the contract is signed.
BOND_REFUND_DAYS = 5
# A draft's dates may be a few minutes behind the clock when the form is sent.
PAST_TOLERANCE = timedelta(minutes=5)


def documents_issued_at(sale_start: datetime, now: datetime) -> datetime:
    """Documents are first issued at the later of the sale start and publication."""
    return max(sale_start, now)


def check_timeline(data: TenderInput, now: datetime, *, publishing: bool = False) -> None:
    """Refuse a timeline that breaks a legal time limit, naming the rule.

    When publishing, a sale start already past simply means the documents go out now.
    """
    dates = [] if publishing else [("sale_start", N_("招标文件发售开始时间"))]
    for name, label in (
        *dates,
        ("sale_end", N_("招标文件发售截止时间")),
        ("clarification_deadline", N_("澄清截止时间")),
        ("bid_deadline", N_("投标截止时间")),
    ):
        if getattr(data, name) < now - PAST_TOLERANCE:
            raise InvalidInput(N_("%(label)s不能早于现在。"), field=name, label=phrase(label))
    start = documents_issued_at(data.sale_start, now)
    if data.sale_end - start < timedelta(days=MIN_SALE_DAYS):
        raise RuleViolation(
            N_("招标文件发售期不得少于 %(days)s 日（%(rule)s）。"),
            field="sale_end",
            rule=N_("条例第16条"),
            days=MIN_SALE_DAYS,
        )
    if data.bid_deadline < data.sale_end:
        raise InvalidInput(N_("投标截止时间不能早于招标文件发售截止时间。"), field="bid_deadline")
    if not start < data.clarification_deadline < data.bid_deadline:
        raise InvalidInput(N_("澄清截止时间必须在发售开始之后、投标截止之前。"), field="clarification_deadline")
    if data.is_compulsory and data.bid_deadline - start < timedelta(days=MIN_DAYS_TO_DEADLINE_COMPULSORY):
        raise RuleViolation(
            N_("依法必须招标的项目，自招标文件开始发出之日起至投标截止时间不得少于 %(days)s 日（%(rule)s）。"),
            field="bid_deadline",
            rule=N_("法第24条"),
            days=MIN_DAYS_TO_DEADLINE_COMPULSORY,
        )


def check_method(data: TenderInput) -> None:
    """条例第8条 [S]: state-funded compulsory projects are tendered openly."""
    if data.is_compulsory and data.is_state_funded and data.method == Method.INVITED:
        raise RuleViolation(
            N_("国有资金占控股或主导地位的依法必须招标项目应当公开招标（%(rule)s）。"),
            field="method",
            rule=N_("条例第8条"),
        )


def bond_cap(category: Category, estimated_price: Decimal) -> Decimal:
    """The largest bid bond allowed for a section (B1, B2)."""
    cap = (estimated_price * BOND_RATE_CAP).quantize(Decimal("0.01"))
    absolute = BOND_ABSOLUTE_CAP.get(category)
    return min(cap, absolute) if absolute is not None else cap


def check_section(category: Category, number: int, section: SectionInput) -> None:
    """A section's bond policy: waived with its legal basis, or a positive amount within the cap in
    forms that include a guarantee (domain-rules section 2)."""
    if section.bond_policy != BondPolicy.REQUIRED:
        if section.bond_amount:
            raise InvalidInput(N_("第 %(number)s 标段已免收投标保证金，不能再填写金额。"), number=number)
        if len(section.bond_waiver_basis) < MIN_WAIVER_BASIS:
            raise InvalidInput(N_("第 %(number)s 标段免收投标保证金，请写明免收依据（政策文件及条款）。"),
                               field="bond_waiver_basis", number=number)
        return
    if section.bond_amount is None or section.bond_amount <= 0:
        raise InvalidInput(N_("第 %(number)s 标段：请填写投标保证金金额，或选择免收。"), number=number)
    cap = bond_cap(category, section.estimated_price)
    if section.bond_amount > cap:
        raise RuleViolation(
            N_("第 %(number)s 标段的投标保证金不得超过 %(cap)s 元（招标控制价的 2%%，且工程、货物不超过 80 万元；%(rule)s）。"),
            rule=N_("条例第26条"),
            number=number,
            cap=f"{cap:,.2f}",
        )
    forms = set(section.bond_forms)
    if not forms or not forms <= set(REQUIRED_BOND_FORMS):
        raise InvalidInput(N_("第 %(number)s 标段：请选择接受的保证金形式（现金或保函；信用承诺仅用于免收）。"),
                           field="bond_forms", number=number)
    if not forms & set(GUARANTEE_FORMS):
        raise RuleViolation(
            N_("第 %(number)s 标段：招标人不得拒绝以保函替代现金缴纳投标保证金，请至少接受一种保函（%(rule)s）。"),
            field="bond_forms", rule=N_("发改法规〔2023〕27号"), number=number,
        )


def stored_bond_forms(section: SectionInput) -> str:
    """The forms a section accepts as stored: none when waived, only the commitment when it replaces the bond."""
    if section.bond_policy == BondPolicy.WAIVED:
        return ""
    if section.bond_policy == BondPolicy.WAIVED_CREDIT_COMMITMENT:
        return BondForm.CREDIT_COMMITMENT.value
    return ",".join(form.value for form in REQUIRED_BOND_FORMS if form in section.bond_forms)


def bid_validity_end(bid_deadline: datetime, bid_validity_days: int) -> datetime:
    """T10 条例第25条: bid validity runs from the deadline; B6 条例第26条: a bond must cover it."""
    return bid_deadline + timedelta(days=bid_validity_days)


def performance_bond_cap(contract_price: Decimal) -> Decimal:
    """B12 条例第58条: the performance bond is at most 10% of the contract price."""
    return (contract_price * PERFORMANCE_BOND_RATE_CAP).quantize(Decimal("0.01"))


def bond_release_due(contract_signed_at: datetime) -> datetime:
    """T16 条例第57条: bonds are refunded, with interest, within 5 days after the contract is signed."""
    return contract_signed_at + timedelta(days=BOND_REFUND_DAYS)


def deposit_interest(amount: Decimal, annual_rate: Decimal, since: datetime, until: datetime) -> Decimal:
    """T16 条例第57条: refunds carry the bank's deposit interest (银行同期存款利息), on the banks' 360-day year."""
    days = max(0, (until - since).days)
    return (amount * annual_rate * days / 360).quantize(Decimal("0.01"))


def amendment_needs_new_deadline(now: datetime, bid_deadline: datetime) -> bool:
    """T5: an amendment later than 15 days before the deadline forces a later deadline."""
    return bid_deadline - now < timedelta(days=MIN_DAYS_AFTER_AMENDMENT)


def check_amendment_deadline(now: datetime, bid_deadline: datetime, new_deadline: datetime | None) -> datetime:
    """The deadline after an amendment: unchanged, or moved far enough (法第23条)."""
    if now >= bid_deadline:
        raise DeadlinePassed(N_("投标截止时间已过，不能再澄清或修改招标文件。"))
    if new_deadline is not None and new_deadline < bid_deadline:
        raise InvalidInput(N_("新的投标截止时间不能早于原截止时间。"), field="new_deadline")
    if amendment_needs_new_deadline(now, bid_deadline):
        if new_deadline is None or new_deadline - now < timedelta(days=MIN_DAYS_AFTER_AMENDMENT):
            raise RuleViolation(
                N_("澄清或修改距投标截止时间不足 %(days)s 日，必须顺延投标截止时间，使其距今至少 %(days)s 日（%(rule)s）。"),
                field="new_deadline",
                rule=N_("法第23条"),
                days=MIN_DAYS_AFTER_AMENDMENT,
            )
    return new_deadline or bid_deadline


def check_objection_time(now: datetime, bid_deadline: datetime) -> None:
    """T7 条例第22条: objections to the documents up to 10 days before the deadline."""
    if bid_deadline - now < timedelta(days=MIN_DAYS_OBJECTION_BEFORE_DEADLINE):
        raise DeadlinePassed(
            N_("对招标文件的异议应当在投标截止时间 %(days)s 日前提出（%(rule)s）。"),
            rule=N_("条例第22条"),
            days=MIN_DAYS_OBJECTION_BEFORE_DEADLINE,
        )
