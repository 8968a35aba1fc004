"""The remote opening: bidders decrypt within the window, failures are assigned, the escrow recovers, the
opening record is signed by the agent and the supervisor."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bidding import bids, opening, opening_record
from bidding.models import Bid
from core.errors import Conflict, DeadlinePassed, InvalidInput, NotFound, NotPermitted
from signing import envelope, pki, signed_records
from signing.verify import verify_pdf
from tests.bidding.sealing import PRICE, SECRET, container, sealed, submit
from tests.tools import nss_database, pdfsig
from tests.world import SIGNING, ensure_signing, signing

WINDOW = timedelta(minutes=30)


@pytest.fixture
def opened(session, clock, store, world, tender):
    """Three bids in, the deadline passed, the opening started; returns (tender, {bidder number: (bid, envelope)})."""
    placed = {}
    for number in (1, 2, 3):
        data = sealed(session, world, tender, number, plaintext=None)
        submission, _ = submit(session, clock, store, world, tender, data, number)
        placed[number] = (session.get(Bid, submission.bid_id), data)
    clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, clock)
    assert opening.start_due_openings(session, clock, WINDOW) == [tender.id]
    session.commit()
    return tender, placed


def _key(world, number: int, data: bytes) -> bytes:
    header = envelope.read_header(io.BytesIO(data))
    return envelope.unwrap_for_bidder(header, world.encryption_keys[f"bidder{number}"])


def test_opening_starts_exactly_at_the_deadline(session, clock, opened):
    tender, _ = opened
    assert tender.status == "opening" and tender.opened_at == tender.bid_deadline
    assert tender.decryption_deadline == tender.bid_deadline + WINDOW


def test_bidder_decrypts_its_own_bid_and_the_form_is_read(session, clock, store, world, opened):
    _, placed = opened
    bid, data = placed[1]
    opening.decrypt_own_bid(session, clock, world.bidders[0], store, bid.id, _key(world, 1, data))
    session.commit()
    assert bid.status == "decrypted" and bid.decrypted_via == "bidder"
    assert json.loads(bid.bid_form)["price"] == PRICE
    assert [f.name for f in bid.files] == ["技术标.pdf"]
    assert SECRET.encode() in store.open(bid.files[0].sha256).read()


def test_decrypted_pdfs_keep_their_metadata_for_the_rigging_checks(session, clock, store, world, tender):
    from signing import records

    pdf = records.render(records.Record(kind="bid", title="技术标", tender_code=tender.code, record_id="b-1"))
    data = sealed(session, world, tender, 1, plaintext=container({"price": PRICE}, {"技术标.pdf": pdf}))
    submission, _ = submit(session, clock, store, world, tender, data, 1)
    for number in (2, 3):
        submit(session, clock, store, world, tender, sealed(session, world, tender, number), number)
    clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, clock)
    opening.start_due_openings(session, clock, WINDOW)
    bid = opening.decrypt_own_bid(session, clock, world.bidders[0], store, submission.bid_id, _key(world, 1, data))
    metadata = json.loads(bid.files[0].metadata_json)
    assert metadata["producer"].startswith("ReportLab") and metadata["author"] == "sealbid 电子招标投标交易平台"


def test_a_key_from_another_bid_or_a_flipped_key_is_refused(session, clock, store, world, opened):
    _, placed = opened
    bid, data = placed[1]
    key = bytearray(_key(world, 1, data))
    key[0] ^= 1
    with pytest.raises(envelope.EnvelopeError):
        opening.decrypt_own_bid(session, clock, world.bidders[0], store, bid.id, bytes(key))
    with pytest.raises(envelope.EnvelopeError):
        opening.decrypt_own_bid(session, clock, world.bidders[0], store, bid.id, _key(world, 2, placed[2][1]))
    assert bid.status == "submitted"


def test_nobody_decrypts_someone_elses_bid(session, clock, store, world, opened):
    _, placed = opened
    bid, data = placed[1]
    for actor in (world.bidders[1], world.agent, world.supervisor):
        with pytest.raises((NotFound, NotPermitted)):
            opening.decrypt_own_bid(session, clock, actor, store, bid.id, _key(world, 1, data))


def test_no_decryption_before_the_opening(session, clock, store, world, tender):
    data = sealed(session, world, tender, 1)
    submission, _ = submit(session, clock, store, world, tender, data, 1)
    with pytest.raises(Conflict):
        opening.decrypt_own_bid(session, clock, world.bidders[0], store, submission.bid_id, _key(world, 1, data))


def test_decryption_after_the_window_is_refused(session, clock, store, world, opened):
    _, placed = opened
    bid, data = placed[1]
    clock.advance(WINDOW + timedelta(seconds=1))
    with pytest.raises(DeadlinePassed):
        opening.decrypt_own_bid(session, clock, world.bidders[0], store, bid.id, _key(world, 1, data))


def _holder_ids(world) -> list[int]:
    return [world.users[name].id for name in ("agent", "tenderee")]


def test_failures_are_assigned_and_the_escrow_recovers_one(session, clock, store, world, opened, tmp_path):
    tender, placed = opened
    for number in (1, 2):
        bid, data = placed[number]
        opening.decrypt_own_bid(session, clock, world.bidders[number - 1], store, bid.id, _key(world, number, data))
    clock.advance(WINDOW + timedelta(seconds=1))
    assert opening.close_decryption_windows(session, clock) == [placed[3][0].id]
    with pytest.raises(Conflict):  # the failure must be assigned first
        opening.finish_opening(session, clock, world.agent, tender.id)
    third = placed[3][0]
    with pytest.raises(InvalidInput):
        opening.record_failure(session, clock, world.agent, third.id, "nobody", "x")
    opening.record_failure(session, clock, world.agent, third.id, "other", "平台 CA 服务中断，投标人无法解密")
    recovery = opening.request_recovery(session, clock, world.agent, store, third.id, _holder_ids(world), "平台原因")
    order = [int(u) for u in recovery.holders.split(",")]
    by_id = {world.users[n].id: n for n in ("agent", "tenderee", "supervisor")}
    first = by_id[order[0]]
    layer = opening.current_layer(session, world.users[first].actor(), third.id)
    with pytest.raises(Conflict):  # no supervisor approval yet
        opening.peel(session, clock, world.users[first].actor(), store, third.id,
                     envelope.peel(layer, world.encryption_keys[first], envelope.read_header(io.BytesIO(placed[3][1])).binding))
    opening.approve_recovery(session, clock, world.supervisor, third.id)
    binding = envelope.read_header(io.BytesIO(placed[3][1])).binding
    second = by_id[order[1]]
    with pytest.raises(NotPermitted):  # out of turn
        opening.peel(session, clock, world.users[second].actor(), store, third.id, b"x" * 32)
    for name in (first, second):
        layer = opening.current_layer(session, world.users[name].actor(), third.id)
        opening.peel(session, clock, world.users[name].actor(), store, third.id,
                     envelope.peel(layer, world.encryption_keys[name], binding))
    assert third.status == "decrypted" and third.decrypted_via == "escrow"
    opening.raise_objection(session, clock, world.bidders[0], tender.id, "第三家的解密时间超出窗口。")
    opening.finish_opening(session, clock, world.agent, tender.id)
    session.commit()
    assert tender.status == "opened"

    ensure_signing(session, clock, world, "supervisor")
    with pytest.raises(NotPermitted):  # the agent signs first
        opening_record.sign_opening_record(session, clock, world.supervisor, tender.id, signing(store))
    opening_record.sign_opening_record(session, clock, world.agent, tender.id, signing(store))
    record = opening_record.sign_opening_record(session, clock, world.supervisor, tender.id, signing(store))
    session.commit()
    pdf = store.open(record.pdf_sha256).read()
    check = verify_pdf(pdf, pki.trust_roots(session), [pki.crl(session, clock, SIGNING)], clock.now())
    assert check.ok and len(check.signatures) == 2
    path = tmp_path / "opening.pdf"
    path.write_bytes(pdf)
    report = pdfsig(path, nss_database(tmp_path / "nss", pki.ca(session).pem))
    assert report.count("Signature is Valid.") == 2
    assert signed_records.get(session, record.id).signatures == 2


def test_a_bidders_own_failure_is_a_revocation(session, clock, store, world, opened):
    _, placed = opened
    clock.advance(WINDOW + timedelta(seconds=1))
    opening.close_decryption_windows(session, clock)
    bid = placed[1][0]
    opening.record_failure(session, clock, world.agent, bid.id, "bidder", "投标人密钥文件丢失")
    assert bid.status == "revoked"
    with pytest.raises(Conflict):  # no escrow for the bidder's own failure
        opening.request_recovery(session, clock, world.agent, store, bid.id, _holder_ids(world), "x")


def test_only_the_tenders_people_enter_the_opening_room(session, clock, world, opened):
    tender, _ = opened
    for actor in (world.bidders[0], world.agent, world.tenderee, world.supervisor):
        assert opening.room(session, actor, tender.id)[0].id == tender.id
    for actor in (world.expert, world.other_agent):
        with pytest.raises(NotPermitted):
            opening.room(session, actor, tender.id)


def test_a_file_that_does_not_match_the_manifest_is_refused(session, clock, store, world, tender):
    good = container({"price": PRICE}, {"a.pdf": b"%PDF original"})
    data = sealed(session, world, tender, 1, plaintext=good.replace(b"original", b"0riginal"))
    submission, _ = submit(session, clock, store, world, tender, data, 1)
    for number in (2, 3):
        submit(session, clock, store, world, tender, sealed(session, world, tender, number), number)
    clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, clock)
    opening.start_due_openings(session, clock, WINDOW)
    with pytest.raises(envelope.EnvelopeError) as refused:
        opening.decrypt_own_bid(session, clock, world.bidders[0], store, submission.bid_id, _key(world, 1, data))
    assert "a.pdf" in str(refused.value)
    assert session.scalars(select(Bid.status).where(Bid.id == submission.bid_id)).one() == "submitted"
