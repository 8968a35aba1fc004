"""Cash bonds: the bank's statement pays a bond only from the bidder's basic account, on time and in full."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bidding import bank_transfers, bonds, participation
from bidding.bond_models import BondPayment, RiggingSignal
from core.errors import InvalidInput, NotPermitted, RuleViolation
from signing import ledger
from tests.bonding import BASIC_ACCOUNTS, set_basic_accounts, statement, statement_row
from tests.world import published_tender

AMOUNT = Decimal("200000.00")


@pytest.fixture
def cash(session, clock, world, tender):
    """Every bidder has its basic account and chose cash for section 1."""
    set_basic_accounts(session, clock, world)
    chosen = [bonds.choose_cash(session, clock, bidder, tender.id, 1) for bidder in world.bidders]
    session.commit()
    return chosen


def test_choosing_cash_gives_the_bidder_its_own_sub_account(session, clock, world, tender, cash):
    assert len({b.virtual_account for b in cash}) == 3
    assert all(b.status == "awaiting_payment" and b.amount == AMOUNT for b in cash)
    assert bonds.choose_cash(session, clock, world.bidders[0], tender.id, 1).id == cash[0].id  # asking again: same


def test_cash_needs_the_basic_account_recorded_first(session, clock, world, tender):
    with pytest.raises(InvalidInput) as refused:
        bonds.choose_cash(session, clock, world.bidders[0], tender.id, 1)
    assert "条例第26条" in str(refused.value)


@pytest.mark.parametrize("account", ["12345", "6222-0202-00ab", "9" * 40, ""])
def test_basic_account_must_be_an_account_number(session, clock, world, account):
    with pytest.raises(InvalidInput):
        bonds.set_basic_account(session, clock, world.bidders[0], "工商银行", account)


def test_statement_pays_the_bond_from_the_basic_account(session, clock, world, tender, cash):
    data = statement(statement_row("S001", clock.now(), "投标公司1", BASIC_ACCOUNTS[1], cash[0].virtual_account, AMOUNT))
    result = bank_transfers.import_statement(session, clock, world.admin, data)
    session.commit()
    assert [p.bank_serial for p in result.accepted] == ["S001"] and not result.refused and not result.errors
    assert (cash[0].status, cash[0].paid_amount, cash[0].payer_account) == ("paid", AMOUNT, BASIC_ACCOUNTS[1])
    state = bonds.bond_state(tender.sections[0], cash[0])
    assert not state.missing and "200,000.00" in state.text
    assert ledger.verify(session).ok


def test_importing_the_same_statement_twice_records_each_transfer_once(session, clock, world, tender, cash):
    data = statement(statement_row("S001", clock.now(), "投标公司1", BASIC_ACCOUNTS[1], cash[0].virtual_account, AMOUNT))
    bank_transfers.import_statement(session, clock, world.admin, data)
    again = bank_transfers.import_statement(session, clock, world.admin, data)
    assert again.skipped == 1 and not again.accepted
    assert session.query(BondPayment).count() == 1


def test_transfer_from_a_third_party_account_is_refused_and_kept_for_return(session, clock, world, tender, cash):
    data = statement(statement_row("S002", clock.now(), "某个人", "6228480000000000001", cash[0].virtual_account, AMOUNT))
    result = bank_transfers.import_statement(session, clock, world.admin, data)
    assert [(p.status, p.reason) for p in result.refused] == [("refused", "third_party")]
    assert cash[0].status == "awaiting_payment" and bonds.bond_state(tender.sections[0], cash[0]).missing


def test_same_payer_for_two_bidders_is_a_rigging_signal(session, clock, world, tender, cash):
    """条例第40条(六): bidder 1's basic account pays bidder 2's bond too."""
    data = statement(
        statement_row("S010", clock.now(), "投标公司1", BASIC_ACCOUNTS[1], cash[0].virtual_account, AMOUNT),
        statement_row("S011", clock.now(), "投标公司1", BASIC_ACCOUNTS[1], cash[1].virtual_account, AMOUNT))
    result = bank_transfers.import_statement(session, clock, world.admin, data)
    session.commit()
    assert len(result.accepted) == 1 and result.refused[0].reason == "third_party"
    signal = session.query(RiggingSignal).one()
    assert (signal.kind, signal.key) == ("same_bond_payer", BASIC_ACCOUNTS[1])
    assert signal.org_ids == ",".join(str(b.org_id) for b in world.bidders[:2])


def test_late_short_and_unknown_transfers_are_refused_each_with_its_reason(session, clock, world, tender, cash):
    data = statement(
        statement_row("S020", tender.bid_deadline, "投标公司1", BASIC_ACCOUNTS[1], cash[0].virtual_account, AMOUNT),
        statement_row("S021", clock.now(), "投标公司2", BASIC_ACCOUNTS[2], cash[1].virtual_account, "199999.99"),
        statement_row("S022", clock.now(), "投标公司3", BASIC_ACCOUNTS[3], "80000000000000", AMOUNT))
    result = bank_transfers.import_statement(session, clock, world.admin, data)
    assert [p.reason for p in result.refused] == ["late", "insufficient", "unknown_account"]
    assert all(b.status == "awaiting_payment" for b in cash)


def test_malformed_rows_are_reported_and_the_valid_rows_kept(session, clock, world, tender, cash):
    good = statement_row("S030", clock.now(), "投标公司1", BASIC_ACCOUNTS[1], cash[0].virtual_account, AMOUNT)
    rows = [
        good,
        "S031,not a time,投标公司2,6222020200112233442,中国工商银行,1,200000.00,x",
        f"S032,2026-03-02 10:00:00,投标公司2,{BASIC_ACCOUNTS[2]},中国工商银行,{cash[1].virtual_account},-5,x",
        f"S033,2026-03-02 10:00:00,投标公司2,{BASIC_ACCOUNTS[2]},中国工商银行,{cash[1].virtual_account},12.345,x",
        f",2026-03-02 10:00:00,投标公司2,{BASIC_ACCOUNTS[2]},中国工商银行,{cash[1].virtual_account},1.00,x",
        f"S035,2026-03-02 10:00:00,投标公司2,abc,中国工商银行,{cash[1].virtual_account},1.00,x",
        f"S036,2026-03-02 10:00:00,,{BASIC_ACCOUNTS[2]},中国工商银行,{cash[1].virtual_account},1.00,x",
    ]
    result = bank_transfers.import_statement(session, clock, world.admin, statement(*rows))
    assert [p.bank_serial for p in result.accepted] == ["S030"]
    assert [e.row for e in result.errors] == [3, 4, 5, 6, 7, 8]
    assert session.query(BondPayment).count() == 1


def test_statement_in_gbk_is_read(session, clock, world, tender, cash):
    data = statement(statement_row("S040", clock.now(), "投标公司1", BASIC_ACCOUNTS[1], cash[0].virtual_account, AMOUNT),
                     encoding="gbk")
    assert len(bank_transfers.import_statement(session, clock, world.admin, data).accepted) == 1


@pytest.mark.parametrize("data", [b"", b"\x00\x01binary", "交易流水号,金额\nS1,1.00\n".encode(), b"a,b\n\"unclosed"])
def test_what_is_not_a_statement_is_refused_whole(session, clock, world, data):
    with pytest.raises(InvalidInput):
        bank_transfers.import_statement(session, clock, world.admin, data)
    assert session.query(BondPayment).count() == 0


def test_only_the_platform_operator_imports_statements(session, clock, world, tender, cash):
    data = statement(statement_row("S050", clock.now(), "投标公司1", BASIC_ACCOUNTS[1], cash[0].virtual_account, AMOUNT))
    with pytest.raises(NotPermitted):
        bank_transfers.import_statement(session, clock, world.bidders[0], data)


def test_a_paid_cash_bond_cannot_be_swapped_for_another_form(session, clock, world, tender, cash):
    data = statement(statement_row("S060", clock.now(), "投标公司1", BASIC_ACCOUNTS[1], cash[0].virtual_account, AMOUNT))
    bank_transfers.import_statement(session, clock, world.admin, data)
    again = statement(statement_row("S061", clock.now() + timedelta(minutes=1), "投标公司1", BASIC_ACCOUNTS[1],
                                    cash[0].virtual_account, AMOUNT))
    assert bank_transfers.import_statement(session, clock, world.admin, again).refused[0].reason == "already_paid"


def test_cash_is_refused_where_the_bond_is_waived(session, clock, store, world):
    waived = published_tender(session, clock, store, world, code="BJ-2026-009", sections=[
        {"name": "一标段", "estimated_price": "1000000.00", "bond_policy": "waived",
         "bond_waiver_basis": "政府投资项目免收"}])
    clock.advance(timedelta(hours=2))
    participation.obtain_documents(session, clock, world.bidders[0], waived.id)
    set_basic_accounts(session, clock, world)
    with pytest.raises(RuleViolation, match="免收"):
        bonds.choose_cash(session, clock, world.bidders[0], waived.id, 1)
    assert bonds.bond_state(waived.sections[0], None).text == "免收"
