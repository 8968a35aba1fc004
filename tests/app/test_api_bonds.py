"""Bid bonds over the API: the bidder's client provides its bond and basic account; the bond account's bank
adapter posts transfers and statements with the platform operator's token."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from bidding import bids, bonds, opening, participation
from bidding.bond_models import Bond, BondPayment
from core.clock import to_shanghai
from core.identity import issue_api_token
from tests.app.helpers import login
from tests.bonding import BASIC_ACCOUNTS, guarantee_terms, register_issuer, set_basic_accounts, statement, statement_row
from tests.world import SIGNING_PIN, encryption_key, ensure_signing, published_tender

AMOUNT = Decimal("200000.00")
HUGE = "99999999999999999999"


@pytest.fixture
def store(app):
    return app.extensions["sealbid"].store


def _prepare(session, clock, world, tender) -> None:
    clock.advance(timedelta(hours=2))
    for i, bidder in enumerate(world.bidders, start=1):
        participation.obtain_documents(session, clock, bidder, tender.id)
        ensure_signing(session, clock, world, f"bidder{i}")
        encryption_key(session, clock, world, f"bidder{i}")
    session.commit()


@pytest.fixture
def tender(app, session, clock, world, store):
    t = published_tender(session, clock, store, world)
    _prepare(session, clock, world, t)
    return t


@pytest.fixture
def tokens(session, clock, world):
    made = {name: issue_api_token(session, world.users[name], "test", clock)
            for name in ("admin", "agent", "tenderee", "bidder1", "bidder2", "expert", "supervisor", "agent2")}
    session.commit()
    return {name: {"Authorization": f"Bearer {token}"} for name, token in made.items()}


def _bonds_url(tender, section: int | str = 1, what: str = "cash") -> str:
    return f"/api/v1/tenders/{tender.id}/sections/{section}/bond/{what}"


def _error(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    return body["error"]


def test_bidder_records_its_basic_account_and_chooses_cash(client, session, world, tender, tokens):
    headers = tokens["bidder1"]
    refused = client.post(_bonds_url(tender), headers=headers)
    assert refused.status_code == 400 and "基本账户" in _error(refused)["message"]
    for body in ({"bank_name": "工商银行", "account_no": "12ab"}, {"bank_name": "工商银行", "account_no": 6222020200},
                 {"bank_name": None, "account_no": "6222020200112233441"}, []):
        response = client.put("/api/v1/account/basic-account", json=body, headers=headers)
        assert response.status_code == 400, body
        assert _error(response)["code"] == "invalid_input"
    nul = client.put("/api/v1/account/basic-account", json={"bank_name": "中国\x00银行", "account_no": "6222020200112233441"},
                     headers=headers)
    assert nul.status_code == 400 and "NUL" in _error(nul)["message"]
    saved = client.put("/api/v1/account/basic-account", json={"bank_name": "中国工商银行杭州分行",
                                                                "account_no": BASIC_ACCOUNTS[1]}, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["account_no"] == BASIC_ACCOUNTS[1]
    chosen = client.post(_bonds_url(tender), headers=headers)
    assert chosen.status_code == 200, chosen.get_json()
    body = chosen.get_json()
    assert body["amount"] == "200000.00" and body["from_account"]["account_no"] == BASIC_ACCOUNTS[1]
    assert body["pay_to"] == body["bond"]["virtual_account"] and body["bond"]["status"] == "awaiting_payment"
    assert body["bond"]["status_label"] == "待缴纳" and body["bid_deadline"].startswith(tender.bid_deadline.date().isoformat())
    listed = client.get(f"/api/v1/tenders/{tender.id}/bonds", headers=headers).get_json()
    assert [b["virtual_account"] for b in listed["bonds"]] == [body["pay_to"]]
    assert listed["sections"][0]["bond_amount"] == "200000.00" and listed["basic_account"]["bank_name"] == "中国工商银行杭州分行"
    assert "bidder" not in listed["bonds"][0]
    # another bidder sees none of it
    other = client.get(f"/api/v1/tenders/{tender.id}/bonds", headers=tokens["bidder2"]).get_json()
    assert other["bonds"] == [] and other["basic_account"] is None


def test_guarantee_file_is_the_body(client, session, clock, world, tender, tokens):
    bank = register_issuer(session, clock, world)
    headers = {**tokens["bidder1"], "Content-Type": "application/json"}
    document = bank.sign(guarantee_terms(session, world, tender, bank))
    for body, status, text in ((b"", 400, "电子保函文件"), (b"{not json", 400, "不是有效的电子保函文件"),
                               (b" " * (256 * 1024 + 1), 400, "256 KB"),
                               (bank.sign(guarantee_terms(session, world, tender, bank, amount="1.00")), 422, "低于")):
        response = client.post(_bonds_url(tender, what="guarantee"), data=body, headers=headers)
        assert response.status_code == status and text in _error(response)["message"], response.get_json()
    response = client.post(_bonds_url(tender, what="guarantee"), data=document, headers=headers)
    assert response.status_code == 201, response.get_json()
    bond = response.get_json()["bond"]
    assert bond["form"] == "bank_guarantee" and bond["status"] == "verified" and bond["issuer"] == "杭州银行股份有限公司"
    again = client.post(_bonds_url(tender, what="guarantee"), data=document, headers=headers)
    assert again.status_code == 409 and _error(again)["code"] == "conflict"


def test_commitment_is_signed_with_the_pin(client, session, clock, world, store, tokens):
    t = published_tender(session, clock, store, world, code="BJ-2026-030", sections=[
        {"name": "一标段", "estimated_price": "1000000.00", "bond_policy": "waived_credit_commitment",
         "bond_waiver_basis": "政府投资项目以信用承诺替代投标保证金"}])
    _prepare(session, clock, world, t)
    headers = tokens["bidder1"]
    url = _bonds_url(t, what="commitment")
    assert client.post(url, json={}, headers=headers).status_code == 400
    assert client.post(url, data="pin", headers=headers).status_code == 400
    wrong = client.post(url, json={"pin": "000000"}, headers=headers)
    assert wrong.status_code == 401 and _error(wrong)["message"] == "签名口令不正确。"
    english = client.post(f"{url}?lang=en", json={"pin": "000000"}, headers=headers)
    assert _error(english)["message"] == "Incorrect signing PIN."
    signed = client.post(url, json={"pin": SIGNING_PIN}, headers=headers)
    assert signed.status_code == 201
    bond = signed.get_json()["bond"]
    assert bond["status"] == "committed" and bond["commitment_url"].endswith(".pdf")
    assert client.get(bond["commitment_url"]).status_code == 404  # names a bidder: its own until the opening
    login(client, "bidder1")
    assert client.get(bond["commitment_url"]).data.startswith(b"%PDF")
    assert client.post(url, json={"pin": SIGNING_PIN}, headers=headers).status_code == 409


def test_refusals_are_json_in_the_callers_language(client, session, clock, world, tender, tokens):
    headers = tokens["bidder1"]
    assert client.post(_bonds_url(tender)).status_code == 401
    for url in (_bonds_url(tender, 9), _bonds_url(tender, HUGE), f"/api/v1/tenders/{HUGE}/sections/1/bond/cash",
                "/api/v1/tenders/424242/bonds"):
        response = client.get(url, headers=headers) if url.endswith("/bonds") else client.post(url, headers=headers)
        assert response.status_code == 404 and _error(response)["code"] == "not_found", url
    clock.set(tender.bid_deadline)
    late = client.post(f"{_bonds_url(tender)}?lang=en", headers=headers)
    assert late.status_code == 422 and _error(late)["code"] == "deadline_passed"
    assert _error(late)["message"] == "The bid deadline has passed; bonds can no longer be provided."
    # an agent is not a bidder
    assert client.post(_bonds_url(tender), headers=tokens["agent"]).status_code == 403
    assert client.put("/api/v1/account/basic-account", json={"bank_name": "中国银行", "account_no": "62170000123456"},
                      headers=tokens["agent"]).status_code == 403


def test_managers_see_every_bond_once_the_opening_started(client, session, clock, world, tender, tokens, store):
    set_basic_accounts(session, clock, world)
    for bidder in world.bidders:
        bonds.choose_cash(session, clock, bidder, tender.id, 1)
    session.commit()
    for name in ("agent", "supervisor", "admin"):
        assert client.get(f"/api/v1/tenders/{tender.id}/bonds", headers=tokens[name]).get_json()["bonds"] == [], name
    for name in ("expert", "agent2"):
        assert client.get(f"/api/v1/tenders/{tender.id}/bonds", headers=tokens[name]).status_code == 404, name
    clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, clock)
    opening.start_due_openings(session, clock, timedelta(minutes=30))
    session.commit()
    listed = client.get(f"/api/v1/tenders/{tender.id}/bonds", headers=tokens["tenderee"]).get_json()["bonds"]
    assert sorted(b["bidder"]["name"] for b in listed) == ["投标公司1", "投标公司2", "投标公司3"]
    assert {b["status"] for b in listed} == {"awaiting_payment"}


def _transfer(bond: Bond, serial: str, when, account: str, amount="200000.00", **extra) -> dict:
    return {"serial": serial, "received_at": when, "payer_name": "投标公司", "payer_account": account,
            "payer_bank": "中国工商银行", "virtual_account": bond.virtual_account, "amount": amount, "memo": "保证金",
            **extra}


def test_bank_adapter_posts_transfers(client, session, clock, world, tender, tokens):
    set_basic_accounts(session, clock, world)
    first = bonds.choose_cash(session, clock, world.bidders[0], tender.id, 1)
    second = bonds.choose_cash(session, clock, world.bidders[1], tender.id, 1)
    third = bonds.choose_cash(session, clock, world.bidders[2], tender.id, 1)
    session.commit()
    local = to_shanghai(clock.now()).strftime("%Y-%m-%d %H:%M:%S")
    items = [
        _transfer(first, "T1", clock.now().isoformat(), BASIC_ACCOUNTS[1]),
        _transfer(second, "T2", local, "6222999988887777"),
        _transfer(third, "T3", local, BASIC_ACCOUNTS[3], amount=200000),
        "not an object",
        _transfer(first, "T4", "yesterday", BASIC_ACCOUNTS[1]),
        _transfer(first, "T5", local, BASIC_ACCOUNTS[1], amount="NaN"),
        _transfer(first, "T6", local, BASIC_ACCOUNTS[1], payer_name={"x": 1}),
        _transfer(first, "T1", local, BASIC_ACCOUNTS[1]),
    ]
    for name in ("bidder1", "agent", "supervisor"):
        assert client.post("/api/v1/bank/transfers", json=items, headers=tokens[name]).status_code == 403
    assert client.post("/api/v1/bank/transfers", json=items).status_code == 401
    response = client.post("/api/v1/bank/transfers", json=items, headers=tokens["admin"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [p["serial"] for p in body["accepted"]] == ["T1", "T3"]
    assert [(p["serial"], p["reason"], p["reason_label"]) for p in body["refused"]] == [
        ("T2", "third_party", "非投标人基本账户转出（条例第26条）")]
    assert body["skipped"] == 1
    assert [e["index"] for e in body["errors"]] == [3, 4, 5, 6]
    assert "交易时间" in body["errors"][1]["message"] and "金额" in body["errors"][2]["message"]
    session.expire_all()
    assert session.get(Bond, first.id).status == "paid" and session.get(Bond, third.id).status == "paid"
    assert session.query(BondPayment).count() == 3
    again = client.post("/api/v1/bank/transfers", json=items[:3], headers=tokens["admin"]).get_json()
    assert again["skipped"] == 3 and again["accepted"] == [] and again["errors"] == []
    nul = client.post("/api/v1/bank/transfers", json=[_transfer(first, "T7", local, BASIC_ACCOUNTS[1], payer_name="a\x00b")],
                      headers=tokens["admin"])
    assert nul.status_code == 400 and "NUL" in _error(nul)["message"]
    for bad in ({"serial": "T9"}, "[]x"):
        response = client.post("/api/v1/bank/transfers", data=json.dumps(bad) if isinstance(bad, dict) else bad,
                               headers={**tokens["admin"], "Content-Type": "application/json"})
        assert response.status_code == 400 and _error(response)["code"] == "invalid_input"


def test_bank_adapter_posts_the_statement(client, session, clock, world, tender, tokens):
    set_basic_accounts(session, clock, world)
    cash = bonds.choose_cash(session, clock, world.bidders[0], tender.id, 1)
    session.commit()
    data = statement(statement_row("S1", clock.now(), "投标公司1", BASIC_ACCOUNTS[1], cash.virtual_account, AMOUNT),
                     statement_row("S2", clock.now(), "投标公司1", BASIC_ACCOUNTS[1], "812345", AMOUNT),
                     "S3,,投标公司1,6222020200112233441,中国工商银行,800000010000001,1.00,x")
    headers = {**tokens["admin"], "Content-Type": "text/csv"}
    assert client.post("/api/v1/bank/statements", data=data, headers={**tokens["bidder1"],
                                                                       "Content-Type": "text/csv"}).status_code == 403
    response = client.post("/api/v1/bank/statements", data=data, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [p["serial"] for p in body["accepted"]] == ["S1"]
    assert [(p["serial"], p["reason"]) for p in body["refused"]] == [("S2", "unknown_account")]
    assert [e["line"] for e in body["errors"]] == [4] and "交易时间" in body["errors"][0]["message"]
    assert client.post("/api/v1/bank/statements", data=data, headers=headers).get_json()["skipped"] == 2
    nul = statement(statement_row("S9", clock.now(), "投标\x00公司1", BASIC_ACCOUNTS[1], cash.virtual_account, AMOUNT))
    assert "NUL" in _error(client.post("/api/v1/bank/statements", data=nul, headers=headers))["message"]
    for bad in (b"", b"a,b\n1,2\n", b"\xff\xfe\x00garbage" * 10, nul, "交易流水号\n1\n".encode("utf-16")):
        response = client.post("/api/v1/bank/statements", data=bad, headers=headers)
        assert response.status_code == 400 and _error(response)["code"] == "invalid_input", bad


def test_every_bond_route_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in (("/tenders/{tender_id}/bonds", "get"), ("/tenders/{tender_id}/sections/{section}/bond/cash", "post"),
                         ("/tenders/{tender_id}/sections/{section}/bond/guarantee", "post"),
                         ("/tenders/{tender_id}/sections/{section}/bond/commitment", "post"),
                         ("/account/basic-account", "put"), ("/bank/transfers", "post"), ("/bank/statements", "post")):
        assert method in paths[path] and paths[path][method]["security"] == [{"bearer": []}], (path, method)
