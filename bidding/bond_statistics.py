"""The supervisor's statistics of bid bonds (投标保证金): what waivers spared the bidders, how much cash
guarantees freed, and which refunds are late (条例第57条, 第66条), per period, tenderee and category.

One detail row per section and bidder (a section nobody bid on keeps one row without a bidder), built
from the database and aggregated with pandas; the same rows are the Excel export's 明细 sheet, so
every figure of the 汇总 sheet can be traced to the bids and bonds behind it.

Assumption, stated because the platform cannot know it: the amount "waived" for a section that does
not charge a bond (both waived policies) is the legal maximum the section could have asked, i.e.
``rules.bond_cap(category, estimated_price)`` (2% of the estimated price, at most CNY 800,000 for
works and goods), once per bid that was not withdrawn. It is an upper bound of what the bidders were
spared, which is how the seeds' reports ("为48个项目的投标人减免投标保证金3559.74万元") count it.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import award_rules, rules
from bidding.access import require_role
from bidding.bids import BID_STATUS_LABELS
from bidding.bond_models import Bond
from bidding.bond_release import overdue_refunds
from bidding.bonds import BOND_STATUS_LABELS, PROVIDED, bids_disclosed
from bidding.models import Bid, Contract, Section, Tender
from bidding.schemas import BOND_FORM_LABELS, BOND_POLICY_LABELS, CATEGORY_LABELS, GUARANTEE_FORMS, YEARS, BondForm, Category
from bidding.signals import SIGNAL_LABELS, signals_for
from core.actor import Actor, Role
from core.clock import Clock, shanghai_text, to_shanghai
from core.errors import N_, InvalidInput, phrase
from core.identity import Organisation

Translate = Callable[[str], str]
ZERO = Decimal("0.00")
TEN_THOUSAND = Decimal("10000")
PERIOD = re.compile(r"^([0-9]{4})-([0-9]{2})$")  # ASCII digits only: periods compare as text
GUARANTEES = frozenset(form.value for form in GUARANTEE_FORMS)

# The ways the statistics may be grouped, in the order they are shown, with their headers.
GROUPS = {"period": N_("期间"), "tenderee": N_("招标人"), "category": N_("类别")}
DEFAULT_BY = ("period", "tenderee", "category")
# The figures of each group, in the order they are shown, with their headers.
FIGURES = {
    "projects": N_("项目数"),
    "sections": N_("标段数"),
    "bids": N_("投标人次"),
    "waived_sections": N_("免收标段数"),
    "waived_amount": N_("减免保证金金额"),
    "guarantee_amount": N_("保函替代现金金额"),
    "cash_amount": N_("现金保证金金额"),
    "overdue_count": N_("逾期未退笔数"),
    "overdue_amount": N_("逾期未退金额"),
    "late_refunds": N_("逾期退还笔数"),
}
MONEY_FIGURES = frozenset({"waived_amount", "guarantee_amount", "cash_amount", "overdue_amount"})
# The detail rows (the 明细 sheet), with their headers.
DETAIL = {
    "period": N_("期间"),
    "tenderee": N_("招标人"),
    "category": N_("类别"),
    "tender_code": N_("项目编号"),
    "tender_title": N_("项目名称"),
    "section_number": N_("标段"),
    "section_name": N_("标段名称"),
    "bond_policy": N_("保证金政策"),
    "bidder": N_("投标人"),
    "bid_status": N_("投标状态"),
    "bond_form": N_("保证金形式"),
    "bond_status": N_("保证金状态"),
    "waived_amount": N_("减免保证金金额"),
    "guarantee_amount": N_("保函替代现金金额"),
    "cash_amount": N_("现金保证金金额"),
    "release_due_at": N_("应退还时间"),
    "released_at": N_("退还或释放时间"),
    "overdue": N_("逾期未退"),
    "refunded_late": N_("逾期退还"),
}
# Columns the frame carries for aggregation only (ids, flags) besides the detail ones.
COLUMNS = [*DETAIL, "tender_id", "section_id", "waived_section_id", "bid_counted", "overdue_amount"]
SHEET_SUMMARY, SHEET_DETAIL = N_("汇总"), N_("明细")


def _same(text: str) -> str:
    return text


# --- the detail rows ----------------------------------------------------------------------------------


def period_of(moment: datetime) -> str:
    """The month a tender belongs to: its bid deadline's month in Beijing time ("2026-03")."""
    return to_shanghai(moment).strftime("%Y-%m")


def bond_frame(session: Session, now: datetime) -> pd.DataFrame:
    """Every published (non-draft) tender's sections with their bids and bonds, one row per section and
    bidder; ``now`` decides which cash refunds are overdue.

    Bids and bonds count only once they may be known (``bonds.bids_disclosed``): a bond tells who means
    to bid, so until the opening a tender shows its sections and nothing of its bidders.
    """
    sections = session.execute(
        select(Section, Tender, Organisation.name).join(Tender, Tender.id == Section.tender_id)
        .join(Organisation, Organisation.id == Tender.tenderee_org_id)
        .where(Tender.status != "draft").order_by(Tender.bid_deadline, Tender.id, Section.number)
    ).all()
    disclosed = sorted({tender.id for _, tender, _ in sections if bids_disclosed(tender)})
    bids: dict[tuple[int, int], Bid] = {}
    bonds: dict[tuple[int, int], Bond] = {}
    if disclosed:
        for bid in session.scalars(select(Bid).where(Bid.tender_id.in_(disclosed))):
            bids[(bid.section_id, bid.bidder_org_id)] = bid
    if disclosed:
        for bond in session.scalars(select(Bond).where(Bond.tender_id.in_(disclosed))):
            bonds[(bond.section_id, bond.bidder_org_id)] = bond
    org_ids = {org for _, org in (*bids, *bonds)}
    names = dict(session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))).all()
                 ) if org_ids else {}
    rows: list[dict[str, Any]] = []
    for section, tender, tenderee in sections:
        bidders = sorted({org for sec, org in (*bids, *bonds) if sec == section.id})
        for org in bidders or [None]:
            key = (section.id, org)
            rows.append(_row(section, tender, tenderee, names.get(org, ""), bids.get(key), bonds.get(key), now))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["waived_section_id"] = frame["waived_section_id"].astype("Int64")
    frame["bid_counted"] = frame["bid_counted"].astype(bool)
    frame["overdue"] = frame["overdue"].astype(bool)
    frame["refunded_late"] = frame["refunded_late"].astype(bool)
    return frame


def _row(section: Section, tender: Tender, tenderee: str, bidder: str, bid: Bid | None, bond: Bond | None,
         now: datetime) -> dict[str, Any]:
    """One section and bidder: what the waiver spared, what a guarantee or cash provided, and the refund."""
    counted = bid is not None and bid.status != "withdrawn"
    waived = section.bond_waived
    provided = bond is not None and bond.status in PROVIDED
    guarantee = provided and bond.form in GUARANTEES
    cash = provided and bond.form == BondForm.CASH and bond.paid_amount is not None
    overdue = (bond is not None and bond.form == BondForm.CASH and bond.status == "paid"
               and bond.release_due_at is not None and bond.release_due_at < now)
    late = (bond is not None and bond.status == "refunded" and bond.release_due_at is not None
            and bond.released_at is not None and bond.released_at > bond.release_due_at)
    return {
        "period": period_of(tender.bid_deadline),
        "tenderee": tenderee,
        "category": tender.category,
        "tender_code": tender.code,
        "tender_title": tender.title,
        "section_number": section.number,
        "section_name": section.name,
        "bond_policy": section.bond_policy,
        "bidder": bidder,
        "bid_status": bid.status if bid is not None else "",
        "bond_form": bond.form if bond is not None else "",
        "bond_status": bond.status if bond is not None else "",
        "waived_amount": (rules.bond_cap(Category(tender.category), section.estimated_price)
                          if waived and counted else ZERO),
        # the section's required amount: a larger guarantee frees no more cash than the bond asked
        "guarantee_amount": (section.bond_amount or ZERO) if guarantee else ZERO,
        "cash_amount": bond.paid_amount if cash else ZERO,
        "release_due_at": bond.release_due_at if bond is not None else None,
        "released_at": bond.released_at if bond is not None else None,
        "overdue": overdue,
        "refunded_late": late,
        "tender_id": tender.id,
        "section_id": section.id,
        "waived_section_id": section.id if waived else None,
        "bid_counted": counted,
        "overdue_amount": (bond.paid_amount or ZERO) if overdue else ZERO,
    }


def for_supervisor(session: Session, clock: Clock, actor: Actor) -> pd.DataFrame:
    """The detail rows, for supervisors only: they name every bidder of every tender."""
    require_role(actor, Role.SUPERVISOR)
    return bond_frame(session, clock.now())


# --- the filters ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The statistics' period range (inclusive months, "2026-03") and grouping, checked."""

    start: str | None = None
    end: str | None = None
    by: tuple[str, ...] = DEFAULT_BY


def parse_period(value: str | None, field: str, label: str) -> str | None:
    """A month typed as "2026-03"; empty means unbounded."""
    value = (value or "").strip()
    if not value:
        return None
    match = PERIOD.match(value)
    if not match or int(match.group(1)) not in YEARS or not 1 <= int(match.group(2)) <= 12:
        raise InvalidInput(N_("%(label)s“%(value)s”不是有效的月份，请按“年-月”填写，例如 2026-03。"), field=field,
                           label=phrase(label), value=value[:20])
    return value


def parse_filters(start: str | None = None, end: str | None = None, by: Iterable[str] = ()) -> Filters:
    """Check what the supervisor asked for: a bad month or grouping is refused, never half-applied."""
    first = parse_period(start, "start", N_("起始期间"))
    last = parse_period(end, "end", N_("截止期间"))
    if first and last and first > last:
        raise InvalidInput(N_("起始期间不能晚于截止期间。"), field="start")
    chosen = [b.strip() for b in by if b.strip()]
    if any(b not in GROUPS for b in chosen):
        raise InvalidInput(N_("分组方式只能是期间、招标人或类别。"), field="by")
    return Filters(first, last, tuple(g for g in GROUPS if g in chosen) or DEFAULT_BY)


def within(frame: pd.DataFrame, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """The rows whose period lies in [start, end] ("YYYY-MM" strings compare as months)."""
    if start:
        frame = frame[frame["period"] >= start]
    if end:
        frame = frame[frame["period"] <= end]
    return frame


# --- the aggregates ------------------------------------------------------------------------------------


def _money(values: pd.Series) -> Decimal:
    """Money stays Decimal: the figures are reported to the fen and must add up exactly."""
    return sum(values, ZERO)


def figures(frame: pd.DataFrame, by: Sequence[str] = DEFAULT_BY) -> pd.DataFrame:
    """The figures per group, with our own column names (``GROUPS`` and ``FIGURES`` keys)."""
    if not set(by) <= set(GROUPS):
        raise InvalidInput(N_("分组方式只能是期间、招标人或类别。"), field="by")
    by = list(by)
    if frame.empty:
        return pd.DataFrame(columns=[*by, *FIGURES])
    out = frame.groupby(by, sort=True).agg(
        projects=("tender_id", "nunique"),
        sections=("section_id", "nunique"),
        bids=("bid_counted", "sum"),
        waived_sections=("waived_section_id", "nunique"),
        waived_amount=("waived_amount", _money),
        guarantee_amount=("guarantee_amount", _money),
        cash_amount=("cash_amount", _money),
        overdue_count=("overdue", "sum"),
        overdue_amount=("overdue_amount", _money),
        late_refunds=("refunded_late", "sum"),
    ).reset_index()
    for name in FIGURES.keys() - MONEY_FIGURES:
        out[name] = out[name].astype(int)
    return out


def summary(frame: pd.DataFrame, by: Sequence[str] = DEFAULT_BY, start: str | None = None, end: str | None = None,
            translate: Translate = _same) -> pd.DataFrame:
    """The 汇总 table: one row per group, Chinese headers (or ``translate``'s), categories by their label."""
    out = figures(within(frame, start, end), by)
    if "category" in out.columns:
        out["category"] = [translate(CATEGORY_LABELS.get(c, c)) for c in out["category"]]
    return out.rename(columns={k: translate(v) for k, v in {**GROUPS, **FIGURES}.items()})


def totals(frame: pd.DataFrame, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """The headline: "为 N 个项目的投标人减免投标保证金 X 万元", and the other totals.

    ``waived_projects`` counts the tenders whose bidders were actually spared a bond (a waived
    section with at least one bid), not those that merely announced a waiver.
    """
    rows = within(frame, start, end)
    waived = _money(rows["waived_amount"])
    return {
        "projects": int(rows["tender_id"].nunique()),
        "sections": int(rows["section_id"].nunique()),
        "bids": int(rows["bid_counted"].sum()),
        "waived_projects": int(rows.loc[rows["waived_amount"] > 0, "tender_id"].nunique()),
        "waived_amount": waived,
        "waived_amount_wan": (waived / TEN_THOUSAND).quantize(Decimal("0.01")),
        "guarantee_amount": _money(rows["guarantee_amount"]),
        "cash_amount": _money(rows["cash_amount"]),
        "overdue_count": int(rows["overdue"].sum()),
        "overdue_amount": _money(rows["overdue_amount"]),
        "late_refunds": int(rows["refunded_late"].sum()),
    }


@dataclass(frozen=True)
class PeriodBar:
    """One month of the chart: what waivers spared, what guarantees freed, the cash held."""

    period: str
    waived: Decimal
    guaranteed: Decimal
    cash: Decimal


def period_bars(frame: pd.DataFrame, start: str | None = None, end: str | None = None) -> list[PeriodBar]:
    per = figures(within(frame, start, end), ("period",))
    return [PeriodBar(r.period, r.waived_amount, r.guarantee_amount, r.cash_amount) for r in per.itertuples()]


def detail(frame: pd.DataFrame, start: str | None = None, end: str | None = None,
           translate: Translate = _same) -> pd.DataFrame:
    """The 明细 table: the rows behind the figures, codes shown as their labels, times in Beijing time."""
    rows = within(frame, start, end)[list(DETAIL)].copy()
    labels = {"category": CATEGORY_LABELS, "bond_policy": BOND_POLICY_LABELS, "bid_status": BID_STATUS_LABELS,
              "bond_form": BOND_FORM_LABELS, "bond_status": BOND_STATUS_LABELS}
    for column, table in labels.items():
        rows[column] = [translate(table[v]) if v in table else v for v in rows[column]]
    for column in ("release_due_at", "released_at"):
        rows[column] = [shanghai_text(v) if pd.notna(v) else "" for v in rows[column]]
    yes, no = translate(N_("是")), ""
    for column in ("overdue", "refunded_late"):
        rows[column] = [yes if v else no for v in rows[column]]
    return rows.rename(columns={k: translate(v) for k, v in DETAIL.items()})


def to_excel(frame: pd.DataFrame, by: Sequence[str] = DEFAULT_BY, start: str | None = None, end: str | None = None,
             translate: Translate = _same) -> bytes:
    """The statistics as an .xlsx workbook: the 汇总 sheet and the 明细 rows behind it."""
    table = summary(frame, by, start, end, translate)
    rows = detail(frame, start, end, translate)
    money = [translate(FIGURES[k]) for k in MONEY_FIGURES] + [translate(DETAIL[k]) for k in MONEY_FIGURES & DETAIL.keys()]
    for sheet in (table, rows):
        for column in money:
            if column in sheet.columns:
                sheet[column] = [float(v) for v in sheet[column]]
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=translate(SHEET_SUMMARY), index=False)
        rows.to_excel(writer, sheet_name=translate(SHEET_DETAIL), index=False)
    return out.getvalue()


# --- overdue refunds and rigging signals, as the supervisor reads them -------------------------------


@dataclass(frozen=True)
class OverdueRefund:
    tender_id: int
    tender_code: str
    tender_title: str
    section_number: int
    section_name: str
    bidder: str
    amount: Decimal
    due_at: datetime
    days_overdue: int


def overdue_list(session: Session, clock: Clock, actor: Actor) -> list[OverdueRefund]:
    """Cash bonds not refunded within 5 days of the contract (条例第57条), oldest first; a day begun counts."""
    now = clock.now()
    rows = []
    for bond in overdue_refunds(session, clock, actor):
        tender = bond.section.tender
        days = max(1, math.ceil((now - bond.release_due_at) / timedelta(days=1)))
        rows.append(OverdueRefund(tender.id, tender.code, tender.title, bond.section.number, bond.section.name,
                                  bond.bidder.name, bond.paid_amount or bond.amount, bond.release_due_at, days))
    return rows


@dataclass(frozen=True)
class SignalRow:
    tender_id: int
    tender_code: str
    tender_title: str
    label: str  # a message id
    shared: str  # what the bidders share, e.g. the payer account
    bidders: list[str]
    detected_at: datetime


def signal_list(session: Session, actor: Actor) -> list[SignalRow]:
    """The rigging signals with their tender and the bidders they name, newest first."""
    signals = signals_for(session, actor)
    org_ids = {int(i) for s in signals for i in s.org_ids.split(",") if i}
    names = dict(session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(org_ids))).all()
                 ) if org_ids else {}
    tenders = {t.id: t for t in session.scalars(select(Tender).where(Tender.id.in_({s.tender_id for s in signals})))
               } if signals else {}
    return [SignalRow(s.tender_id, tenders[s.tender_id].code, tenders[s.tender_id].title, SIGNAL_LABELS.get(s.kind, s.kind),
                      s.key, [names.get(int(i), i) for i in s.org_ids.split(",") if i], s.detected_at)
            for s in signals]


# --- contracts against the estimate (节约率) -------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractSaving:
    """A recorded contract's price against its section's estimate (招标控制价): the savings rate in percent."""

    tender_id: int
    tender_code: str
    section_number: int
    winner: str
    estimate: Decimal
    price: Decimal
    savings_rate: Decimal
    signed_at: datetime


def contract_savings(session: Session, actor: Actor) -> list[ContractSaving]:
    """For the supervisor's statistics: every recorded contract with its 节约率 (award_rules.savings_rate)."""
    require_role(actor, Role.SUPERVISOR)
    rows = session.execute(select(Contract, Section, Tender).join(Section, Section.id == Contract.section_id)
                           .join(Tender, Tender.id == Contract.tender_id)
                           .order_by(Contract.signed_at, Contract.id)).all()
    return [ContractSaving(tender.id, tender.code, section.number, contract.winner.name, section.estimated_price,
                           contract.price, award_rules.savings_rate(section.estimated_price, contract.price),
                           contract.signed_at) for contract, section, tender in rows]
