"""An agent publishes a tender through the pages, and an anonymous visitor finds it: the whole path in a browser."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from core.clock import to_shanghai
from tests.conftest import LiveServer
from tests.world import PASSWORD, SIGNING_PIN, pdf_bytes, published_tender

pytestmark = pytest.mark.browser


def local_input(at: datetime) -> str:
    """What a person types into <input type=datetime-local>: Beijing time to the minute."""
    return to_shanghai(at).strftime("%Y-%m-%dT%H:%M")


def sign_in(page, server: LiveServer, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert page.locator(".who .user").inner_text() == username


def test_agent_publishes_a_tender_and_a_visitor_finds_it(live_server, new_page):
    server = live_server
    now = server.clock.now()
    sale_start = now + timedelta(hours=1)
    title = "浏览器测试道路改造工程"
    code = "E2E-2026-001"

    page = new_page()
    sign_in(page, server, "agent")

    # New tender, from the agent's dashboard.
    page.goto(f"{server.url}/agency/")
    page.get_by_role("link", name="新建招标项目").click()
    page.fill("#code", code)
    page.fill("#title", title)
    page.select_option("#tenderee_org_id", label="某市建设局")
    page.select_option("#category", value="works")
    page.fill("#region", "北京市朝阳区")
    page.fill("#description", "道路改造，全长 2.5 公里。")
    page.fill("#sale_start", local_input(sale_start))
    page.fill("#sale_end", local_input(sale_start + timedelta(days=7)))
    page.fill("#clarification_deadline", local_input(sale_start + timedelta(days=10)))
    page.fill("#bid_deadline", local_input(sale_start + timedelta(days=25)))
    page.fill("input[name=sections-0-name]", "一标段")
    page.fill("input[name=sections-0-estimated_price]", "10000000.00")
    page.fill("input[name=sections-0-bond_amount]", "150000.00")  # 1.5 %, under the 2 % cap
    with page.expect_navigation():
        page.get_by_role("button", name="保存草稿").click()
    assert re.search(r"/agency/tenders/\d+$", page.url), page.content()
    manage_url = page.url
    assert page.locator("h1").inner_text().startswith(title)

    # The document upload goes through XHR with a progress bar, then the page moves to the answer.
    form = page.locator("form[data-progress]")
    form.locator("#doc-title").fill("招标文件")
    form.locator("#doc-file").set_input_files(
        {"name": "zhaobiao.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("浏览器测试招标文件")})
    with page.expect_navigation():
        form.get_by_role("button", name="上传").click()
    assert page.url == manage_url
    assert page.get_by_role("link", name="招标文件").count() == 1

    # The opening escrow: the agent ticks the three key holders, keeps k = 2 and saves.
    for box in page.locator("input[name=holders]").all():
        box.check()
    with page.expect_navigation():
        page.get_by_role("button", name="设定托管人").click()
    assert "2 / 3" in page.content()

    # Publishing signs the notice with the agent's certificate: the PIN unlocks the key.
    page.fill("#publish-pin", SIGNING_PIN)
    with page.expect_navigation():
        page.click("#publish")
    assert re.search(r"/tenders/\d+$", page.url), page.content()
    assert page.get_by_role("link", name="招标公告（电子签名 PDF）").count() == 1
    notice_path = page.url.removeprefix(server.url)

    # A stranger, with no session, finds the notice on the public list and opens it.
    visitor = new_page()
    visitor.goto(f"{server.url}/")
    row = visitor.locator("table.notices tbody tr", has_text=title)
    assert row.count() == 1
    assert code in row.inner_text()
    with visitor.expect_navigation():
        row.get_by_role("link", name=title).click()
    assert visitor.url == server.url + notice_path
    assert visitor.locator("h1").inner_text().startswith(title)
    assert code in visitor.locator("dl.facts").inner_text()
    assert visitor.get_by_text("招标文件", exact=True).count() >= 1


def test_language_link_switches_the_public_list_to_english(live_server, new_page):
    page = new_page()
    page.goto(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.url.rstrip("/?") == live_server.url
    assert page.locator("html").get_attribute("lang") == "en"
    # The way back is offered in Chinese, and the choice sticks for the next page.
    assert page.get_by_role("link", name="中文").count() == 1
    page.goto(f"{live_server.url}/plans")
    assert page.locator("html").get_attribute("lang") == "en"


def test_visitor_downloads_the_signed_notice_and_verifies_it(live_server, new_page, session):
    server = live_server
    # Signing runs pyHanko's asyncio.run(), which refuses to start inside Playwright's event loop: publish in
    # a worker thread (this thread only waits, so the session is never used by two threads at once).
    with ThreadPoolExecutor(max_workers=1) as worker:
        tender = worker.submit(published_tender, session, server.clock, server.app.extensions["sealbid"].store,
                               server.world, title="签名公告浏览器测试", code="E2E-2026-002").result()

    visitor = new_page()  # skips (fails in CI) without Chromium or Playwright, so import expect only now
    from playwright.sync_api import expect

    visitor.goto(f"{server.url}/tenders/{tender.id}")
    link = visitor.get_by_role("link", name="招标公告（电子签名 PDF）")
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    assert re.fullmatch(r"/records/[0-9a-f-]{36}\.pdf", href), href
    download = visitor.request.get(server.url + href)
    assert download.ok, download.status
    assert download.headers["content-type"] == "application/pdf"
    signed = download.body()
    assert signed.startswith(b"%PDF-")

    visitor.goto(f"{server.url}/records/verify")
    visitor.locator("input[name=file]").set_input_files(
        {"name": "notice.pdf", "mimeType": "application/pdf", "buffer": signed})
    visitor.get_by_role("button", name="验证", exact=True).click()
    # The upload goes through XHR and the answer replaces the page: wait for the verdict.
    expect(visitor.locator("#verdict")).to_contain_text("验证通过")
    expect(visitor.locator("#verdict")).to_have_class(re.compile(r"\bsuccess\b"))
