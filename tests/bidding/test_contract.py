"""The contract (法第46条, 条例第57条): only after the award notice, with the notice's winner, at the winning price;
within 30 days of the notice — a late one is still recorded but flagged; reminders 5 days ahead and the overdue
list under the scheduler's watch; the savings rate against the estimate for the statistics."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bidding import bond_release, bond_statistics, publicity
from core.errors import InvalidInput, NotPermitted, RuleViolation
from signing import ledger
from tests.bidding.awarding import evaluated
from tests.bidding.publicizing import notified_award, notify


def _sign(session, clock, world, found, **changes):
    tender = found.tender
    values = {"winner_org_id": found.winner_org_id, "price": publicity.winning_price(found),
              "signed_at": clock.now(), "performance_bond": None, **changes}
    return bond_release.record_contract(session, clock, world.tenderee, tender.id, found.section.number, **values)


def test_no_contract_before_the_award_notice(session, clock, store, world):
    built = evaluated(session, clock, store, world)
    with pytest.raises(RuleViolation) as early:
        bond_release.record_contract(session, clock, world.agent, built.tender.id, 1,
                                     winner_org_id=world.bidders[1].org_id, price=Decimal("9000000.00"),
                                     signed_at=clock.now(), performance_bond=None)
    assert early.value.rule == "法第46条"
    notify(session, clock, store, world, built.award)
    contract = _sign(session, clock, world, built.award)
    session.commit()
    assert contract.award_id == built.award.id and built.award.status == "contracted"
    assert built.tender.status == "contracted"
    assert not bond_release.contract_late(session, contract)
    assert ledger.verify(session).ok


def test_the_contract_is_with_the_notices_winner_at_the_winning_price(session, clock, store, world):
    found = notified_award(session, clock, store, world)
    other = next(b for b in world.bidders if b.org_id != found.winner_org_id)
    with pytest.raises(RuleViolation) as wrong:
        _sign(session, clock, world, found, winner_org_id=other.org_id)
    assert wrong.value.rule == "法第46条"
    with pytest.raises(RuleViolation) as price:
        _sign(session, clock, world, found, price=publicity.winning_price(found) - Decimal("1.00"))
    assert price.value.rule == "条例第57条"
    with pytest.raises(InvalidInput, match="中标通知书发出之后"):
        _sign(session, clock, world, found, signed_at=found.notified_at - timedelta(seconds=1))
    assert found.status == "notified"


def test_a_late_contract_is_recorded_and_flagged(session, clock, store, world):
    found = notified_award(session, clock, store, world)
    clock.advance(timedelta(days=31))
    contract = _sign(session, clock, world, found)
    assert found.status == "contracted" and bond_release.contract_late(session, contract)
    entry = next(e for e in ledger.entries(session) if e.action == "contract.record")
    assert entry.data["after"]["late"] is True and entry.data["after"]["rule"] == "法第46条"


def test_reminders_five_days_ahead_then_overdue_once(session, clock, store, world):
    found = notified_award(session, clock, store, world)
    due = found.notified_at + timedelta(days=30)
    [row] = bond_release.contracts_due(session, clock)
    assert row.award_id == found.id and row.due == due and row.days_left == 30 and not row.overdue
    assert bond_release.contracts_due(session, clock, world.other_agent) == []
    assert [r.award_id for r in bond_release.contracts_due(session, clock, world.agent)] == [found.id]
    assert bond_release.remind_contracts(session, clock) == ([], [])
    clock.set(due - timedelta(days=5))
    assert bond_release.remind_contracts(session, clock) == ([found.id], [])
    assert bond_release.remind_contracts(session, clock) == ([], [])
    clock.set(due + timedelta(hours=1))
    assert bond_release.remind_contracts(session, clock) == ([], [found.id])
    assert bond_release.remind_contracts(session, clock) == ([], [])
    [row] = bond_release.contracts_due(session, clock)
    assert row.overdue and row.days_left == -1
    _sign(session, clock, world, found)
    assert bond_release.contracts_due(session, clock) == []


def test_savings_rate_per_contract_for_the_supervisor(session, clock, store, world):
    found = notified_award(session, clock, store, world)
    _sign(session, clock, world, found)
    [saving] = bond_statistics.contract_savings(session, world.supervisor)
    price = publicity.winning_price(found)
    estimate = found.section.estimated_price
    assert saving.price == price and saving.savings_rate == ((estimate - price) / estimate * 100).quantize(
        Decimal("0.01"))
    with pytest.raises(NotPermitted):
        bond_statistics.contract_savings(session, world.agent)
