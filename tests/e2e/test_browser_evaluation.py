"""Issue 6, done when: on an opened tender (three decrypted bids, the opening record signed by the agent and the
supervisor) with a complete draw of 7 experts from two regions (5 at the 杭州 main venue, 2 at the 宁波 sub-venue),
the agent sets up the evaluation in the browser and then sees the progress only; the 7 experts, each in a browser
of their own, sign in at their venue, declare, elect a chair, review, score and submit; the chair signs the report
first, then the others; the report downloaded from the page validates in pdfsig with seven signatures, the supervisor
sees everyone present, and the draw's revealed seed re-runs it identically."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import select

from bidding import evaluation
from bidding.evaluation_models import Evaluation
from core.identity import User
from expert_pool import draw
from expert_pool.models import ExpertDraw
from signing import pki
from signing.verify import verify_pdf
from tests.bidding.test_evaluation import build_room
from tests.conftest import LiveServer
from tests.e2e.test_browser_bonds import sign_in
from tests.tools import nss_database, pdfsig
from tests.world import SIGNING, SIGNING_PIN

pytestmark = pytest.mark.browser


def _prepare(server: LiveServer, session):
    """The opened tender with its signed opening record and the confirmed draw, at the evaluation time."""
    return build_room(session, server.clock, server.app.extensions["sealbid"].store, server.world)


def _evaluation(session) -> Evaluation:
    session.expire_all()
    return session.scalars(select(Evaluation)).one()


def _accept_dialogs(page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def test_seven_experts_evaluate_in_their_browsers_and_sign_the_report(live_server, new_page, session, tmp_path):
    from playwright.sync_api import expect

    started = time.monotonic()
    server = live_server
    with ThreadPoolExecutor(max_workers=1) as worker:  # publishing and the opening record sign with pyHanko
        room = worker.submit(_prepare, server, session).result()
    tender = room.tender

    # --- the agent sets up the evaluation from the template, then sees the progress only -------------------------
    agent = new_page()
    _accept_dialogs(agent)
    sign_in(agent, server, "agent")
    agent.goto(f"{server.url}/agency/tenders/{tender.id}")
    with agent.expect_navigation():
        agent.get_by_role("link", name="评标：第 1 标段").click()
    expect(agent.locator("#points-total")).to_have_text("满分合计：100.00 分（应为 100 分）")  # the script adds up
    agent.locator("input[name='score-5-max']").fill("4")
    expect(agent.locator("#points-total")).to_have_class("total over")
    agent.locator("input[name='score-5-max']").fill("5")
    with agent.expect_navigation():
        agent.get_by_role("button", name="组织评标").click()
    expect(agent.locator(".flash.success")).to_contain_text("评标已组织")
    expect(agent.locator("#stage")).to_have_text("签到和回避声明")
    expect(agent.locator("#left-room")).to_contain_text("退出评标室")
    ev = _evaluation(session)
    seated = evaluation.active_members(ev)
    assert len(seated) == 7 and {m.venue for m in seated} == {"main", "sub"}
    assert not any(m.name in agent.content() for m in seated)
    refused = agent.goto(f"{server.url}/evaluation/{ev.id}/scoring")
    assert refused.status == 403 and "退出评标室" in agent.content()

    # --- seven experts, each in a browser of their own ---------------------------------------------------------
    pages = {}
    for m in seated:
        page = new_page()
        _accept_dialogs(page)
        sign_in(page, server, session.get(User, m.user_id).username)
        page.goto(f"{server.url}/evaluation/")
        with page.expect_navigation():
            page.get_by_role("link", name="进入评标室").click()
        expect(page.locator("#todo")).to_contain_text("签到")
        venue = f"{'杭州主场' if m.venue == 'main' else '宁波副场'} {len(pages) + 1} 号工位"
        page.fill("#venue", venue)
        with page.expect_navigation():
            page.get_by_role("button", name="我已到场，签到").click()
        expect(page.locator("#bidders")).to_contain_text("投标公司3")
        expect(page.locator("#declaration")).to_contain_text("本人与上列投标人均无利害关系")
        with page.expect_navigation():
            page.get_by_role("button", name="签署本回避声明").click()
        expect(page.locator(".flash.success")).to_contain_text("回避声明已签署")
        pages[m.id] = page

    chair = seated[0]
    for m in seated[:4]:  # an absolute majority elects at once
        page = pages[m.id]
        page.goto(f"{server.url}/evaluation/{ev.id}")
        page.check(f"input[name='candidate'][value='{chair.id}']")
        with page.expect_navigation():
            page.get_by_role("button", name="投票").click()
    expect(pages[seated[3].id].locator(".flash.success")).to_contain_text("组长已选出")
    assert _evaluation(session).chair_member_id == chair.id

    # --- the review: every item of every bid, the platform's two items pre-answered ---------------------------------
    for m in seated:
        page = pages[m.id]
        page.goto(f"{server.url}/evaluation/{ev.id}/review")
        expect(page.locator(".auto").first).to_contain_text("平台核验")
        for index in range(3):
            form = page.locator("form.review-form").nth(index)
            form.get_by_role("button", name="本投标人各项均合格").click()  # the platform's two answers stay
            expect(form.locator("input[type='radio'][value='pass']:checked")).to_have_count(9)
            with page.expect_navigation():
                form.get_by_role("button", name=re.compile("^保存对")).click()
            expect(page.locator(".flash.success")).to_contain_text("已保存对该投标人的评审")
    chair_page = pages[chair.id]
    chair_page.goto(f"{server.url}/evaluation/{ev.id}")
    with chair_page.expect_navigation():
        chair_page.get_by_role("button", name="结束评审").click()
    expect(chair_page.locator(".flash.success")).to_contain_text("评审已结束，请各成员打分")

    # --- scoring: live totals on the page, submitted by each -------------------------------------------------------
    for number, m in enumerate(seated):
        page = pages[m.id]
        page.goto(f"{server.url}/evaluation/{ev.id}/scoring")
        share = Decimal("0.8") if number % 2 else Decimal("0.75")  # close enough: no deviation to explain
        for index in range(3):
            form = page.locator("form.score-form").nth(index)
            inputs = form.locator("input.points")
            total = Decimal(0)
            for field in inputs.all():
                points = (Decimal(field.get_attribute("data-max")) * share).quantize(Decimal("0.01"))
                field.fill(str(points))
                total += points
            expect(form.locator(".live-total")).to_have_text(f"{total:.2f}")
            with page.expect_navigation():
                form.get_by_role("button", name=re.compile("^保存对")).click()
        with page.expect_navigation():
            page.get_by_role("button", name="提交全部评分").click()
        expect(page.locator(".flash.success")).to_contain_text("评分已提交")
    ev = _evaluation(session)
    assert ev.status == "report" and not evaluation.deviation_notes(session, ev)

    # --- the report: the chair signs first, then each member --------------------------------------------------------
    order = [chair] + [m for m in seated if m.id != chair.id]
    for count, m in enumerate(order, start=1):
        page = pages[m.id]
        page.goto(f"{server.url}/evaluation/{ev.id}")
        page.fill("#pin", SIGNING_PIN)
        button = page.locator("#sign-report")
        with page.expect_navigation(timeout=60_000):
            button.click()
        expect(page.locator(".flash.success")).to_contain_text(f"{count} 个签名")
    last = pages[order[-1].id]
    expect(last.locator("#todo")).to_contain_text("评标已结束")
    pdf = last.request.get(server.url + last.locator("#report-link").get_attribute("href")).body()
    sheet = last.request.get(server.url + last.locator("#sheet-link").get_attribute("href"))
    assert sheet.ok and sheet.body()[:2] == b"PK"

    # --- the supervisor saw everyone present; the draw re-runs from the revealed seed ------------------------------
    supervisor = new_page()
    sign_in(supervisor, server, "supervisor")
    supervisor.goto(f"{server.url}/supervisor/evaluations/{ev.id}")
    expect(supervisor.locator("#presence .dot.on")).to_have_count(7)
    expect(supervisor.locator("#presence")).to_contain_text("宁波副场")
    supervisor.goto(f"{server.url}/supervisor/draws/{ev.draw_id}")
    with supervisor.expect_navigation():
        supervisor.get_by_role("button", name="重新计算核验").click()
    expect(supervisor.locator("#verify-ok")).to_contain_text("随机种子已公开")
    agent.goto(f"{server.url}/agency/tenders/{tender.id}/sections/1/evaluation")
    expect(agent.locator("#ranking")).to_contain_text("投标公司2")

    ev = _evaluation(session)
    assert ev.status == "closed"
    found = session.get(ExpertDraw, ev.draw_id)
    assert found.seed_revealed_at is not None and draw.verify_draw(session, found.id).ok
    path = tmp_path / "evaluation-report.pdf"
    path.write_bytes(pdf)
    report = pdfsig(path, nss_database(tmp_path / "nss", pki.ca(session).pem))
    assert report.count("Signature is Valid.") == 7, report
    crl = pki.crl(session, server.clock, SIGNING)
    with ThreadPoolExecutor(max_workers=1) as worker:  # pyHanko's asyncio.run, outside Playwright's loop
        check = worker.submit(verify_pdf, pdf, pki.trust_roots(session), [crl], server.clock.now()).result()
    assert check.ok and len(check.signatures) == 7
    print(f"evaluation e2e: {time.monotonic() - started:.1f} s")
