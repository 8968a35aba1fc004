"""Issue 7, done when: one tender walks the whole lifecycle through the pages, each person in a browser of their own.

The agent creates a 评定分离 tender (深圳 rules, 票决法, an award committee of 5) with its escrow, uploads the document
and publishes it; three bidders obtain the documents, sign their credit commitments (the section takes one instead of a
bond), seal and submit their bids in the browser; at the deadline each decrypts its bid in the opening room and the
agent and the supervisor sign the opening record; the agent draws 5 experts, who confirm, evaluate (the lowest
evaluated price) and sign the report; the tenderee accepts it, the agent publishes the candidates, a bidder objects
on the public site and the tenderee answers; after the 3 days the tenderee draws the award committee, whose members
declare, vote and sign the 定标报告 before the tenderee seals it; the result is published for 3 days, the tenderee
issues the notices, the winner and a loser read theirs; the tenderee records the contract; the supervisor sees every
record valid and the award on the timeline. The award record (6 signatures) and the award notice validate in pdfsig.

Set up outside the pages, each justified where it is done: the accounts the administrator would have made (signing
certificates, encryption keys, the expert roster, the tenderee's award-member pool) and the scheduler's tick.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.scheduler import tick
from bidding import award, evaluation
from bidding.award_models import Award
from bidding.evaluation_models import Evaluation
from bidding.models import Tender
from core.identity import User
from expert_pool.models import DrawPick
from signing import envelope, pki
from tests.bidding.awarding import add_pool
from tests.bidding.test_evaluation import make_experts
from tests.conftest import LiveServer
from tests.e2e.test_browser_bonds import sign_in
from tests.e2e.test_browser_publish import local_input
from tests.expert_pool.helpers import row
from tests.tools import nss_database, pdfsig
from tests.world import SIGNING_PIN, encryption_key, ensure_signing

pytestmark = pytest.mark.browser

TITLE = "全流程浏览器测试：滨海大道改造工程"
CODE = "E2E-LIFE-001"
WAIVER_BASIS = "深圳市政府投资项目以信用承诺替代投标保证金"
PRICES = {1: "9500000.00", 2: "9000000.00", 3: "9800000.00"}
NAMES = {n: f"投标公司{n}" for n in PRICES}
# Five members of the award committee vote: three for 投标公司2, one each for the others — an absolute majority.
VOTES = (2, 2, 2, 1, 3)
WINNER = 2
SIGNING_TIMEOUT = 60_000  # a click whose request signs a PDF (pyHanko) on the server


def _people(server: LiveServer, session) -> None:
    """What the administrator and each person set up once, before any tender, and which has pages and tests of its
    own (account/signing, admin/experts, award/pool): signing certificates for everyone who signs here, the bidders'
    encryption keys (the private halves become the key files their browsers read), the expert roster of six (5 drawn
    + 1 backup) with their accounts, and the tenderee's pool of ten staff (a committee of 5 needs twice as many)."""
    world, clock = server.world, server.clock
    ensure_signing(session, clock, world, "tenderee", "supervisor", "bidder1", "bidder2", "bidder3")
    for number in PRICES:
        encryption_key(session, clock, world, f"bidder{number}")
    make_experts(session, clock, world, [row(f"杭州专家{i}", i) for i in range(1, 7)])
    add_pool(session, clock, world, 10)
    session.commit()


def _accept_dialogs(page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def _person(new_page, server: LiveServer, username: str):
    page = new_page()
    _accept_dialogs(page)
    sign_in(page, server, username)
    return page


def _submit(page, label: str, timeout: int = SIGNING_TIMEOUT) -> None:
    """Click a button that posts a form, and wait for the page it leads to."""
    with page.expect_navigation(timeout=timeout):
        page.get_by_role("button", name=label, exact=True).click()


def _flash(page):
    """The message the last action left (not the page's own notes styled the same way)."""
    return page.locator(".flash.success[role=alert]")


def _username(session, user_id: int) -> str:
    return session.get(User, user_id).username


def _tender(session) -> Tender:
    session.expire_all()
    return session.scalars(select(Tender).where(Tender.code == CODE)).one()


def _award(session) -> Award:
    session.expire_all()
    return session.scalars(select(Award)).one()


def _download(page, link) -> bytes:
    """Click a link whose answer is an attachment, as the person would, and read what the browser saved."""
    with page.expect_download() as info:
        link.click()
    return Path(info.value.path()).read_bytes()


def test_one_tender_from_publication_to_contract_through_the_pages(live_server, new_page, session, tmp_path):
    from playwright.sync_api import expect

    started = time.monotonic()
    server = live_server
    world, clock = server.world, server.clock
    with ThreadPoolExecutor(max_workers=1) as worker:  # certificates are issued in a thread of their own (pyHanko)
        worker.submit(_people, server, session).result()
    keys = {}
    for number in PRICES:
        keys[number] = tmp_path / f"bidder{number}.key"
        keys[number].write_bytes(envelope.private_key_pem(world.encryption_keys[f"bidder{number}"]))

    # --- 1. the agent: a 评定分离 tender with its escrow and document, published with the PIN ------------------------
    agent = _person(new_page, server, "agent")
    sale_start = clock.now() + timedelta(hours=1)
    deadline = sale_start + timedelta(days=25)
    agent.goto(f"{server.url}/agency/")
    agent.get_by_role("link", name="新建招标项目").click()
    agent.fill("#code", CODE)
    agent.fill("#title", TITLE)
    agent.select_option("#tenderee_org_id", label="某市建设局")
    agent.select_option("#category", value="works")
    agent.check("#is_state_funded")
    agent.fill("#region", "广东省深圳市")
    agent.fill("#description", "滨海大道改造，评定分离，票决定标。")
    agent.fill("#sale_start", local_input(sale_start))
    agent.fill("#sale_end", local_input(sale_start + timedelta(days=7)))
    agent.fill("#clarification_deadline", local_input(sale_start + timedelta(days=10)))
    agent.fill("#bid_deadline", local_input(deadline))
    agent.select_option("#rule_set", value="shenzhen")
    agent.select_option("#award_mode", value="separated")
    agent.select_option("#award_method", value="vote")
    agent.fill("#award_committee_size", "5")
    agent.fill("input[name=sections-0-name]", "一标段")
    agent.fill("input[name=sections-0-estimated_price]", "10000000.00")
    agent.select_option("select[name=sections-0-bond_policy]", value="waived_credit_commitment")
    agent.fill("input[name=sections-0-bond_waiver_basis]", WAIVER_BASIS)
    agent.select_option("select[name=sections-0-evaluation_method]", value="lowest_evaluated_price")
    _submit(agent, "保存草稿")
    expect(_flash(agent)).to_contain_text("招标项目已保存为草稿")
    manage_url = agent.url
    form = agent.locator("form[data-progress]")
    form.locator("#doc-title").fill("招标文件")
    form.locator("#doc-file").set_input_files(
        {"name": "zhaobiao.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% lifecycle\n%%EOF\n"})
    with agent.expect_navigation():
        form.get_by_role("button", name="上传").click()
    assert agent.url == manage_url
    for box in agent.locator("input[name=holders]").all():
        box.check()
    _submit(agent, "设定托管人")
    expect(agent.get_by_text("门限：2 / 3")).to_have_count(1)
    agent.fill("#publish-pin", SIGNING_PIN)
    with agent.expect_navigation(timeout=SIGNING_TIMEOUT):
        agent.click("#publish")
    expect(agent.get_by_role("link", name="招标公告（电子签名 PDF）")).to_have_count(1)
    tender = _tender(session)
    assert (tender.status, tender.award_mode, tender.award_method, tender.rule_set, tender.award_committee_size) == (
        "published", "separated", "vote", "shenzhen", 5)
    notice_url = f"{server.url}/tenders/{tender.id}"

    # --- 2. three bidders: documents, credit commitment, a bid sealed in the browser --------------------------------
    clock.advance(timedelta(hours=2))  # the sale period has begun
    bidders = {}
    for number, price in PRICES.items():
        page = bidders[number] = _person(new_page, server, f"bidder{number}")
        page.goto(notice_url)
        _submit(page, "获取招标文件")
        expect(_flash(page)).to_contain_text("已获取招标文件")
        with page.expect_navigation():
            page.get_by_role("link", name="投标保证金", exact=True).click()
        section = page.locator("#section-1")
        expect(section).to_contain_text(WAIVER_BASIS)
        section.locator("#pin-1").fill(SIGNING_PIN)
        with page.expect_navigation(timeout=SIGNING_TIMEOUT):
            section.get_by_role("button", name="签署信用承诺书").click()
        expect(page.locator("#section-1 .badge")).to_have_text("已签署信用承诺")
        page.goto(notice_url)
        with page.expect_navigation():
            page.get_by_role("link", name="递交投标文件").click()
        page.set_input_files("#key-file", str(keys[number]))
        expect(page.locator("#key-status")).to_contain_text("一致（")
        page.fill("#price", price)
        page.fill("#duration_days", "300")
        page.fill("#quality", "合格")
        page.fill("#project_manager", f"项目经理{number}")
        page.set_input_files("#bid-files", [{"name": "技术标.pdf", "mimeType": "application/pdf",
                                             "buffer": b"%PDF-1.4 technical bid of " + NAMES[number].encode()}])
        page.get_by_role("button", name="加密并上传").click()
        expect(page.locator("#finish-box")).to_be_visible(timeout=60_000)
        page.fill("#pin", SIGNING_PIN)
        page.get_by_role("button", name="签名并递交").click()
        expect(page.locator("#receipt")).to_be_visible(timeout=SIGNING_TIMEOUT)
        clock.advance(timedelta(minutes=10))

    # --- 3. the deadline: the opening, each bidder decrypts in the room, the record signed -----------------------------
    clock.set(tender.bid_deadline)
    # No page closes bidding: the scheduler's tick does (every 15 s in production; the test app runs no scheduler, so
    # the test runs one tick, in a worker thread as anything that may sign must be, outside Playwright's event loop).
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(tick, server.app).result()
    for number, page in bidders.items():
        page.goto(notice_url)
        with page.expect_navigation():
            page.get_by_role("link", name="进入开标室").click()
        form = page.locator("form.decrypt-form")
        expect(form).to_have_count(1)  # the bidder's own bid only
        form.locator(".key-file").set_input_files(str(keys[number]))
        with page.expect_navigation():
            form.get_by_role("button", name="解密").click()
        expect(_flash(page)).to_contain_text("解密成功")
    clock.advance(timedelta(minutes=31))  # the decryption window is over
    agent.goto(f"{server.url}/tenders/{tender.id}/opening")
    _submit(agent, "结束开标")
    agent.fill("#record-pin", SIGNING_PIN)
    _submit(agent, "签署开标记录")
    supervisor = _person(new_page, server, "supervisor")
    supervisor.goto(f"{server.url}/tenders/{tender.id}/opening")
    supervisor.fill("#record-pin", SIGNING_PIN)
    _submit(supervisor, "签署开标记录")
    expect(_flash(supervisor)).to_contain_text("开标记录已签署")
    assert _tender(session).status == "opened"

    # --- 4. the expert draw, the experts confirm, evaluate and sign the report -------------------------------------------
    clock.advance(timedelta(minutes=30))
    evaluation_at = (clock.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    agent.goto(f"{server.url}/agency/")
    with agent.expect_navigation():
        agent.locator(f"a[href='/agency/tenders/{tender.id}/sections/1/draw']").click()
    agent.select_option("select[name=groups-0-specialty_code]", value="A0101")
    agent.fill("input[name=groups-0-count]", "5")
    agent.fill("input[name=groups-0-region]", "浙江省杭州市")
    agent.fill("input[name=groups-0-backups]", "1")
    agent.fill("#evaluation_at", local_input(evaluation_at))
    agent.fill("#place", "深圳市公共资源交易中心第 2 评标室")
    with agent.expect_navigation():
        agent.click("#draw")
    expect(_flash(agent)).to_contain_text("已抽取并通知 5 名专家")
    # Who was drawn is secret on the pages (法第37条); each drawn expert learns it from the notification, the test
    # from the draw's picks.
    session.expire_all()
    drawn = [_username(session, p.expert.user_id) for p in session.scalars(
        select(DrawPick).where(DrawPick.status == "notified").order_by(DrawPick.id))]
    assert len(drawn) == 5
    experts = {}
    for username in drawn:
        page = experts[username] = _person(new_page, server, username)
        page.goto(f"{server.url}/expert/")
        with page.expect_navigation():
            page.get_by_role("button", name="确认参加").click()
        expect(_flash(page)).to_contain_text("您已确认参加评标")
    agent.reload()
    expect(agent.locator("td.confirmed").first).to_have_text("5")
    _submit(agent, "以平台电子签章签署抽取记录")
    expect(_flash(agent)).to_contain_text("专家抽取记录已由平台电子签章签署")

    clock.set(evaluation_at)
    agent.goto(manage_url)
    with agent.expect_navigation():
        agent.get_by_role("link", name="评标：第 1 标段").click()
    assert agent.locator("#ranked").input_value() == "unranked"  # 评定分离: the candidates are not ranked
    with agent.expect_navigation():
        agent.click("#set-up")
    expect(_flash(agent)).to_contain_text("评标已组织")
    session.expire_all()
    ev = session.scalars(select(Evaluation)).one()
    seated = evaluation.active_members(ev)
    member_page = {m.id: experts[_username(session, m.user_id)] for m in seated}
    for number, m in enumerate(seated, start=1):
        page = member_page[m.id]
        page.goto(f"{server.url}/evaluation/")
        with page.expect_navigation():
            page.get_by_role("link", name="进入评标室").click()
        page.fill("#venue", f"深圳主场 {number} 号工位")
        _submit(page, "我已到场，签到")
        _submit(page, "签署本回避声明")
        expect(_flash(page)).to_contain_text("回避声明已签署")
    chair = seated[0]
    for m in seated[:3]:  # an absolute majority elects at once
        page = member_page[m.id]
        page.goto(f"{server.url}/evaluation/{ev.id}")
        page.check(f"input[name='candidate'][value='{chair.id}']")
        _submit(page, "投票")
    expect(member_page[seated[2].id].locator(".flash.success")).to_contain_text("组长已选出")
    for m in seated:
        page = member_page[m.id]
        page.goto(f"{server.url}/evaluation/{ev.id}/review")
        for index in range(3):
            form = page.locator("form.review-form").nth(index)
            form.get_by_role("button", name="本投标人各项均合格").click()
            with page.expect_navigation():
                form.get_by_role("button", name=re.compile("^保存对")).click()
            expect(_flash(page)).to_contain_text("已保存对该投标人的评审")
    lead = member_page[chair.id]
    lead.goto(f"{server.url}/evaluation/{ev.id}")
    _submit(lead, "结束评审")
    expect(_flash(lead)).to_contain_text("请调整评标价格")
    _submit(lead, "结束价格比较")
    expect(_flash(lead)).to_contain_text("评标价格比较已结束")
    for count, m in enumerate(seated, start=1):  # the chair (seated[0]) first
        page = member_page[m.id]
        page.goto(f"{server.url}/evaluation/{ev.id}")
        page.fill("#pin", SIGNING_PIN)
        with page.expect_navigation(timeout=SIGNING_TIMEOUT):
            page.click("#sign-report")
        expect(_flash(page)).to_contain_text(f"{count} 个签名")
    for page in experts.values():  # the experts' work is done: their rooms stop reporting presence
        page.context.close()
    found = _award(session)
    assert found.status == "review" and len(award.candidates(found)) == 3

    # --- 5. the tenderee accepts the report; the candidates' publicity; an objection and its answer -----------------
    clock.advance(timedelta(hours=3))
    tenderee = _person(new_page, server, "tenderee")
    tenderee.goto(f"{server.url}/agency/")
    with tenderee.expect_navigation():
        tenderee.get_by_role("link", name="定标", exact=True).click()
    award_url = tenderee.url
    assert award_url == f"{server.url}/award/tenders/{tender.id}"
    candidates = tenderee.locator("#section-1 table").first
    for number in PRICES:
        expect(candidates).to_contain_text(NAMES[number])
    _submit(tenderee, "接受评标报告")
    expect(tenderee.locator("#status-1")).to_have_text("待公示中标候选人")

    agent.goto(manage_url)
    with agent.expect_navigation():
        agent.click("#award-link")
    agent.fill("#publish-pin-1", SIGNING_PIN)
    with agent.expect_navigation(timeout=SIGNING_TIMEOUT):
        agent.click("#publish-1")
    expect(_flash(agent)).to_contain_text("中标候选人公示已发布")
    expect(agent.locator("#status-1")).to_have_text("中标候选人公示中")
    published_at = clock.now()

    objector = bidders[3]
    objector.goto(notice_url)
    with objector.expect_navigation():
        objector.locator("#publicity").get_by_role("link", name="中标候选人公示").click()
    expect(objector.locator("#candidates")).to_contain_text(NAMES[WINNER])
    objector.fill("#objection-body", "投标公司2 的项目经理在投标截止时另有在建项目，请核查其资格。")
    _submit(objector, "提交异议")
    expect(_flash(objector)).to_contain_text("异议已提交")
    publicity_url = objector.url.split("#")[0]
    visitor = new_page()  # the same publicity on the public list, for anyone
    visitor.goto(f"{server.url}/publicity/")
    expect(visitor.locator("#publicities tbody tr", has_text=TITLE)).to_contain_text("公示中")

    tenderee.goto(award_url)
    expect(tenderee.locator("#section-1")).to_contain_text("未答复（答复期限")
    # The award page lists the objection but does not link to where it is answered: the notice page does.
    tenderee.goto(notice_url)
    with tenderee.expect_navigation():
        tenderee.locator("#publicity").get_by_role("link", name="异议", exact=True).click()
    tenderee.locator("textarea[name=answer]").fill("经核查，该项目经理的在建项目已于投标截止前竣工验收，异议不成立。")
    _submit(tenderee, "答复异议")
    expect(_flash(tenderee)).to_contain_text("异议已答复")
    objector.goto(publicity_url)
    expect(objector.locator("#objections")).to_contain_text("异议不成立")

    clock.set(published_at + timedelta(days=3, minutes=5))  # the 3 days of 条例第54条 are over
    tenderee.goto(award_url)
    _submit(tenderee, "检查公示是否结束")
    expect(_flash(tenderee)).to_contain_text("公示期已结束，可以定标")
    expect(tenderee.locator("#status-1")).to_have_text("定标中")

    # --- 6. the award committee: drawn, declared, the vote, the 定标报告 signed and sealed ----------------------------
    _submit(tenderee, "随机抽取定标委员会")
    expect(_flash(tenderee)).to_contain_text("定标委员会已随机抽取")
    found = _award(session)
    committee = award.seated(found)
    assert len(committee) == 5 and committee[0].chair
    rooms = {}
    for m in committee:
        page = rooms[m.id] = _person(new_page, server, _username(session, m.user_id))
        with page.expect_navigation():
            page.get_by_role("link", name="我的定标").click()
        with page.expect_navigation():
            page.get_by_role("link", name="进入定标室").click()
        expect(page.locator("#todo")).to_contain_text("签署回避声明")
        with page.expect_navigation():
            page.click("#declare")
        expect(_flash(page)).to_contain_text("回避声明已签署")
    for m, choice in zip(committee, VOTES, strict=True):
        page = rooms[m.id]
        page.reload()
        expect(page.locator("#todo")).to_contain_text("选择一位候选人投票")
        page.locator("#vote-form").get_by_label(NAMES[choice]).check()
        with page.expect_navigation():
            page.click("#vote")
        expect(_flash(page)).to_contain_text("您的投票已记录")
    for count, m in enumerate(committee, start=1):  # the chair first: it makes the record
        page = rooms[m.id]
        page.reload()
        expect(page.locator("#record")).to_contain_text(NAMES[WINNER])
        page.fill("#pin", SIGNING_PIN)
        with page.expect_navigation(timeout=SIGNING_TIMEOUT):
            page.click("#sign")
        expect(_flash(page)).to_contain_text(f"已有 {count} 个签名")
    tenderee.goto(award_url)
    expect(tenderee.locator("#section-1")).to_contain_text(f"定标委员会已确定中标人：{NAMES[WINNER]}")
    tenderee.fill("#seal-pin-1", SIGNING_PIN)
    with tenderee.expect_navigation(timeout=SIGNING_TIMEOUT):
        tenderee.click("#seal-1")
    expect(_flash(tenderee)).to_contain_text("定标完成")
    expect(tenderee.locator("#status-1")).to_have_text("已定标")
    expect(tenderee.locator("#winner-1")).to_have_text(NAMES[WINNER])
    record_pdf = _download(tenderee, tenderee.locator("#record-1"))

    # --- 7. the result publicity (深圳: 3 days), the notices, the winner's and a loser's ------------------------------
    agent.goto(award_url)
    agent.fill("#result-pin-1", SIGNING_PIN)
    with agent.expect_navigation(timeout=SIGNING_TIMEOUT):
        agent.click("#publish-result-1")
    expect(_flash(agent)).to_contain_text("中标结果公示已发布")
    expect(agent.locator("#status-1")).to_have_text("中标结果公示中")
    result_at = clock.now()
    clock.set(result_at + timedelta(days=3, minutes=5))
    tenderee.goto(award_url)
    tenderee.fill("#notices-pin-1", SIGNING_PIN)
    with tenderee.expect_navigation(timeout=SIGNING_TIMEOUT):
        tenderee.click("#notices-1")
    expect(_flash(tenderee)).to_contain_text("已向中标人发出中标通知书")
    expect(tenderee.locator("#status-1")).to_have_text("已发中标通知书")

    winner = bidders[WINNER]
    winner.goto(server.url)
    with winner.expect_navigation():
        winner.get_by_role("link", name="我的投标").click()
    mine = winner.locator("#notices + table tbody tr")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("未查阅")
    notice_pdf = _download(winner, mine.get_by_role("link", name="中标通知书（PDF）", exact=True))
    winner.reload()
    expect(winner.locator("#notices + table tbody tr")).to_contain_text("已于")
    loser = bidders[1]
    loser.goto(f"{server.url}/bidder/")
    theirs = loser.locator("#notices + table tbody tr")
    expect(theirs).to_have_count(1)
    result_notice = _download(loser, theirs.get_by_role("link", name="中标结果通知书（PDF）", exact=True))
    assert result_notice.startswith(b"%PDF-")

    # --- 8. the contract, on the bonds page, prefilled with the winner and its price ---------------------------------
    clock.advance(timedelta(days=5))
    tenderee.goto(award_url)
    with tenderee.expect_navigation():
        tenderee.get_by_role("link", name="登记合同（应在发出中标通知书之日起 30 日内订立，法第46条）").click()
    assert tenderee.url == f"{server.url}/agency/tenders/{tender.id}/bonds"
    expect(tenderee.locator("#price-1")).to_have_value(PRICES[WINNER])
    tenderee.fill("#signed-1", local_input(clock.now() - timedelta(hours=1)))
    tenderee.fill("#pb-1", "450000.00")
    _submit(tenderee, "登记合同")
    expect(_flash(tenderee)).to_contain_text("合同已登记")
    found = _award(session)
    assert (found.status, found.winner.name, _tender(session).status) == ("contracted", NAMES[WINNER], "contracted")

    # --- 9. the supervisor's workspace: every record valid, the award on the timeline ----------------------------------
    supervisor.goto(f"{server.url}/supervisor/")
    with supervisor.expect_navigation():
        supervisor.get_by_role("link", name=TITLE).first.click()
    assert supervisor.url == f"{server.url}/supervisor/tenders/{tender.id}"
    records = supervisor.locator("#records")
    expect(records).to_contain_text("0 份验证未通过")
    for title in ("开标记录", "评标报告", "定标报告", "公示", "中标通知书", "中标结果通知书", "信用承诺书"):
        expect(records.locator("tbody tr", has_text=title).first).to_be_visible()
    expect(records.locator(".badge.failed")).to_have_count(0)
    expect(supervisor.locator("#awards")).to_contain_text(NAMES[WINNER])
    expect(supervisor.locator("#objections")).to_contain_text("异议不成立")
    timeline = supervisor.locator("#timeline")
    for action in ("award.publicity", "award.draw", "award.decide", "award.notify", "contract.record"):
        expect(timeline).to_contain_text(action)

    # --- the award record (5 members + the tenderee) and the award notice (the tenderee) in pdfsig ------------------
    nss = nss_database(tmp_path / "nss", pki.ca(session).pem)
    for name, pdf, signatures in (("award-record.pdf", record_pdf, 6), ("award-notice.pdf", notice_pdf, 1)):
        path = tmp_path / name
        path.write_bytes(pdf)
        report = pdfsig(path, nss)
        assert report.count("Signature is Valid.") == signatures, report
        assert report.count("Certificate is Trusted.") == signatures, report
    print(f"lifecycle e2e: {time.monotonic() - started:.1f} s")
