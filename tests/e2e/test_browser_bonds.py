"""投标保证金 in the browser, as the people who give and collect it: bidder1 records its basic account, chooses cash
and sees its sub-account; bidder2's first guarantee (too small) is refused with the rule, its second is verified;
the platform operator imports the bank's CSV statement (one transfer from a third party, one from the basic account,
one unreadable row); bidder1's bond then shows as paid. On a second section, bond waived for a credit commitment,
bidder1 signs the commitment with its PIN."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from bidding import bonds, participation
from bidding.bond_models import Bond, BondPayment
from bidding.models import Tender
from core.clock import to_shanghai
from signing import signed_records
from tests.bonding import BASIC_ACCOUNTS, guarantee_terms, register_issuer, statement, statement_row
from tests.conftest import LiveServer
from tests.world import PASSWORD, SIGNING_PIN, ensure_signing, published_tender

pytestmark = pytest.mark.browser

BANK = "中国工商银行杭州分行"
STRANGER_ACCOUNT = "6222999988887777"
WAIVER_BASIS = "政府投资项目以信用承诺替代投标保证金"


def _prepare(server: LiveServer, session):
    """A published tender (section 1 takes a 200,000 yuan bond, section 2 a credit commitment) in its sale period;
    bidders 1 and 2 obtained the documents, bidder1 holds a signing certificate, one bank issues guarantees."""
    world, clock = server.world, server.clock
    tender = published_tender(session, clock, server.app.extensions["sealbid"].store, world, code="E2E-BOND-001",
                              title="浏览器保证金测试工程", sections=[
                                  {"name": "一标段", "estimated_price": "10000000.00", "bond_amount": "200000.00"},
                                  {"name": "二标段", "estimated_price": "1000000.00",
                                   "bond_policy": "waived_credit_commitment", "bond_waiver_basis": WAIVER_BASIS}])
    clock.advance(timedelta(hours=2))
    for bidder in world.bidders[:2]:
        participation.obtain_documents(session, clock, bidder, tender.id)
    ensure_signing(session, clock, world, "bidder1")
    session.commit()
    return tender, register_issuer(session, clock, world)


def sign_in(page, server: LiveServer, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    assert page.locator(".who .user").inner_text() == server.world.users[username].display_name


def _bond(session, tender: Tender, section: int, bidder_org_id: int) -> Bond | None:
    session.expire_all()
    return bonds.bond_for(session, tender.sections[section - 1].id, bidder_org_id)


def test_bidders_give_bonds_and_the_bank_statement_pays_one(live_server, new_page, session, tmp_path):
    server = live_server
    world = server.world
    # Publishing signs with pyHanko (asyncio.run), which cannot run inside Playwright's loop: set up in a worker.
    with ThreadPoolExecutor(max_workers=1) as worker:
        tender, bank = worker.submit(_prepare, server, session).result()
    good = tmp_path / "保函.json"
    good.write_bytes(bank.sign(guarantee_terms(session, world, tender, bank, bidder=2)))
    small = tmp_path / "保函-金额不足.json"
    small.write_bytes(bank.sign(guarantee_terms(session, world, tender, bank, bidder=2, amount="1000.00",
                                                number="BH-SMALL-0001")))
    bonds_url = f"{server.url}/bidder/tenders/{tender.id}/bonds"

    # --- bidder1: from the notice to the bond page; cash needs the basic account first ---------------------------
    page = new_page()
    from playwright.sync_api import expect

    sign_in(page, server, "bidder1")
    page.goto(f"{server.url}/tenders/{tender.id}")
    with page.expect_navigation():
        page.get_by_role("link", name="投标保证金", exact=True).click()
    assert page.url == bonds_url
    first = page.locator("#section-1")
    expect(first).to_contain_text("200,000.00")
    expect(first).to_contain_text("尚未提交")
    expect(page.locator("dl.facts").first).to_contain_text("尚未登记")
    with page.expect_navigation():
        first.get_by_role("button", name="选择现金缴纳（获取收款子账号）").click()
    expect(page.locator(".flash.error")).to_contain_text("请先登记贵单位的基本账户")

    page.fill("#bank_name", BANK)
    page.fill("#account_no", BASIC_ACCOUNTS[1])
    with page.expect_navigation():
        page.get_by_role("button", name="登记基本账户").click()
    assert page.url.startswith(bonds_url)
    expect(page.locator(".flash.success")).to_contain_text(BASIC_ACCOUNTS[1])
    expect(page.locator("dl.facts").first).to_contain_text(f"{BANK} {BASIC_ACCOUNTS[1]}")

    with page.expect_navigation():
        page.locator("#section-1").get_by_role("button", name="选择现金缴纳（获取收款子账号）").click()
    assert page.url == f"{bonds_url}#section-1"
    cash = _bond(session, tender, 1, world.bidders[0].org_id)
    assert (cash.form, cash.status) == ("cash", "awaiting_payment")
    first = page.locator("#section-1")
    sub_account = first.locator("dd.mono strong").inner_text()
    assert sub_account == cash.virtual_account
    expect(page.locator(".flash.success")).to_contain_text(f"向收款子账号 {sub_account} 转账 200,000.00 元")
    expect(first.locator(".badge")).to_have_text("待缴纳")
    expect(first.locator(".notice-box")).to_contain_text(BASIC_ACCOUNTS[1])
    expect(first.get_by_role("button", name="选择现金缴纳（获取收款子账号）")).to_have_count(0)

    # --- bidder1, section 2: the credit commitment, signed with the PIN (a wrong one is refused) -----------------
    second = page.locator("#section-2")
    expect(second).to_contain_text(WAIVER_BASIS)
    expect(second.locator("blockquote")).to_have_text(bonds.COMMITMENT_TEXT)
    second.locator("#pin-2").fill("000000")
    with page.expect_navigation():
        second.get_by_role("button", name="签署信用承诺书").click()
    expect(page.locator(".flash.error")).to_contain_text("签名口令不正确")
    assert _bond(session, tender, 2, world.bidders[0].org_id) is None
    page.locator("#pin-2").fill(SIGNING_PIN)
    with page.expect_navigation():
        page.locator("#section-2").get_by_role("button", name="签署信用承诺书").click()
    expect(page.locator(".flash.success")).to_contain_text("信用承诺书已签署")
    second = page.locator("#section-2")
    expect(second.locator(".badge")).to_have_text("已签署信用承诺")
    commitment = _bond(session, tender, 2, world.bidders[0].org_id)
    assert (commitment.form, commitment.status) == ("credit_commitment", "committed")
    link = second.get_by_role("link", name="信用承诺书（电子签名 PDF）")
    assert link.get_attribute("href") == f"/records/{commitment.record_id}.pdf"
    pdf = page.request.get(server.url + link.get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF-")
    [record] = signed_records.for_tender(session, tender.id, bonds.COMMITMENT_KIND)
    assert record.signatures == 1

    # --- bidder2: a guarantee below the amount is refused with the rule, the right one is verified -------------
    other = new_page()
    sign_in(other, server, "bidder2")
    other.goto(bonds_url)
    other.set_input_files("#guarantee-1", str(small))
    with other.expect_navigation():
        other.locator("#section-1").get_by_role("button", name="提交电子保函").click()
    expect(other.locator(".flash.error")).to_contain_text("低于本标段要求的投标保证金")
    assert _bond(session, tender, 1, world.bidders[1].org_id) is None
    other.set_input_files("#guarantee-1", str(good))
    with other.expect_navigation():
        other.locator("#section-1").get_by_role("button", name="提交电子保函").click()
    guarantee = _bond(session, tender, 1, world.bidders[1].org_id)
    assert (guarantee.form, guarantee.status) == ("bank_guarantee", "verified")
    expect(other.locator(".flash.success")).to_contain_text(f"电子保函已核验通过：{guarantee.guarantee_number}")
    shown = other.locator("#section-1")
    expect(shown.locator(".badge")).to_have_text("保函已核验")
    expect(shown).to_contain_text("杭州银行股份有限公司")
    expect(shown).to_contain_text(guarantee.guarantee_number)
    expect(shown.get_by_role("button", name="向出函机构核验保函状态")).to_have_count(1)
    expect(shown.get_by_role("button", name="提交电子保函")).to_have_count(0)

    # --- the operator imports the bank's statement -------------------------------------------------------------
    received = server.clock.now() - timedelta(minutes=5)
    csv = statement(
        statement_row("S20260302001", received, "张某某", STRANGER_ACCOUNT, sub_account, "200000.00"),
        statement_row("S20260302002", received, "投标公司1", BASIC_ACCOUNTS[1], sub_account, "200000.00"),
        f"S20260302003,昨天,投标公司1,{BASIC_ACCOUNTS[1]},中国工商银行,{sub_account},200000.00,投标保证金",
    )
    admin = new_page()
    sign_in(admin, server, "admin")
    admin.goto(server.url)
    with admin.expect_navigation():
        admin.get_by_role("link", name="保证金到账").click()
    assert admin.url == f"{server.url}/admin/bank"
    expect(admin.get_by_text("暂无到账记录。")).to_have_count(1)
    admin.set_input_files("#file", {"name": "对账单.csv", "mimeType": "text/csv", "buffer": csv})
    with admin.expect_navigation():
        admin.get_by_role("button", name="导入", exact=True).click()
    result = admin.locator("#result")
    expect(result).to_contain_text("计入保证金 1 笔，拒收 1 笔，已导入过而跳过 0 笔，无法识别 1 行")
    expect(result.locator("h2")).to_contain_text("对账单.csv")
    accepted = result.locator("table").nth(0).locator("tbody tr")
    expect(accepted).to_have_count(1)
    expect(accepted).to_contain_text("S20260302002")
    expect(accepted).to_contain_text(BASIC_ACCOUNTS[1])
    refused = result.locator("table").nth(1).locator("tbody tr")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("S20260302001")
    expect(refused.locator("td").last).to_have_text("非投标人基本账户转出（条例第26条）")
    errors = result.locator("table").nth(2).locator("tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.locator("td").first).to_have_text("4")
    expect(errors.locator("td").last).to_contain_text("第 4 行：交易时间“昨天”无法识别")
    # the recent transfers list both recorded rows, with their outcome
    recent = admin.locator("section.card").last.locator("tbody tr")
    expect(recent).to_have_count(2)
    expect(recent.filter(has_text="S20260302001")).to_contain_text("拒收：非投标人基本账户转出（条例第26条）")
    expect(recent.filter(has_text="S20260302002")).to_contain_text("计入保证金")
    session.expire_all()
    assert {p.bank_serial: (p.status, p.reason) for p in session.query(BondPayment)} == {
        "S20260302001": ("refused", "third_party"), "S20260302002": ("accepted", "")}

    # --- bidder1 sees its bond paid ------------------------------------------------------------------------------
    page.goto(bonds_url)
    first = page.locator("#section-1")
    expect(first.locator(".badge")).to_have_text("已缴纳")
    facts = first.locator("dl.facts").nth(1)
    expect(facts).to_contain_text(sub_account)
    expect(facts).to_contain_text(to_shanghai(received).strftime("%Y-%m-%d %H:%M:%S"))
    expect(facts.locator("dd.mono").last).to_have_text(BASIC_ACCOUNTS[1])
    expect(first.locator(".notice-box")).to_have_count(0)  # nothing left to transfer
    paid = _bond(session, tender, 1, world.bidders[0].org_id)
    assert (paid.status, paid.payer_account, str(paid.paid_amount)) == ("paid", BASIC_ACCOUNTS[1], "200000.00")
