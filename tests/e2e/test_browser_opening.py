"""The whole sealed-bid lifecycle of issue 4: three bidders bid (one in the browser, two with the client), bidding
closes, the opening runs remotely (the browser bidder decrypts in the opening room with its key file, the others
with the client), and the opening record is signed by the agent and the supervisor and validates in pdfsig."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from bidding import bids, opening, participation
from bidding.client import main as client
from bidding.models import Bid, Tender
from core.identity import Organisation, issue_api_token
from signing import envelope, pki, signed_records
from signing.verify import verify_pdf
from tests.e2e.test_browser_bid import sign_in
from tests.tools import nss_database, pdfsig
from tests.world import SIGNING, SIGNING_PIN, encryption_key, ensure_signing, published_tender

pytestmark = pytest.mark.browser


def _prepare(server, session):
    store = server.app.extensions["sealbid"].store
    tender = published_tender(session, server.clock, store, server.world, code="E2E-OPEN-001", title="远程开标全流程")
    server.clock.advance(timedelta(hours=2))
    tokens = {}
    for number in (1, 2, 3):
        name = f"bidder{number}"
        participation.obtain_documents(session, server.clock, server.world.bidders[number - 1], tender.id)
        ensure_signing(session, server.clock, server.world, name)
        encryption_key(session, server.clock, server.world, name)
        tokens[name] = issue_api_token(session, server.world.users[name], "e2e", server.clock)
    ensure_signing(session, server.clock, server.world, "supervisor")
    session.commit()
    return tender, tokens


def test_three_bidders_bid_and_the_opening_is_recorded(live_server, new_page, session, tmp_path, capsys):
    server = live_server
    world = server.world
    with ThreadPoolExecutor(max_workers=1) as worker:
        tender, tokens = worker.submit(_prepare, server, session).result()
    keys = {}
    for number in (1, 2, 3):
        keys[number] = tmp_path / f"bidder{number}.key"
        keys[number].write_bytes(envelope.private_key_pem(world.encryption_keys[f"bidder{number}"]))

    # bidder1 seals and submits in the browser
    page = new_page()
    from playwright.sync_api import expect

    sign_in(page, server, "bidder1")
    page.goto(f"{server.url}/bidder/tenders/{tender.id}/sections/1/bid")
    page.set_input_files("#key-file", str(keys[1]))
    expect(page.locator("#key-status")).to_contain_text("一致（")
    page.fill("#price", "11000000.00")
    page.fill("#duration_days", "300")
    page.fill("#quality", "合格")
    page.fill("#project_manager", "李一")
    page.set_input_files("#bid-files", [{"name": "技术标.pdf", "mimeType": "application/pdf",
                                         "buffer": b"%PDF-1.4 browser bid"}])
    page.get_by_role("button", name="加密并上传").click()
    expect(page.locator("#finish-box")).to_be_visible(timeout=60_000)
    page.fill("#pin", SIGNING_PIN)
    page.get_by_role("button", name="签名并递交").click()
    expect(page.locator("#receipt")).to_be_visible(timeout=30_000)

    # bidders 2 and 3 seal and submit with the command-line client
    sealed = {}
    for number in (2, 3):
        name = f"bidder{number}"
        code = session.get(Organisation, world.bidders[number - 1].org_id).credit_code
        (tmp_path / f"form{number}.json").write_text(json.dumps({"price": f"{10 + number}000000.00"}), "utf-8")
        (tmp_path / f"tech{number}.pdf").write_bytes(b"%PDF-1.4 client bid " + name.encode())
        sealed[number] = tmp_path / f"bid{number}.sealbid"
        assert client(["seal", "--server", server.url, "--tender", str(tender.id), "--section", "1", "--bidder-code",
                       code, "--key", str(keys[number]), "--form", str(tmp_path / f"form{number}.json"), "--out",
                       str(sealed[number]), str(tmp_path / f"tech{number}.pdf")]) == 0
        assert client(["submit", "--server", server.url, "--token", tokens[name], "--tender", str(tender.id),
                       "--section", "1", "--pin", SIGNING_PIN, str(sealed[number])]) == 0
    capsys.readouterr()

    # the deadline: bidding closes and the opening starts (what the scheduler does)
    server.clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, server.clock)
    assert opening.start_due_openings(session, server.clock, timedelta(minutes=30)) == [tender.id]
    session.commit()
    placed = {b.bidder_org_id: b for b in session.scalars(select(Bid).where(Bid.tender_id == tender.id))}
    bid_of = {n: placed[world.bidders[n - 1].org_id] for n in (1, 2, 3)}

    # bidder1 decrypts in the opening room: the key file stays in the browser, only the bid's key is sent
    sent = []
    page.on("request", lambda r: sent.append(r.post_data_buffer or b""))
    page.goto(f"{server.url}/tenders/{tender.id}/opening")
    form = page.locator("form.decrypt-form")
    form.locator(".key-file").set_input_files(str(keys[1]))
    with page.expect_navigation():
        form.get_by_role("button", name="解密").click()
    expect(page.locator(f"tr[data-bid='{bid_of[1].id}'] .bid-status")).to_have_attribute("data-status", "decrypted")
    key_pem = keys[1].read_bytes()
    assert not any(b"PRIVATE KEY" in body or key_pem[40:80] in body for body in sent)

    # bidders 2 and 3 open with the client
    for number in (2, 3):
        assert client(["open", "--server", server.url, "--token", tokens[f"bidder{number}"], "--bid",
                       str(bid_of[number].id), "--key", str(keys[number]), str(sealed[number])]) == 0

    # after the window the agent ends the opening and signs the record; then the supervisor signs it
    server.clock.advance(timedelta(minutes=31))
    agent = new_page()
    sign_in(agent, server, "agent")
    agent.goto(f"{server.url}/tenders/{tender.id}/opening")
    with agent.expect_navigation():
        agent.get_by_role("button", name="结束开标").click()
    agent.fill("#record-pin", SIGNING_PIN)
    with agent.expect_navigation():
        agent.get_by_role("button", name="签署开标记录").click()
    supervisor = new_page()
    sign_in(supervisor, server, "supervisor")
    supervisor.goto(f"{server.url}/tenders/{tender.id}/opening")
    supervisor.fill("#record-pin", SIGNING_PIN)
    with supervisor.expect_navigation():
        supervisor.get_by_role("button", name="签署开标记录").click()
    link = supervisor.get_by_role("link", name="远程开标全流程 开标记录表")
    expect(link).to_have_count(1)
    pdf = supervisor.request.get(server.url + link.get_attribute("href")).body()

    session.expire_all()
    assert session.get(Tender, tender.id).status == "opened"
    assert {b.status for b in session.scalars(select(Bid).where(Bid.tender_id == tender.id))} == {"decrypted"}
    [record] = signed_records.for_tender(session, tender.id, "opening_record")
    assert record.signatures == 2
    crl = pki.crl(session, server.clock, SIGNING)
    with ThreadPoolExecutor(max_workers=1) as worker:  # pyHanko's asyncio.run, outside Playwright's loop
        check = worker.submit(verify_pdf, pdf, pki.trust_roots(session), [crl], server.clock.now()).result()
    assert check.ok and len(check.signatures) == 2
    path = tmp_path / "opening.pdf"
    path.write_bytes(pdf)
    report = pdfsig(path, nss_database(tmp_path / "nss", pki.ca(session).pem))
    assert report.count("Signature is Valid.") == 2 and report.count("Certificate is Trusted.") == 2
