"""The supervisor's bond statistics: what waivers spared, what guarantees freed, the cash held and the late
refunds, per period, tenderee and category; the overdue refunds and the rigging signals behind them.

Everything is built through the domain: tenders published by the agent, bids sealed and submitted, an
electronic guarantee, cash paid by bank transfer (one from another bidder's account), the opening, the
contract, one refund made late and one not made at all.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from app.demo import demo_code
from bidding import (
    bank_transfers,
    bids,
    bond_release,
    bond_statistics,
    bonds,
    escrow,
    opening,
    participation,
    parties,
    publicity,
    tenders,
)
from bidding.models import Bid, Tender
from core.actor import OrgKind
from core.errors import InvalidInput, NotPermitted
from signing import envelope
from tests.bidding.publicizing import open_and_notify
from tests.bidding.sealing import container, sealed, submit
from tests.bonding import BASIC_ACCOUNTS, guarantee_terms, register_issuer, set_basic_accounts, statement, statement_row
from tests.world import World, encryption_key, ensure_signing, pdf_bytes, signing, tender_input

WAIVER_BASIS = "浙发改公管〔2024〕12号 第三条"
WINDOW = timedelta(minutes=30)


@dataclass
class Statistics:
    """The tenders the statistics are about, and the moment they are read."""

    works: Tender  # March, 某市建设局: a required section (guarantee, cash, cash late) and a waived one
    goods: Tender  # April, 某县水务局: a credit-commitment section and a required one (insurance, unpaid cash)
    services: Tender  # May, 某市建设局: a waived section nobody bid on
    draft: Tender  # never published: not counted
    due_at: datetime  # when the works tender's cash bonds were due for refund
    before_goods_opening: pd.DataFrame  # the frame while the goods tender's bids were still secret


def publish(session, clock, store, world: World, **overrides) -> Tender:
    """A tender published by the agent with a 2-of-2 escrow (agent, supervisor): any tenderee will do."""
    ensure_signing(session, clock, world)
    for name in ("agent", "supervisor"):
        encryption_key(session, clock, world, name)
    tender = tenders.create_tender(session, clock, world.agent, tender_input(world, clock, **overrides))
    tenders.add_document(session, clock, world.agent, store, tender.id,
                         tenders.Upload("招标文件", "doc.pdf", "application/pdf", io.BytesIO(pdf_bytes())), 10**6)
    escrow.set_escrow(session, clock, world.agent, tender.id, [world.users[n].id for n in ("agent", "supervisor")], 2)
    tenders.publish_tender(session, clock, world.agent, tender.id, signing(store))
    session.commit()
    return tender


def deadline(clock, days: int):
    return clock.now() + timedelta(hours=1, days=days)


# works section 1's prices, below its estimate so that the evaluation can recommend them and the award follow
WORKS_PRICES = {1: "9800000.00", 2: "9500000.00", 3: "9000000.00"}


def bid(session, clock, store, world, tender, number: int, section: int, price: str | None = None) -> tuple[int, bytes]:
    plaintext = container({"price": price, "duration_days": 365}, {"技术标.pdf": b"%PDF" * 50}) if price else None
    data = sealed(session, world, tender, number, section, plaintext=plaintext)
    submission, _ = submit(session, clock, store, world, tender, data, number, section)
    return submission.bid_id, data


def build_statistics(session, clock, store, world: World) -> Statistics:
    """The three published tenders and a draft of the module docstring, through the domain functions."""
    other = parties.create_organisation(session, clock, world.admin, parties.OrganisationInput(
        name="某县水务局", kind=OrgKind.TENDEREE, credit_code=demo_code(5), region="浙江省"))
    session.commit()
    works = publish(session, clock, store, world, code="BJ-2026-101", sections=[
        {"name": "一标段", "estimated_price": "10000000.00", "bond_amount": "200000.00"},
        {"name": "二标段", "estimated_price": "50000000.00", "bond_policy": "waived", "bond_waiver_basis": WAIVER_BASIS},
    ])
    goods = publish(session, clock, store, world, code="BJ-2026-102", title="水泵设备采购", category="goods",
                    tenderee_org_id=other.id, bid_deadline=deadline(clock, 50), sections=[
                        {"name": "一包", "estimated_price": "3000000.00", "bond_policy": "waived_credit_commitment",
                         "bond_waiver_basis": WAIVER_BASIS},
                        {"name": "二包", "estimated_price": "2000000.00", "bond_amount": "40000.00",
                         "bond_forms": ["cash", "insurance_guarantee"]},
                    ])
    services = publish(session, clock, store, world, code="BJ-2026-103", title="工程监理服务", category="services",
                       bid_deadline=deadline(clock, 70), sections=[
                           {"name": "监理", "estimated_price": "1000000.00", "bond_policy": "waived",
                            "bond_waiver_basis": WAIVER_BASIS}])
    draft = tenders.create_tender(session, clock, world.agent, tender_input(world, clock, code="BJ-2026-104", sections=[
        {"name": "草稿标段", "estimated_price": "9000000.00", "bond_policy": "waived", "bond_waiver_basis": WAIVER_BASIS}]))
    session.commit()

    clock.advance(timedelta(hours=2))  # the documents are on sale
    for number, bidder in enumerate(world.bidders, start=1):
        for tender in (works, goods):
            participation.obtain_documents(session, clock, bidder, tender.id)
        ensure_signing(session, clock, world, f"bidder{number}")
        encryption_key(session, clock, world, f"bidder{number}")
    session.commit()
    set_basic_accounts(session, clock, world)
    bank = register_issuer(session, clock, world)
    insurer = register_issuer(session, clock, world, kind="insurer", n=2, name="中国人民财产保险股份有限公司")

    # works, section 1: bidder 1 by bank guarantee, bidders 2 and 3 in cash; bidder 3 first pays from bidder 2's account
    bonds.submit_guarantee(session, clock, world.bidders[0], store, works.id, 1,
                           bank.sign(guarantee_terms(session, world, works, bank, bidder=1)))
    cash2 = bonds.choose_cash(session, clock, world.bidders[1], works.id, 1)
    cash3 = bonds.choose_cash(session, clock, world.bidders[2], works.id, 1)
    session.commit()
    transfers, errors = bank_transfers.read_statement(statement(
        statement_row("S0001", clock.now(), "投标公司2", BASIC_ACCOUNTS[2], cash2.virtual_account, "200000.00"),
        statement_row("S0002", clock.now(), "投标公司2", BASIC_ACCOUNTS[2], cash3.virtual_account, "200000.00"),
        statement_row("S0003", clock.now(), "投标公司3", BASIC_ACCOUNTS[3], cash3.virtual_account, "200000.00"),
    ))
    assert not errors
    result = bank_transfers.record_transfers(session, clock, world.admin, transfers, "statement")
    assert [p.reason for p in result.refused] == ["third_party"] and len(result.accepted) == 2
    # goods: bidder 1 signs the credit commitment of package 1 and gives an insurance guarantee for package 2;
    # bidder 2 chooses cash for package 2 and never pays
    bonds.sign_commitment(session, clock, world.bidders[0], signing(store), goods.id, 1)
    bonds.submit_guarantee(session, clock, world.bidders[0], store, goods.id, 2,
                           insurer.sign(guarantee_terms(session, world, goods, insurer, bidder=1, section=2)))
    bonds.choose_cash(session, clock, world.bidders[1], goods.id, 2)
    session.commit()

    placed = {(number, section): bid(session, clock, store, world, works, number, section,
                                     WORKS_PRICES[number] if section == 1 else None)
              for number in (1, 2, 3) for section in (1, 2)}
    bids.withdraw(session, clock, world.bidders[2], placed[(3, 2)][0])  # not counted
    session.commit()
    for number, section in ((1, 1), (2, 1), (3, 1), (1, 2), (2, 2)):
        bid(session, clock, store, world, goods, number, section)

    # the works tender closes (section 2 has two bids left: 流标), opens, and its section 1 contract is signed
    clock.set(works.bid_deadline)
    assert bids.close_due_tenders(session, clock) == [works.id]
    assert opening.start_due_openings(session, clock, WINDOW) == [works.id]
    # the failed section's bids are not opened (条例第44条)
    for (number, section), (bid_id, data) in placed.items():
        if section == 1:
            key = envelope.unwrap_for_bidder(envelope.read_header(io.BytesIO(data)), world.encryption_keys[f"bidder{number}"])
            opening.decrypt_own_bid(session, clock, world.bidders[number - 1], store, bid_id, key)
    clock.advance(WINDOW)
    opening.finish_opening(session, clock, world.agent, works.id)
    award = open_and_notify(session, clock, store, world, works)  # evaluated, published, decided, notified
    bond_release.record_contract(session, clock, world.agent, works.id, 1, winner_org_id=award.winner_org_id,
                                 price=publicity.winning_price(award), signed_at=clock.now(), performance_bond=None)
    session.commit()
    due_at = cash2.release_due_at
    assert due_at == clock.now() + timedelta(days=5)

    clock.advance(timedelta(days=7))  # bidder 2's refund comes two days late; bidder 3's never
    bond_release.refund_cash(session, clock, world.agent, cash2.id, "RF20260403001", Decimal("0.0035"))
    session.commit()
    before_goods_opening = bond_statistics.bond_frame(session, clock.now())

    # the goods tender closes (package 2 has two bids: 流标, its guarantee is released) and its opening starts
    clock.set(goods.bid_deadline)
    assert bids.close_due_tenders(session, clock) == [goods.id]
    assert opening.start_due_openings(session, clock, WINDOW) == [goods.id]
    session.commit()
    return Statistics(works, goods, services, draft, due_at, before_goods_opening)


@pytest.fixture
def stats(session, clock, store, world) -> Statistics:
    return build_statistics(session, clock, store, world)


def _money(text: str) -> Decimal:
    return Decimal(text)


def test_figures_per_period_tenderee_and_category(session, clock, world, stats):
    frame = bond_statistics.for_supervisor(session, clock, world.supervisor)
    assert len(frame) == 12  # works 3 + 3 rows, goods 3 + 2, services 1 row without a bidder; no draft
    assert "BJ-2026-104" not in set(frame["tender_code"])
    table = bond_statistics.summary(frame)
    assert list(table.columns) == ["期间", "招标人", "类别", "项目数", "标段数", "投标人次", "免收标段数", "减免保证金金额",
                                   "保函替代现金金额", "现金保证金金额", "逾期未退笔数", "逾期未退金额", "逾期退还笔数"]
    assert table.values.tolist() == [
        ["2026-03", "某市建设局", "工程", 1, 2, 5, 1, _money("1600000.00"), _money("200000.00"), _money("400000.00"),
         1, _money("200000.00"), 1],
        ["2026-04", "某县水务局", "货物", 1, 2, 5, 1, _money("180000.00"), _money("40000.00"), _money("0.00"),
         0, _money("0.00"), 0],
        ["2026-05", "某市建设局", "服务", 1, 1, 0, 1, _money("0.00"), _money("0.00"), _money("0.00"), 0, _money("0.00"), 0],
    ]


def test_waived_amount_is_the_legal_cap_per_bid_not_withdrawn(session, clock, world, stats):
    frame = bond_statistics.bond_frame(session, clock.now())
    works = frame[(frame["tender_code"] == "BJ-2026-101") & (frame["section_number"] == 2)]
    # 2% of 50,000,000 is 1,000,000, above the 800,000 cap for works; bidder 3 withdrew
    assert works["waived_amount"].tolist() == [Decimal("800000.00"), Decimal("800000.00"), Decimal("0.00")]
    assert works["bid_status"].tolist() == ["submitted", "submitted", "withdrawn"]  # 流标: never opened
    goods = frame[(frame["tender_code"] == "BJ-2026-102") & (frame["section_number"] == 1)]
    assert goods["waived_amount"].tolist() == [Decimal("60000.00")] * 3  # 2% of 3,000,000
    # the credit commitment is neither cash nor a guarantee
    committed = goods[goods["bond_form"] == "credit_commitment"]
    assert committed[["guarantee_amount", "cash_amount"]].values.tolist() == [[Decimal("0.00"), Decimal("0.00")]]


def test_grouping_and_period_filters(session, clock, world, stats):
    frame = bond_statistics.bond_frame(session, clock.now())
    by_tenderee = bond_statistics.summary(frame, by=("tenderee",))
    assert by_tenderee[["招标人", "项目数", "标段数", "投标人次", "免收标段数", "减免保证金金额"]].values.tolist() == [
        ["某县水务局", 1, 2, 5, 1, Decimal("180000.00")],  # sorted by name
        ["某市建设局", 2, 3, 5, 2, Decimal("1600000.00")],
    ]
    by_category = bond_statistics.summary(frame, by=("category",))
    assert by_category["类别"].tolist() == ["货物", "服务", "工程"]
    later = bond_statistics.summary(frame, by=("period",), start="2026-04", end="2026-05")
    assert later[["期间", "项目数", "保函替代现金金额"]].values.tolist() == [
        ["2026-04", 1, Decimal("40000.00")], ["2026-05", 1, Decimal("0.00")]]
    assert bond_statistics.summary(frame, start="2026-06").empty
    english = bond_statistics.summary(frame, by=("category",), translate=lambda s: {"类别": "Category"}.get(s, s))
    assert english.columns[0] == "Category"


def test_headline_totals(session, clock, world, stats):
    frame = bond_statistics.bond_frame(session, clock.now())
    totals = bond_statistics.totals(frame)
    assert totals == {
        "projects": 3, "sections": 5, "bids": 10,
        "waived_projects": 2,  # the services tender waived its bond but nobody bid: nobody was spared
        "waived_amount": Decimal("1780000.00"), "waived_amount_wan": Decimal("178.00"),
        "guarantee_amount": Decimal("240000.00"), "cash_amount": Decimal("400000.00"),
        "overdue_count": 1, "overdue_amount": Decimal("200000.00"), "late_refunds": 1,
    }
    assert bond_statistics.totals(frame, start="2026-04")["waived_amount_wan"] == Decimal("18.00")
    bars = bond_statistics.period_bars(frame)
    assert [(b.period, b.waived, b.guaranteed, b.cash) for b in bars] == [
        ("2026-03", Decimal("1600000.00"), Decimal("200000.00"), Decimal("400000.00")),
        ("2026-04", Decimal("180000.00"), Decimal("40000.00"), Decimal("0.00")),
        ("2026-05", Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
    ]


def test_bids_stay_secret_until_the_opening(stats):
    """Before the goods tender opened, neither its bids nor its bonds showed (a bond tells who means to bid):
    no 投标人次, nothing waived or guaranteed yet."""
    frame = stats.before_goods_opening
    goods = frame[frame["tender_code"] == "BJ-2026-102"]
    assert goods[["section_number", "bidder", "bond_form", "bid_status"]].values.tolist() == [
        [1, "", "", ""], [2, "", "", ""]]
    figures = bond_statistics.summary(frame, by=("tenderee",))
    assert figures[["招标人", "投标人次", "免收标段数", "减免保证金金额", "保函替代现金金额"]].values.tolist() == [
        ["某县水务局", 0, 1, Decimal("0.00"), Decimal("0.00")],
        ["某市建设局", 5, 2, Decimal("1600000.00"), Decimal("200000.00")]]


def test_refunds_overdue_count_only_until_made(session, clock, world, stats):
    """Overdue is read at ``now``: before the due date nothing is; the late refund stays counted as late."""
    early = bond_statistics.totals(bond_statistics.bond_frame(session, stats.due_at - timedelta(seconds=1)))
    assert (early["overdue_count"], early["late_refunds"]) == (0, 1)


def test_excel_export_has_the_summary_and_the_detail(session, clock, world, stats):
    frame = bond_statistics.bond_frame(session, clock.now())
    data = bond_statistics.to_excel(frame, by=("period", "category"), start="2026-03", end="2026-04")
    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype={"期间": str})
    assert list(sheets) == ["汇总", "明细"]
    summary = sheets["汇总"]
    assert summary[["期间", "类别", "项目数", "投标人次", "减免保证金金额", "保函替代现金金额", "现金保证金金额",
                    "逾期未退笔数", "逾期未退金额"]].values.tolist() == [
        ["2026-03", "工程", 1, 5, 1600000.0, 200000.0, 400000.0, 1, 200000.0],
        ["2026-04", "货物", 1, 5, 180000.0, 40000.0, 0.0, 0, 0.0],
    ]
    detail = sheets["明细"]
    assert len(detail) == 11 and set(detail["项目编号"]) == {"BJ-2026-101", "BJ-2026-102"}
    late = detail[detail["逾期未退"] == "是"]
    assert late[["投标人", "保证金形式", "保证金状态", "现金保证金金额"]].values.tolist() == [
        ["投标公司3", "现金转账", "已缴纳", 200000.0]]
    assert detail["现金保证金金额"].sum() == 400000.0 and detail["减免保证金金额"].sum() == 1780000.0


def test_overdue_refunds_and_signals_for_the_supervisor(session, clock, world, stats):
    overdue = bond_statistics.overdue_list(session, clock, world.supervisor)
    assert [(o.tender_code, o.section_number, o.bidder, o.amount, o.due_at, o.days_overdue) for o in overdue] == [
        ("BJ-2026-101", 1, "投标公司3", Decimal("200000.00"), stats.due_at, 16)]  # the award took its days: 15 days and hours
    signals = bond_statistics.signal_list(session, world.supervisor)
    assert [(s.tender_code, s.shared, s.bidders) for s in signals] == [
        ("BJ-2026-101", BASIC_ACCOUNTS[2], ["投标公司2", "投标公司3"])]
    assert "条例第40条" in signals[0].label


@pytest.mark.parametrize("who", ["agent", "tenderee", "admin"])
def test_only_supervisors_read_the_statistics(session, clock, world, who):
    actor = getattr(world, who)
    for read in (lambda: bond_statistics.for_supervisor(session, clock, actor),
                 lambda: bond_statistics.overdue_list(session, clock, actor),
                 lambda: bond_statistics.signal_list(session, actor)):
        with pytest.raises(NotPermitted):
            read()


def test_empty_platform_gives_empty_tables(session, clock, world):
    frame = bond_statistics.bond_frame(session, clock.now())
    assert frame.empty and bond_statistics.summary(frame).empty
    assert bond_statistics.totals(frame)["waived_amount_wan"] == Decimal("0.00")
    assert bond_statistics.period_bars(frame) == []
    sheets = pd.read_excel(io.BytesIO(bond_statistics.to_excel(frame)), sheet_name=None)
    assert list(sheets) == ["汇总", "明细"] and sheets["汇总"].empty


@pytest.mark.parametrize(("start", "end", "by", "field"), [
    ("2026-13", "", [], "start"), ("abc", "", [], "start"), ("２０２６-０３", "", [], "start"), ("2026-00", "", [], "start"),
    ("", "2026-3", [], "end"), ("1999-01", "", [], "start"),
    ("2026-05", "2026-04", [], "start"), ("", "", ["region"], "by"),
])
def test_bad_filters_are_refused(start, end, by, field):
    with pytest.raises(InvalidInput) as refused:
        bond_statistics.parse_filters(start, end, by)
    assert refused.value.field == field


def test_filters_default_to_every_grouping_in_order():
    assert bond_statistics.parse_filters(" 2026-03 ", "2026-03", ["category", "period"]) == bond_statistics.Filters(
        "2026-03", "2026-03", ("period", "category"))
    assert bond_statistics.parse_filters().by == ("period", "tenderee", "category")


def test_the_bids_are_real(session, stats):
    """The fixture's bids went through sealing and the opening, not set by hand."""
    statuses = sorted(b.status for b in session.query(Bid).filter(Bid.tender_id == stats.works.id))
    assert statuses == ["decrypted"] * 3 + ["submitted"] * 2 + ["withdrawn"]
