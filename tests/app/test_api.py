"""JSON API v1: the public list and notice, and an agent creating and publishing with a token."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from core.identity import issue_api_token
from signing import envelope
from tests.world import ESCROW_HOLDERS, SIGNING_PIN, build_world, ensure_signing, published_tender, tender_data


@pytest.fixture
def people(app, session, clock):
    w = build_world(session, clock)
    session.commit()
    return w


def _token(session, clock, people, username: str) -> dict[str, str]:
    token = issue_api_token(session, people.users[username], "test", clock)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _json_ready(data: dict) -> dict:
    return json.loads(json.dumps(data, default=str))


def test_public_list_and_notice(client, people, clock, session, app):
    tender = published_tender(session, clock, app.extensions["sealbid"].store, people)
    body = client.get("/api/v1/tenders?q=道路").get_json()
    assert body["total"] == 1 and body["items"][0]["code"] == "BJ-2026-001"
    notice = client.get(f"/api/v1/tenders/{tender.id}").get_json()
    assert notice["sections"][0]["estimated_price"] == "10000000.00"
    assert notice["documents"][0]["sha256"] == tender.documents[0].sha256


def test_agent_creates_uploads_and_publishes(client, people, clock, session):
    ensure_signing(session, clock, people)
    session.commit()
    headers = _token(session, clock, people, "agent")
    response = client.post("/api/v1/tenders", json=_json_ready(tender_data(people, clock)), headers=headers)
    assert response.status_code == 201, response.get_json()
    tender_id = response.get_json()["id"]
    assert client.get(f"/api/v1/tenders/{tender_id}").status_code == 404  # drafts are not public
    upload = client.post(f"/api/v1/tenders/{tender_id}/documents?filename=doc.pdf&title=招标文件",
                         data=b"%PDF-1.4 api", headers={**headers, "Content-Type": "application/pdf"})
    assert upload.status_code == 201
    assert client.post(f"/api/v1/tenders/{tender_id}/publish", json={"pin": SIGNING_PIN},
                       headers=headers).status_code == 409  # no escrow yet
    holders = []
    for name in ESCROW_HOLDERS:
        key = X25519PrivateKey.generate()
        registered = client.post("/api/v1/keys/encryption", headers=_token(session, clock, people, name),
                                 json={"public_key": base64.b64encode(envelope.raw_public(key.public_key())).decode()})
        assert registered.status_code == 201
        holders.append(people.users[name].id)
    assert client.put(f"/api/v1/tenders/{tender_id}/escrow", json={"holders": holders[:1], "k": 1},
                      headers=headers).status_code == 400
    escrow = client.put(f"/api/v1/tenders/{tender_id}/escrow", json={"holders": holders, "k": 2}, headers=headers)
    assert escrow.status_code == 200 and len(escrow.get_json()["holders"]) == 3
    assert client.post(f"/api/v1/tenders/{tender_id}/publish", headers=headers).status_code == 400  # no PIN
    wrong = client.post(f"/api/v1/tenders/{tender_id}/publish", json={"pin": "999999"}, headers=headers)
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "authentication_failed"
    assert client.get(f"/api/v1/tenders/{tender_id}", headers=headers).get_json()["status"] == "draft"
    published = client.post(f"/api/v1/tenders/{tender_id}/publish", json={"pin": SIGNING_PIN}, headers=headers)
    assert published.status_code == 200
    assert published.get_json()["status"] == "published"


def test_short_deadline_is_refused_with_the_rule(client, people, clock, session):
    headers = _token(session, clock, people, "agent")
    data = tender_data(people, clock)
    data["bid_deadline"] = data["sale_start"] + timedelta(days=12)
    response = client.post("/api/v1/tenders", json=_json_ready(data), headers=headers)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "rule_violation" and "法第24条" in error["message"]


@pytest.mark.parametrize("body", [None, [], {"code": "x"}, {"unknown": 1}])
def test_malformed_bodies_get_400(client, people, clock, session, body):
    headers = _token(session, clock, people, "agent")
    response = client.post("/api/v1/tenders", data=json.dumps(body), headers={**headers,
                                                                               "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]


def test_no_token_or_a_bad_token_is_401(client, people, clock):
    assert client.post("/api/v1/tenders", json={}).status_code == 401
    response = client.post("/api/v1/tenders", json={}, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_bidder_token_cannot_create(client, people, clock, session):
    headers = _token(session, clock, people, "bidder1")
    response = client.post("/api/v1/tenders", json=_json_ready(tender_data(people, clock)), headers=headers)
    assert response.status_code == 403


def test_duplicate_code_is_409(client, people, clock, session):
    headers = _token(session, clock, people, "agent")
    body = _json_ready(tender_data(people, clock))
    assert client.post("/api/v1/tenders", json=body, headers=headers).status_code == 201
    assert client.post("/api/v1/tenders", json=body, headers=headers).status_code == 409


def test_unknown_tender_is_404_json(client, people):
    response = client.get("/api/v1/tenders/424242")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_openapi_document_describes_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert {"/tenders", "/tenders/{tender_id}", "/tenders/{tender_id}/publish"} <= set(doc["paths"])
    assert "TenderInput" in doc["components"]["schemas"]


def test_every_api_route_is_in_the_openapi_document(app, client):
    import re

    documented = {(path, method) for path, ops in client.get("/api/v1/openapi.json").get_json()["paths"].items()
                  for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api_v1.openapi":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)
