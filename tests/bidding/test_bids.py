"""Sealed bids before the opening: who may submit, until when, what is refused, and that nobody reads early."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select, text

from bidding import bids
from bidding.models import Bid, BidSubmission, Section, Tender
from core.db import Base
from core.errors import Conflict, DeadlinePassed, InvalidInput, NotFound, NotPermitted
from signing import envelope, pki, signed_records
from signing.verify import verify_pdf
from tests.bidding.sealing import PRICE, SECRET, sealed, submit
from tests.world import SIGNING


def test_bid_is_accepted_with_a_signed_receipt(session, clock, store, world, tender):
    submission, new = submit(session, clock, store, world, tender, sealed(session, world, tender))
    assert new and submission.action == "submit" and submission.source_ip == "203.0.113.7"
    assert submission.bidder_signature
    receipt = signed_records.get(session, submission.receipt_record_id)
    pdf = store.open(receipt.pdf_sha256).read()
    assert verify_pdf(pdf, pki.trust_roots(session), [pki.crl(session, clock, SIGNING)], clock.now()).ok


def test_bid_one_second_before_the_deadline_is_accepted_and_at_it_refused(session, clock, store, world, tender):
    clock.set(tender.bid_deadline - timedelta(seconds=1))
    submit(session, clock, store, world, tender, sealed(session, world, tender, 1))
    clock.set(tender.bid_deadline)
    with pytest.raises(DeadlinePassed):
        submit(session, clock, store, world, tender, sealed(session, world, tender, 2), 2)
    assert len(session.scalars(select(Bid)).all()) == 1


def test_bidder_without_documents_cannot_bid(session, clock, store, world, tender):
    session.execute(text("DELETE FROM document_obtained WHERE bidder_org_id = :o"), {"o": world.bidders[0].org_id})
    session.commit()
    with pytest.raises(NotPermitted):
        submit(session, clock, store, world, tender, sealed(session, world, tender))


def test_envelope_for_another_tender_or_section_is_refused(session, clock, store, world, tender):
    with pytest.raises(envelope.EnvelopeError):
        submit(session, clock, store, world, tender, sealed(session, world, tender, tender_code="OTHER-001"))
    with pytest.raises(envelope.EnvelopeError):
        submit(session, clock, store, world, tender, sealed(session, world, tender, section=2))
    with pytest.raises(NotFound):
        submit(session, clock, store, world, tender, sealed(session, world, tender), section=2)


def test_envelope_not_sealed_to_the_tenders_escrow_is_refused(session, clock, store, world, tender):
    strangers = envelope.Escrow(2, tuple(X25519PrivateKey.generate().public_key() for _ in range(3)))
    with pytest.raises(envelope.EnvelopeError) as refused:
        submit(session, clock, store, world, tender, sealed(session, world, tender, escrow=strangers))
    assert "托管人" in str(refused.value)


def test_garbage_and_tampered_headers_are_refused(session, clock, store, world, tender):
    with pytest.raises(envelope.EnvelopeError):
        submit(session, clock, store, world, tender, b"%PDF-1.4 plaintext bid, not sealed")
    assert session.scalars(select(Bid)).all() == []


def test_oversized_bid_is_refused_and_not_kept(session, clock, store, world, tender):
    with pytest.raises(InvalidInput):
        submit(session, clock, store, world, tender, sealed(session, world, tender), max_bytes=1000)
    assert session.scalars(select(Bid)).all() == []


def test_same_envelope_twice_is_one_bid(session, clock, store, world, tender):
    data = sealed(session, world, tender)
    first, new = submit(session, clock, store, world, tender, data)
    again, new_again = submit(session, clock, store, world, tender, data)
    assert new and not new_again and again.id == first.id
    assert len(session.scalars(select(BidSubmission)).all()) == 1


def test_replacement_keeps_the_history(session, clock, store, world, tender):
    submit(session, clock, store, world, tender, sealed(session, world, tender))
    second, _ = submit(session, clock, store, world, tender, sealed(session, world, tender, plaintext=b"v2" * 100))
    bid = session.get(Bid, second.bid_id)
    assert [s.action for s in bid.submissions] == ["submit", "replace"]
    assert bid.envelope_sha256 == second.envelope_sha256


def test_withdrawal_before_the_deadline_but_not_after(session, clock, store, world, tender):
    submission, _ = submit(session, clock, store, world, tender, sealed(session, world, tender))
    bids.withdraw(session, clock, world.bidders[0], submission.bid_id)
    session.commit()
    with pytest.raises(Conflict):
        bids.withdraw(session, clock, world.bidders[0], submission.bid_id)
    submit(session, clock, store, world, tender, sealed(session, world, tender, plaintext=b"again" * 10))
    clock.set(tender.bid_deadline)
    with pytest.raises(DeadlinePassed):
        bids.withdraw(session, clock, world.bidders[0], submission.bid_id)


def test_only_the_bidder_sees_its_bid(session, clock, store, world, tender):
    submission, _ = submit(session, clock, store, world, tender, sealed(session, world, tender))
    assert bids.own_bid(session, world.bidders[0], submission.bid_id).id == submission.bid_id
    for actor in (world.bidders[1], world.agent, world.tenderee, world.supervisor, world.admin, world.expert):
        with pytest.raises(NotFound):
            bids.own_bid(session, actor, submission.bid_id)


def test_fewer_than_three_bids_fail_the_section(session, clock, store, world, tender):
    for number in (1, 2):
        submit(session, clock, store, world, tender, sealed(session, world, tender, number), number)
    clock.set(tender.bid_deadline)
    assert bids.close_due_tenders(session, clock) == [tender.id]
    session.commit()
    session.expire_all()
    assert session.scalars(select(Section.status)).one() == "failed"
    assert session.get(Tender, tender.id).status == "failed"


def test_three_bids_proceed_to_the_opening(session, clock, store, world, tender):
    for number in (1, 2, 3):
        submit(session, clock, store, world, tender, sealed(session, world, tender, number), number)
    clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, clock)
    session.commit()
    session.expire_all()
    assert session.scalars(select(Section.status)).one() == "proceeding"
    assert session.get(Tender, tender.id).status == "closed"


def test_database_and_file_store_reveal_no_bid_before_the_opening(engine, session, clock, store, world, tender):
    """Everything a thief could take before the opening: every table's every value, every stored file."""
    for number in (1, 2, 3):
        submit(session, clock, store, world, tender, sealed(session, world, tender, number), number)
    needles = [PRICE.encode(), SECRET.encode(), SECRET.encode("utf-16-be")]
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                blob = repr(tuple(row)).encode() + b"".join(v for v in row if isinstance(v, bytes))
                assert not any(n in blob for n in needles), table.name
    files = [p for p in store.root.rglob("*") if p.is_file()]
    assert len(files) >= 3
    for path in files:
        data = path.read_bytes()
        assert not any(n in data for n in needles), path
