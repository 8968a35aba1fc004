"""The opening room through the pages: bidders decrypt with their key, the room shows it, the agent finishes."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from bidding import bids, opening, participation
from bidding.models import Bid
from signing import envelope
from tests.app.helpers import login, post
from tests.bidding.sealing import PRICE, sealed, submit
from tests.world import build_world, encryption_key, ensure_signing, published_tender


@pytest.fixture
def room(app, session, clock):
    world = build_world(session, clock)
    store = app.extensions["sealbid"].store
    tender = published_tender(session, clock, store, world)
    clock.advance(timedelta(hours=2))
    placed = {}
    for number, bidder in enumerate(world.bidders, start=1):
        participation.obtain_documents(session, clock, bidder, tender.id)
        ensure_signing(session, clock, world, f"bidder{number}")
        encryption_key(session, clock, world, f"bidder{number}")
        data = sealed(session, world, tender, number)
        submission, _ = submit(session, clock, store, world, tender, data, number)
        placed[number] = (submission.bid_id, data)
    session.commit()
    return world, tender, placed


def _start_opening(session, clock, tender) -> None:
    """The deadline passes and the scheduler's two steps run: bidding closes, the opening starts."""
    clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, clock)
    opening.start_due_openings(session, clock, timedelta(minutes=30))
    session.commit()


def test_room_is_closed_before_the_opening(client, room):
    _, tender, _ = room
    login(client, "bidder1")
    assert client.get(f"/tenders/{tender.id}/opening").status_code == 403


def test_bidder_decrypts_from_the_room_and_everyone_sees_it(client, room, session, clock):
    world, tender, placed = room
    _start_opening(session, clock, tender)
    login(client, "bidder1")
    bid_id, data = placed[1]
    page = client.get(f"/tenders/{tender.id}/opening").get_data(as_text=True)
    assert "解密" in page and f"/bidder/bids/{bid_id}/envelope" in page
    assert client.get(f"/bidder/bids/{placed[2][0]}/envelope").status_code == 404  # not its own
    key = envelope.unwrap_for_bidder(envelope.read_header(io.BytesIO(data)), world.encryption_keys["bidder1"])
    response = post(client, f"/tenders/{tender.id}/opening/bids/{bid_id}/decrypt", {"content_key": "zz"},
                    form_page=f"/tenders/{tender.id}/opening")
    assert response.status_code == 400
    response = post(client, f"/tenders/{tender.id}/opening/bids/{bid_id}/decrypt", {"content_key": key.hex()},
                    form_page=f"/tenders/{tender.id}/opening")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Bid, bid_id).status == "decrypted"
    status = client.get(f"/tenders/{tender.id}/opening.json").get_json()
    assert {b["bid_id"]: b["status"] for b in status["bids"]}[bid_id] == "decrypted"
    login(client, "supervisor")
    assert PRICE in client.get(f"/tenders/{tender.id}/opening").get_data(as_text=True)
    login(client, "expert")
    assert client.get(f"/tenders/{tender.id}/opening").status_code == 403


def test_agent_cannot_finish_before_the_window_ends(client, room, session, clock):
    _, tender, _ = room
    _start_opening(session, clock, tender)
    login(client, "agent")
    response = post(client, f"/tenders/{tender.id}/opening/finish", {}, form_page=f"/tenders/{tender.id}/opening")
    assert response.status_code == 409
