"""Bonds at the opening and after the contract: the opening record shows each bond, a missing bond is a
rejection ground, and bonds go back within 5 days of the contract (条例第57条) under the scheduler's watch."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest

from bidding import bank_transfers, bids, bond_release, bonds, opening, opening_record, participation, publicity
from bidding.bond_models import Bond
from bidding.models import Bid
from core.errors import Conflict, InvalidInput, NotFound, RuleViolation
from signing import envelope, ledger, records, signed_records
from tests.bidding.publicizing import open_and_notify
from tests.bidding.sealing import container, sealed, submit
from tests.bonding import BASIC_ACCOUNTS, guarantee_terms, register_issuer, set_basic_accounts, statement, statement_row
from tests.world import ensure_signing, published_tender, signing

AMOUNT = Decimal("200000.00")
RATE = Decimal("0.0005")
# below the section's estimate (10,000,000.00), so the evaluation can recommend them
PRICES = {1: "9500000.00", 2: "9000000.00", 3: "9800000.00"}


@pytest.fixture
def bonded(session, clock, store, world, tender):
    """Bidder 1 gives a bank guarantee, bidder 2 pays cash, bidder 3 chose cash and never paid; all three bid."""
    bank = register_issuer(session, clock, world)
    set_basic_accounts(session, clock, world)
    bonds.submit_guarantee(session, clock, world.bidders[0], store, tender.id, 1,
                           bank.sign(guarantee_terms(session, world, tender, bank)))
    cash = bonds.choose_cash(session, clock, world.bidders[1], tender.id, 1)
    unpaid = bonds.choose_cash(session, clock, world.bidders[2], tender.id, 1)
    bank_transfers.import_statement(session, clock, world.admin, statement(
        statement_row("S1", clock.now(), "投标公司2", BASIC_ACCOUNTS[2], cash.virtual_account, AMOUNT)))
    placed = {}
    for number in (1, 2, 3):
        data = sealed(session, world, tender, number,
                      plaintext=container({"price": PRICES[number], "duration_days": 365}, {"技术标.pdf": b"%PDF" * 50}))
        submission, _ = submit(session, clock, store, world, tender, data, number)
        placed[number] = (session.get(Bid, submission.bid_id), data)
    session.commit()
    return cash, unpaid, placed


def _open_all(session, clock, store, world, tender, placed, decrypt=(1, 2, 3)):
    clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, clock)
    opening.start_due_openings(session, clock, timedelta(minutes=30))
    for number in decrypt:
        bid, data = placed[number]
        key = envelope.unwrap_for_bidder(envelope.read_header(io.BytesIO(data)), world.encryption_keys[f"bidder{number}"])
        opening.decrypt_own_bid(session, clock, world.bidders[number - 1], store, bid.id, key)
    clock.advance(timedelta(minutes=31))
    opening.close_decryption_windows(session, clock)
    for number in set(placed) - set(decrypt):
        opening.record_failure(session, clock, world.agent, placed[number][0].id, "bidder", "投标人未在解密期内解密")
    opening.finish_opening(session, clock, world.agent, tender.id)
    session.commit()


def _contract(session, clock, world, tender, found, actor=None, **changes):
    """The contract after the award notice (法第46条): the award's winner at the winning price, signed now."""
    values = {"winner_org_id": found.winner_org_id, "price": publicity.winning_price(found), "signed_at": clock.now(),
              "performance_bond": None, **changes}
    return bond_release.record_contract(session, clock, actor or world.agent, tender.id, 1, **values)


def test_opening_record_shows_every_bond_and_a_missing_one(session, clock, store, world, tender, bonded):
    _, _, placed = bonded
    _open_all(session, clock, store, world, tender, placed)
    states = bonds.bond_states(session, tender)
    texts = {bid.bidder_org_id: states[(bid.section_id, bid.bidder_org_id)] for bid, _ in placed.values()}
    assert texts[world.bidders[0].org_id].text.startswith("保函已核验（银行保函 BH")
    assert texts[world.bidders[1].org_id].text == "已缴纳（现金转账 200,000.00 元）"
    assert texts[world.bidders[2].org_id].missing and texts[world.bidders[2].org_id].text == "未缴纳"
    content = records.canonical_content(opening_record.opening_record(session, tender, "r", ["x"]))
    assert "保函已核验" in content and "已缴纳（现金转账 200,000.00 元）" in content and "未缴纳" in content
    assert "未按招标文件要求提交投标保证金（或信用承诺书）的投标：第 1 标段 投标公司3" in content
    ensure_signing(session, clock, world, "agent")
    signed = opening_record.sign_opening_record(session, clock, world.agent, tender.id, signing(store))
    assert signed.signatures == 1


def test_contract_releases_guarantees_and_starts_the_five_day_refund_clock(session, clock, store, world, tender, bonded):
    cash, unpaid, placed = bonded
    _open_all(session, clock, store, world, tender, placed)
    found = open_and_notify(session, clock, store, world, tender)
    signed_at = clock.now()
    _contract(session, clock, world, tender, found, world.tenderee, performance_bond=Decimal("900000.00"))
    session.commit()
    guarantee = bonds.bond_for(session, tender.sections[0].id, world.bidders[0].org_id)
    assert guarantee.status == "released" and guarantee.released_at == clock.now()
    assert cash.status == "paid" and cash.release_due_at == signed_at + timedelta(days=5)
    assert unpaid.release_due_at is None  # nothing was paid: nothing to refund
    assert [b.id for b in bond_release.refunds_due(session, world.agent)] == [cash.id]
    assert ledger.verify(session).ok


def test_scheduler_reminds_a_day_ahead_then_lists_the_overdue_refund(session, clock, store, world, tender, bonded):
    cash, _, placed = bonded
    _open_all(session, clock, store, world, tender, placed)
    _contract(session, clock, world, tender, open_and_notify(session, clock, store, world, tender))
    assert bond_release.track_refunds(session, clock) == ([], [])
    clock.advance(timedelta(days=4, hours=1))
    assert bond_release.track_refunds(session, clock) == ([cash.id], [])
    assert bond_release.track_refunds(session, clock) == ([], [])  # once only
    assert bond_release.overdue_refunds(session, clock, world.supervisor) == []
    clock.advance(timedelta(days=1))
    assert bond_release.track_refunds(session, clock) == ([], [cash.id])
    assert bond_release.overdue_refunds(session, clock, world.supervisor) == [cash]
    bond_release.refund_cash(session, clock, world.agent, cash.id, "RF20260401", RATE)
    assert cash.status == "refunded" and bond_release.overdue_refunds(session, clock, world.supervisor) == []


def test_refund_carries_the_deposit_interest(session, clock, store, world, tender, bonded):
    cash, _, placed = bonded
    _open_all(session, clock, store, world, tender, placed)
    _contract(session, clock, world, tender, open_and_notify(session, clock, store, world, tender))
    clock.advance(timedelta(days=2))
    bond_release.refund_cash(session, clock, world.agent, cash.id, "RF1", RATE)
    days = (clock.now() - cash.paid_at).days
    assert cash.interest == (AMOUNT * RATE * days / 360).quantize(Decimal("0.01")) and cash.interest > 0
    with pytest.raises(Conflict):
        bond_release.refund_cash(session, clock, world.agent, cash.id, "RF2", RATE)
    with pytest.raises(InvalidInput):
        bond_release.refund_cash(session, clock, world.agent, cash.id, " ", RATE)


def test_refund_waits_for_the_contract(session, clock, store, world, tender, bonded):
    cash, _, placed = bonded
    _open_all(session, clock, store, world, tender, placed)
    with pytest.raises(Conflict):
        bond_release.refund_cash(session, clock, world.agent, cash.id, "RF1", RATE)


def test_winners_cash_bond_becomes_its_performance_bond_within_ten_percent(session, clock, store, world, tender, bonded):
    cash, _, placed = bonded
    _open_all(session, clock, store, world, tender, placed)
    found = open_and_notify(session, clock, store, world, tender)
    assert found.winner_org_id == world.bidders[1].org_id  # the lowest price, with equal other scores
    with pytest.raises(RuleViolation) as refused:
        _contract(session, clock, world, tender, found, performance_bond=Decimal("900000.01"))
    assert refused.value.rule == "条例第58条"
    _contract(session, clock, world, tender, found, performance_bond=Decimal("900000.00"))
    bond_release.convert_to_performance_bond(session, clock, world.agent, cash.id)
    assert cash.status == "converted"


def test_only_the_winner_converts_and_only_a_revoked_bid_forfeits(session, clock, store, world, tender, bonded):
    cash, _, placed = bonded
    _open_all(session, clock, store, world, tender, placed, decrypt=(1, 3))
    found = open_and_notify(session, clock, store, world, tender)
    assert found.winner_org_id == world.bidders[0].org_id  # bidder 3's bond is missing: the only valid bid
    _contract(session, clock, world, tender, found, performance_bond=Decimal("900000.00"))
    with pytest.raises(Conflict):
        bond_release.convert_to_performance_bond(session, clock, world.agent, cash.id)
    # bidder 2 failed to decrypt by its own fault: a revocation after the deadline (条例第35条)
    bond_release.forfeit(session, clock, world.tenderee, cash.id, "投标截止后撤销投标")
    assert cash.status == "forfeited"
    guarantee = bonds.bond_for(session, tender.sections[0].id, world.bidders[0].org_id)
    with pytest.raises(RuleViolation) as refused:
        bond_release.forfeit(session, clock, world.agent, guarantee.id, "想扣")
    assert refused.value.rule == "条例第35条"


def test_contract_refusals(session, clock, store, world, tender, bonded):
    _, _, placed = bonded
    with pytest.raises(Conflict):  # before the opening
        bond_release.record_contract(session, clock, world.agent, tender.id, 1, winner_org_id=world.bidders[0].org_id,
                                     price=Decimal("1.00"), signed_at=clock.now(), performance_bond=None)
    _open_all(session, clock, store, world, tender, placed, decrypt=(1, 2))
    with pytest.raises(RuleViolation) as early:  # before the award notice (法第46条)
        bond_release.record_contract(session, clock, world.agent, tender.id, 1, winner_org_id=world.bidders[0].org_id,
                                     price=Decimal("9500000.00"), signed_at=clock.now(), performance_bond=None)
    assert early.value.rule == "法第46条"
    found = open_and_notify(session, clock, store, world, tender)
    cases = [
        ({"winner_org_id": world.bidders[2].org_id}, InvalidInput),  # its bid was not decrypted
        ({"price": Decimal("0")}, InvalidInput),
        ({"signed_at": clock.now() + timedelta(days=1)}, InvalidInput),
        ({"signed_at": found.notified_at - timedelta(seconds=1)}, InvalidInput),
    ]
    for change, error in cases:
        with pytest.raises(error):
            _contract(session, clock, world, tender, found, **change)
    with pytest.raises(NotFound):
        _contract(session, clock, world, tender, found, world.other_agent)
    _contract(session, clock, world, tender, found)
    with pytest.raises(Conflict):
        _contract(session, clock, world, tender, found)


def test_a_failed_section_returns_its_bonds_too(session, clock, store, world, tender):
    """流标 (fewer than 3 bids): the cash paid is due back within the same 5 days."""
    set_basic_accounts(session, clock, world)
    cash = bonds.choose_cash(session, clock, world.bidders[0], tender.id, 1)
    bank_transfers.import_statement(session, clock, world.admin, statement(
        statement_row("S9", clock.now(), "投标公司1", BASIC_ACCOUNTS[1], cash.virtual_account, AMOUNT)))
    submit(session, clock, store, world, tender, sealed(session, world, tender, 1), 1)
    clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, clock)
    assert tender.sections[0].status == "failed"
    assert cash.release_due_at == clock.now() + timedelta(days=5)


def test_credit_commitment_is_signed_by_the_bidder_where_it_replaces_the_bond(session, clock, store, world):
    t = published_tender(session, clock, store, world, code="BJ-2026-010", sections=[
        {"name": "一标段", "estimated_price": "1000000.00", "bond_policy": "waived_credit_commitment",
         "bond_waiver_basis": "政府投资项目以信用承诺替代投标保证金"}])
    clock.advance(timedelta(hours=2))
    participation.obtain_documents(session, clock, world.bidders[0], t.id)
    ensure_signing(session, clock, world, "bidder1")
    assert bonds.bond_state(t.sections[0], None).missing
    bond = bonds.sign_commitment(session, clock, world.bidders[0], signing(store), t.id, 1)
    session.commit()
    assert (bond.form, bond.status) == ("credit_commitment", "committed")
    assert not bonds.bond_state(t.sections[0], bond).missing
    record = signed_records.get(session, bond.record_id)
    assert record.kind == "credit_commitment" and record.signatures == 1
    with pytest.raises(Conflict):
        bonds.sign_commitment(session, clock, world.bidders[0], signing(store), t.id, 1)


def test_waiver_decision_is_signed_at_publication(session, clock, store, world):
    t = published_tender(session, clock, store, world, code="BJ-2026-011", sections=[
        {"name": "一标段", "estimated_price": "1000000.00", "bond_policy": "waived",
         "bond_waiver_basis": "某省政府投资项目免收文件第二条"},
        {"name": "二标段", "estimated_price": "1000000.00", "bond_amount": "20000.00"}])
    [decision] = signed_records.for_tender(session, t.id, "bond_waiver")
    assert decision.signatures == 1
    assert signed_records.for_tender(session, published_tender(session, clock, store, world, code="BJ-2026-012").id,
                                     "bond_waiver") == []


def test_bonds_of_a_tender_stay_secret_before_the_deadline(session, clock, store, world, tender, bonded):
    assert bonds.tender_bonds(session, world.agent, tender) == []
    assert bonds.tender_bonds(session, world.supervisor, tender) == []
    with pytest.raises(NotFound):
        bonds.tender_bonds(session, world.bidders[0], tender)
    assert set(bonds.own_bonds(session, world.bidders[0], tender.id)) == {tender.sections[0].id}
    assert session.query(Bond).count() == 3
