"""The resumable upload's two adapters over bidding/uploads.py: the API (bearer token) and the bid page's routes
(session cookie + CSRF header). Both answer JSON, and a 409 says where the upload stands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bidding import participation
from bidding.models import Bid
from core.identity import issue_api_token
from tests.app.helpers import csrf, login
from tests.bidding.sealing import sealed
from tests.world import SIGNING_PIN, build_world, encryption_key, ensure_signing, published_tender


@pytest.fixture
def ready(app, session, clock):
    """A published tender; bidder1 obtained the documents, holds a signing certificate and an encryption key."""
    world = build_world(session, clock)
    tender = published_tender(session, clock, app.extensions["sealbid"].store, world)
    clock.advance(timedelta(hours=2))
    participation.obtain_documents(session, clock, world.bidders[0], tender.id)
    ensure_signing(session, clock, world, "bidder1")
    encryption_key(session, clock, world, "bidder1")
    session.commit()
    return world, tender, sealed(session, world, tender)


def _api(session, clock, world, username="bidder1") -> dict[str, str]:
    token = issue_api_token(session, world.users[username], "t", clock)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_api_upload_resumes_after_a_lost_answer_and_finishes(client, session, clock, ready):
    world, tender, data = ready
    auth = _api(session, clock, world)
    created = client.post(f"/api/v1/tenders/{tender.id}/sections/1/uploads", json={"size": len(data)}, headers=auth)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["offset"] == 0 and body["size"] == len(data)
    url = body["upload_url"]
    assert url == f"/api/v1/uploads/{body['upload_id']}"

    half = len(data) // 2
    first = client.put(url, data=data[:half], headers={**auth, "Upload-Offset": "0"},
                       content_type="application/octet-stream")
    assert first.status_code == 200 and first.get_json()["offset"] == half
    again = client.put(url, data=data[:half], headers={**auth, "Upload-Offset": "0"},
                       content_type="application/octet-stream")
    assert again.status_code == 409
    assert again.get_json()["offset"] == half and again.headers["Upload-Offset"] == str(half)
    assert again.get_json()["error"]["code"] == "offset_mismatch"
    assert client.get(url, headers=auth).get_json()["offset"] == half
    assert client.put(url, data=data[half:], headers={**auth, "Upload-Offset": "x"},
                      content_type="application/octet-stream").status_code == 400
    rest = client.put(url, data=data[half:], headers={**auth, "Upload-Offset": str(half)},
                      content_type="application/octet-stream")
    assert rest.get_json()["offset"] == len(data)

    # Another bidder's token cannot see it; the owner's wrong PIN leaves it to finish again.
    assert client.get(url, headers=_api(session, clock, world, "bidder2")).status_code == 404
    assert client.post(body["finish_url"], headers={**auth, "X-Sealbid-Pin": "000000"}).status_code == 401
    finished = client.post(body["finish_url"], headers={**auth, "X-Sealbid-Pin": SIGNING_PIN})
    assert finished.status_code == 201, finished.get_json()
    answer = finished.get_json()
    assert answer["action"] == "submit" and answer["receipt_url"] == f"/api/v1/bids/{answer['bid_id']}/receipt.pdf"
    assert client.get(answer["receipt_url"], headers=auth).status_code == 200
    twice = client.post(body["finish_url"], headers={**auth, "X-Sealbid-Pin": SIGNING_PIN})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "conflict"
    assert session.scalars(select(Bid.envelope_sha256)).all() == [answer["envelope_sha256"]]


def test_api_refuses_more_than_the_bid_size_limit(app, client, session, clock, ready):
    world, tender, _ = ready
    too_big = app.config["MAX_BID_BYTES"] + 1
    response = client.post(f"/api/v1/tenders/{tender.id}/sections/1/uploads", json={"size": too_big},
                           headers=_api(session, clock, world))
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "size"


def test_page_routes_take_the_session_cookie_and_the_csrf_header(client, session, clock, ready):
    world, tender, data = ready
    login(client, "bidder1")
    page = client.get(f"/bidder/tenders/{tender.id}/sections/1/bid")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert world.users["bidder1"].id and "bid-config" in html and "js/bid.js" in html
    token = csrf(client, f"/tenders/{tender.id}")
    create = f"/bidder/tenders/{tender.id}/sections/1/uploads"
    assert client.post(create, json={"size": len(data)}).status_code == 400  # no CSRF token: refused
    created = client.post(create, json={"size": len(data)}, headers={"X-CSRFToken": token})
    assert created.status_code == 201
    body = created.get_json()
    assert body["upload_url"] == f"/bidder/uploads/{body['upload_id']}"
    headers = {"X-CSRFToken": token, "Upload-Offset": "0"}
    assert client.put(body["upload_url"], data=data, headers={"Upload-Offset": "0"},
                      content_type="application/octet-stream").status_code == 400
    assert client.put(body["upload_url"], data=data, headers=headers,
                      content_type="application/octet-stream").get_json()["offset"] == len(data)
    conflict = client.put(body["upload_url"], data=b"more", headers=headers, content_type="application/octet-stream")
    assert conflict.status_code == 409 and conflict.get_json()["offset"] == len(data)
    finished = client.post(body["finish_url"], headers={"X-CSRFToken": token, "X-Sealbid-Pin": SIGNING_PIN})
    assert finished.status_code == 201, finished.get_json()
    receipt = finished.get_json()["receipt_url"]
    assert receipt.startswith("/records/") and receipt.endswith(".pdf")
    assert client.get(receipt).status_code == 200
    refused = client.post(body["finish_url"], headers={"X-CSRFToken": token, "X-Sealbid-Pin": SIGNING_PIN})
    assert refused.status_code == 409 and refused.is_json

    # Nobody else gets at it, and strangers get JSON rather than the sign-in page.
    other = client.application.test_client()
    assert other.get(body["upload_url"]).status_code == 401
    login(other, "bidder2")
    assert other.get(body["upload_url"]).status_code == 404
    assert other.get(f"/bidder/tenders/{tender.id}/sections/1/bid").status_code == 403  # no documents obtained


def test_bid_page_in_english(client, ready):
    _, tender, _ = ready
    client.get("/lang/en")
    login(client, "bidder1")
    html = client.get(f"/bidder/tenders/{tender.id}/sections/1/bid").get_data(as_text=True)
    assert "Seal and upload" in html and "Resume upload" in html and "加密并上传" not in html


def test_tender_page_and_dashboard_link_to_the_bid_page(client, session, clock, ready):
    _, tender, _ = ready
    login(client, "bidder1")
    link = f'href="/bidder/tenders/{tender.id}/sections/1/bid"'
    assert link in client.get(f"/tenders/{tender.id}").get_data(as_text=True)
    assert link in client.get("/bidder/").get_data(as_text=True)


def test_bid_page_says_what_is_missing(client, session, clock, ready):
    world, tender, _ = ready
    participation.obtain_documents(session, clock, world.bidders[1], tender.id)
    session.commit()
    login(client, "bidder2")  # documents, but no encryption key and no certificate
    html = client.get(f"/bidder/tenders/{tender.id}/sections/1/bid").get_data(as_text=True)
    assert "尚未登记加密公钥" in html and 'id="bid-form"' not in html
    encryption_key(session, clock, world, "bidder2")
    session.commit()
    html = client.get(f"/bidder/tenders/{tender.id}/sections/1/bid").get_data(as_text=True)
    assert "请先申请签名证书" in html and 'id="bid-form"' not in html
    clock.set(tender.bid_deadline)
    login(client, "bidder1")
    html = client.get(f"/bidder/tenders/{tender.id}/sections/1/bid").get_data(as_text=True)
    assert "该标段当前不接受投标" in html and 'id="bid-form"' not in html
