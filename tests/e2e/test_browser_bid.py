"""A bidder seals a bid in the browser and uploads it in resumable pieces; Python opens what the platform stored.

Cross-implementation: envelope.js seals (app/static/js/bid.js builds the container), signing/envelope.py opens.
The connection is dropped twice on the way (once before a piece reaches the server, once after it arrived but
before its answer did), and no request the page makes carries the plaintext.
"""

from __future__ import annotations

import io
import os
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select

from bidding import participation
from bidding.models import Bid
from core.clock import to_shanghai
from signing import envelope
from tests.conftest import LiveServer
from tests.world import PASSWORD, SIGNING_PIN, encryption_key, ensure_signing, published_tender

pytestmark = pytest.mark.browser

MARKER = "明文标记-PLAINTEXT-MARKER-7f3a".encode()
PRICE = "12345678.90"
MANAGER = "张三丰"
FILES = {
    "技术标.pdf": b"%PDF-1.4\n" + MARKER + os.urandom(150_000) + MARKER,
    "商务标.txt": MARKER + "报价说明：总价一千二百三十四万元。".encode() * 1000,
}
PIECE = 64 * 1024  # the page's upload piece for this test: several pieces, so resuming is exercised


def sign_in(page, server: LiveServer, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert page.locator(".who .user").inner_text() == username


def open_for_bids(server: LiveServer, session):
    """A published tender in its sale period; bidder1 obtained the documents, has a certificate and a key."""
    store = server.app.extensions["sealbid"].store
    tender = published_tender(session, server.clock, store, server.world, code="E2E-BID-001", title="浏览器投标测试工程")
    server.clock.advance(timedelta(hours=2))
    participation.obtain_documents(session, server.clock, server.world.bidders[0], tender.id)
    ensure_signing(session, server.clock, server.world, "bidder1")
    key = encryption_key(session, server.clock, server.world, "bidder1")
    session.commit()
    return tender, key


def test_bidder_seals_in_the_browser_and_python_opens_it(live_server, new_page, session, tmp_path):
    server = live_server
    server.app.config["BID_UPLOAD_CHUNK_BYTES"] = PIECE
    # Publishing signs with pyHanko (asyncio.run), which cannot run inside Playwright's loop: set up in a worker.
    with ThreadPoolExecutor(max_workers=1) as worker:
        tender, key = worker.submit(open_for_bids, server, session).result()
    key_file = tmp_path / "bidder1.key"
    key_file.write_bytes(envelope.private_key_pem(key))
    wrong_key = tmp_path / "other.key"
    wrong_key.write_bytes(envelope.private_key_pem(X25519PrivateKey.generate()))

    page = new_page()
    from playwright.sync_api import expect

    sent = []  # every request the page makes: (method, url, headers, body)
    page.on("request", lambda r: sent.append((r.method, r.url, r.headers, r.post_data_buffer or b"")))
    puts = {"n": 0}

    def flaky(route) -> None:
        """The 2nd piece never reaches the server; the 3rd reaches it, but its answer is lost."""
        if route.request.method != "PUT":
            return route.continue_()
        puts["n"] += 1
        if puts["n"] == 2:
            return route.abort("connectionreset")
        if puts["n"] == 3:
            route.fetch()  # the server stores the piece ...
            return route.abort("connectionclosed")  # ... and the page never hears of it
        return route.continue_()

    page.route(re.compile(r".*/bidder/uploads/[0-9a-f]{32}$"), flaky)

    sign_in(page, server, "bidder1")
    page.goto(f"{server.url}/tenders/{tender.id}")
    with page.expect_navigation():
        page.get_by_role("link", name="递交投标文件").click()
    assert page.url == f"{server.url}/bidder/tenders/{tender.id}/sections/1/bid"
    assert page.locator("#registered-key").inner_text() == envelope.key_id(key.public_key())

    # A key file that is not the registered one is refused on the spot.
    page.set_input_files("#key-file", str(wrong_key))
    expect(page.locator("#key-status")).to_contain_text("不一致")
    page.set_input_files("#key-file", str(key_file))
    expect(page.locator("#key-status")).to_contain_text("一致（")

    page.fill("#price", PRICE)
    page.fill("#duration_days", "365")
    page.fill("#quality", "合格")
    page.fill("#project_manager", MANAGER)
    page.set_input_files("#bid-files", [{"name": n, "mimeType": "application/octet-stream", "buffer": b}
                                         for n, b in FILES.items()])
    page.get_by_role("button", name="加密并上传").click()
    expect(page.locator("#finish-box")).to_be_visible(timeout=60_000)
    assert page.locator("#bid-error").is_hidden()
    assert page.locator("#upload-progress").get_attribute("value") == "1000"
    assert page.locator("#seal-progress").get_attribute("value") == "1000"
    local_hash = page.locator("#envelope-hash").inner_text()

    page.fill("#pin", "000000")  # a wrong PIN is refused, and the upload stays to be finished
    page.get_by_role("button", name="签名并递交").click()
    expect(page.locator("#bid-error")).to_contain_text("签名口令不正确")
    page.fill("#pin", SIGNING_PIN)
    page.get_by_role("button", name="签名并递交").click()
    expect(page.locator("#receipt")).to_be_visible(timeout=30_000)
    assert page.locator("#receipt-hash").inner_text() == local_hash
    # Beijing time, as the site writes it
    assert page.locator("#receipt-time").inner_text() == to_shanghai(server.clock.now()).strftime("%Y-%m-%d %H:%M:%S")
    assert page.locator("#bid-form").is_hidden() and page.locator("#resume").is_hidden()
    expect(page.locator("#receipt-check")).to_contain_text("一致")
    receipt_url = page.locator("#receipt-link").get_attribute("href")
    assert re.fullmatch(r"/records/[0-9a-f-]{36}\.pdf", receipt_url), receipt_url
    receipt = page.request.get(server.url + receipt_url)  # the page's own cookies: bidder1's receipt
    assert receipt.ok and receipt.body().startswith(b"%PDF-")

    # Python opens what the platform stored, with the bidder's private key.
    session.expire_all()
    bid = session.scalars(select(Bid).where(Bid.tender_id == tender.id)).one()
    assert bid.envelope_sha256 == local_hash
    assert bid.submissions[-1].client_fingerprint.startswith("sealbid-web/1 ")
    with server.app.extensions["sealbid"].store.open(bid.envelope_sha256) as stored:
        data = stored.read()
    stream = io.BytesIO(data)
    header = envelope.read_header(stream)
    assert header.binding == envelope.Binding(tender.code, 1, bid.bidder.credit_code)
    plain = io.BytesIO()
    envelope.decrypt(stream, header, envelope.unwrap_for_bidder(header, key), plain)
    plain.seek(0)
    opened: dict[str, io.BytesIO] = {}

    class Keep(io.BytesIO):
        def close(self) -> None:  # keep the bytes readable after read_container's `with`
            pass

    def sink(name: str) -> io.BytesIO:
        opened[name] = Keep()
        return opened[name]

    manifest = envelope.read_container(plain, sink)
    assert manifest["v"] == 1
    assert manifest["bid_form"] == {"price": PRICE, "duration_days": 365, "quality": "合格", "project_manager": MANAGER}
    assert [f["name"] for f in manifest["files"]] == list(FILES)
    assert {name: f.getvalue() for name, f in opened.items()} == FILES

    # The page resumed: every piece it sent (retries included) is the stored envelope's bytes at its offset.
    pieces = [(int(h["upload-offset"]), body) for m, url, h, body in sent if m == "PUT"]
    assert len(pieces) >= len(data) // PIECE + 2  # the two lost tries came again
    assert all(body and data[at:at + len(body)] == body for at, body in pieces)
    assert {at for at, _ in pieces} >= set(range(0, len(data), PIECE))
    assert puts["n"] == len(pieces)

    # Nothing the page sent carries the plaintext: not the files, not the bid form.
    words = [MARKER.decode(), PRICE, MANAGER, "技术标"]
    secrets = [w.encode() for w in words] + [FILES["技术标.pdf"][9:200], FILES["商务标.txt"][:200]]
    for method, url, _headers, body in sent:
        assert not any(secret in body for secret in secrets), (method, url)
        assert not any(word in url or quote(word) in url for word in words), url
