"""评标 through the pages: the agent's setup from the standard template and its progress-only view (招标代理退出
评标室), the tenderee's representatives, the members' room (sign-in, heartbeat, recusal with a backup, the chair's
election, the review sheet, the chair's controls, the scoring sheet, deviations, dissent, the report signed with the
PIN, chair first), the bidder's clarification answers, the supervisor's view with the recomputation and sanctions,
一标一评; and every bad input answered with a 4xx and a reason, never a 500."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bidding import evaluation
from bidding.evaluation_models import Evaluation, EvaluationMember, ExpertRating
from core.clock import to_shanghai
from core.identity import User
from expert_pool import draw
from expert_pool.models import DrawPick, Expert
from tests.app.helpers import flash_messages, login, page_text, post_token, signed_in
from tests.bidding.test_evaluation import (
    actor_of,
    build_room,
    chair_actor,
    elect,
    members,
    review_all,
    score_all,
    seat_everyone,
    two_sections,
    typed,
)
from tests.bidding.test_evaluation import set_up as domain_set_up
from tests.world import SIGNING_PIN

CSRF_MESSAGE = "表单已过期或缺少安全令牌，请返回刷新页面后重试。"
HUGE = "99999999999999999999"
NOT_WATCHING = "招标代理退出评标室"


class _Form(HTMLParser):
    """The values a browser would post for the form whose action is ``action`` (defaults, ticked boxes)."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.values = action, False, {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            elif kind not in ("submit", "button"):
                self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select:
            if "selected" in a or not self.values.get(self._select):
                self.values[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str, action: str) -> dict[str, str]:
    parser = _Form(action)
    parser.feed(html)
    assert parser.values, f"no form posting to {action}"
    return parser.values


@pytest.fixture
def store(app):
    return app.extensions["sealbid"].store


@pytest.fixture
def room(session, clock, store, world):
    """An opened tender (3 decrypted bids, the opening record signed), 7 experts confirmed (5 杭州 main, 2 宁波 sub),
    at the evaluation time."""
    return build_room(session, clock, store, world)


def _username(session, member: EvaluationMember) -> str:
    return session.get(User, member.user_id).username


def _clients(app, session, ev: Evaluation) -> dict[int, FlaskClient]:
    """A signed-in browser per seated member, by member id."""
    return {m.id: signed_in(app, _username(session, m)) for m in members(ev)}


def _fresh(session, ev: Evaluation) -> Evaluation:
    session.expire_all()
    return session.get(Evaluation, ev.id)


def _manage(tender, number: int = 1) -> str:
    return f"/agency/tenders/{tender.id}/sections/{number}/evaluation"


def _room(ev: Evaluation, tail: str = "") -> str:
    return f"/evaluation/{ev.id}{tail}"


def _deadline(clock, hours: int = 1) -> str:
    return to_shanghai(clock.now() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def _reviewed(session, clock, world, room) -> Evaluation:
    ev = domain_set_up(session, clock, world, room)
    seat_everyone(session, clock, room, ev)
    elect(session, clock, room, ev)
    review_all(session, clock, room, ev)
    evaluation.close_review(session, clock, chair_actor(room, ev), ev.id)
    session.commit()
    return ev


# --- the agent: setup and progress ------------------------------------------------------------------------------


def test_agent_sets_up_from_the_template_then_sees_only_the_progress(app, session, clock, world, room):
    agent = signed_in(app, "agent")
    page = agent.get(_manage(room.tender))
    html = page_text(page)
    assert page.status_code == 200 and "组织评标" in html and "施工组织设计" in html and "营业执照和资质证书" in html
    values = form_values(html, _manage(room.tender))
    assert values["price_full"] == "40" and values["drop_extremes"] == "on"  # 7 members: drop the extremes
    maxima = sum(Decimal(v) for k, v in values.items() if k.startswith("score-") and k.endswith("-max") and v)
    assert maxima + Decimal(values["price_full"]) == 100
    values.pop("csrf_token")
    created = post_token(agent, _manage(room.tender), values)
    assert created.status_code == 302, flash_messages(page_text(created))
    ev = session.scalars(select(Evaluation)).one()
    assert ev.status == "sign_in" and evaluation.config(ev)["drop_extremes"] is True
    assert [c.name for c in evaluation.review_criteria(ev)][-2:] == ["投标保证金", "投标报价不超过招标控制价"]
    assert sum(c.max_points for c in evaluation.score_criteria(ev)) == 100

    progress = page_text(agent.get(_manage(room.tender)))
    assert "评标进度" in progress and "0 / 7" in progress and NOT_WATCHING in progress
    assert not any(m.name in progress for m in ev.members)  # no names while the committee works
    for tail in ("/review", "/scoring", "/report.pdf", "/scores.xlsx"):
        refused = agent.get(_room(ev, tail))
        assert refused.status_code == 403 and NOT_WATCHING in page_text(refused), tail
    assert agent.get(_room(ev)).status_code == 403  # the room is the committee's
    again = post_token(agent, _manage(room.tender), values)
    assert again.status_code == 409 and "该标段的评标已经组织" in page_text(again)

    tenderee = signed_in(app, "tenderee")
    assert tenderee.get(_manage(room.tender)).status_code == 200
    assert tenderee.get(_room(ev, "/scoring")).status_code == 403
    assert post_token(tenderee, _manage(room.tender), values).status_code == 403
    other = signed_in(app, "agent2")
    assert other.get(_manage(room.tender)).status_code == 403
    assert post_token(other, _manage(room.tender), values).status_code == 403


def test_a_bad_setup_is_refused_and_the_form_keeps_what_was_typed(app, session, clock, world, room):
    agent = signed_in(app, "agent")
    values = form_values(page_text(agent.get(_manage(room.tender))), _manage(room.tender))
    values.pop("csrf_token")
    cases = [
        ({"score-5-max": "4"}, 400, "各评分因素满分与价格分满分之和应为 100 分，现为 99.00 分"),
        ({"score-5-max": "0"}, 400, "评分因素“财务状况”的满分应大于 0、不超过 100 分"),
        ({"score-0-max": "abc"}, 400, "第 1 项评分因素的满分请填写数字"),
        ({"score-0-max": "19.999", "score-1-max": "10.001"}, 400, "分值最多保留两位小数"),
        ({"price_full": ""}, 400, "价格分满分：请填写数字"),
        ({"price_k": "0.5"}, 400, "下浮系数 K 应在 0 至 0.1 之间"),
        ({"candidates": "4"}, 422, "条例第53条"),
        ({"candidates": "三"}, 400, "推荐中标候选人人数：请填写整数"),
        ({"candidates": HUGE}, 422, "条例第53条"),
        ({"deviation_threshold_pct": "100"}, 400, "百分比应大于 0、小于 100"),
        ({"low_price_answer_minutes": "5"}, 400, "异常低价的说明期限应为 10 分钟至 24 小时"),
        ({f"review-{i}-name": "" for i in range(7)}, 400, "请填写 1 至 50 项资格和符合性评审因素"),
    ]
    for change, status, message in cases:
        response = post_token(agent, _manage(room.tender), {**values, **change})
        assert response.status_code == status and message in page_text(response), (change, flash_messages(page_text(response)))
        assert "setup-form" in page_text(response)  # the form again, as typed
    kept = page_text(post_token(agent, _manage(room.tender), {**values, "score-0-name": "施工方案（改）", "score-5-max": "4"}))
    assert 'value="施工方案（改）"' in kept
    assert session.scalars(select(Evaluation)).first() is None
    forged = agent.post(_manage(room.tender), data=values)
    assert forged.status_code == 400 and CSRF_MESSAGE in page_text(forged)


# --- the tenderee: representatives ------------------------------------------------------------------------------


def test_the_tenderee_names_its_representative_who_then_sits_in_the_room(app, session, clock, store, world):
    room = build_room(session, clock, store, world, main=4, sub=0, representatives=1)
    ev = domain_set_up(session, clock, world, room)
    tenderee = signed_in(app, "tenderee")
    page = page_text(tenderee.get(_manage(room.tender)))
    assert "指派为招标人代表" in page and "tenderee" in page
    path = _manage(room.tender) + "/representatives"
    for bad in ({}, {"user_ids": "abc"}, {"user_ids": HUGE}):
        response = post_token(tenderee, path, bad)
        assert response.status_code == 400 and "请选择招标人代表" in page_text(response)
    outsider = post_token(tenderee, path, {"user_ids": str(world.users["agent"].id)})
    assert outsider.status_code == 400 and "招标人代表须是招标人单位的在用账户" in page_text(outsider)
    assert post_token(signed_in(app, "agent"), path, {"user_ids": str(world.users["tenderee"].id)}).status_code == 403
    named = post_token(tenderee, path, {"user_ids": str(world.users["tenderee"].id)})
    assert named.status_code == 302
    assert _fresh(session, ev).status == "sign_in"
    assert "进入评标室" in page_text(tenderee.get(_manage(room.tender)))
    again = post_token(tenderee, path, {"user_ids": str(world.users["tenderee"].id)})
    assert again.status_code == 409 and "招标人代表已经指派齐全" in page_text(again)
    room_page = page_text(tenderee.get(_room(ev)))
    assert "招标人代表" in room_page and "签到" in room_page
    # as a member the representative sees the sheets the agent may not
    assert tenderee.get(_room(ev, "/review")).status_code == 409  # not signed in yet: told to sign in first


# --- the members: the room --------------------------------------------------------------------------------------


def test_members_sign_in_declare_with_a_recusal_and_a_backup_and_elect_the_chair(app, session, clock, world, room):
    ev = domain_set_up(session, clock, world, room)
    clients = _clients(app, session, ev)
    first = members(ev)[0]
    me = clients[first.id]
    page = page_text(me.get(_room(ev)))
    assert "现在请您" in page and "签到：确认您所在的评标场地和工位" in page and first.venue_place in page
    assert "投标公司1" not in page  # the bidder list comes after the sign-in
    assert post_token(me, _room(ev, "/sign-in"), {"venue": ""}).status_code == 400
    assert post_token(me, _room(ev, "/sign-in"), {"venue": "杭州主场 3 号工位"}).status_code == 302
    page = page_text(me.get(_room(ev)))
    assert "投标公司1" in page and "回避声明" in page and "签署本回避声明" in page
    beat = me.post(_room(ev, "/heartbeat"), data={"venue": "杭州主场 3 号工位"}, headers={"X-CSRFToken": me.token})
    assert beat.status_code == 200 and beat.get_json()["status"] == "sign_in"
    assert me.post(_room(ev, "/heartbeat")).status_code == 400  # no CSRF token
    early = post_token(me, _room(ev, "/vote"), {"candidate": str(first.id)})
    assert early.status_code == 409 and "尚未全部签到并签署回避声明" in page_text(early)

    # a sub-venue expert knows a bidder: the seat goes to the backup of the same group
    leaving = members(ev)[6]
    them = clients[leaving.id]
    assert post_token(them, _room(ev, "/sign-in"), {"venue": "宁波副场 1 号工位"}).status_code == 302
    missing = post_token(them, _room(ev, "/declaration"), {"conflict": "yes", "note": "本人配偶在该公司任职"})
    assert missing.status_code == 400 and "请选择与您有利害关系的投标人" in page_text(missing)
    no_note = post_token(them, _room(ev, "/declaration"), {"conflict": "yes", "bidder_id": str(ev.bidders[0].id)})
    assert no_note.status_code == 400 and "请填写 2 到 500 字的内容" in page_text(no_note)
    recused = post_token(them, _room(ev, "/declaration"), {"conflict": "yes", "bidder_id": str(ev.bidders[0].id),
                                                       "note": "本人配偶在该公司任职"})
    assert recused.status_code == 302 and recused.headers["Location"].endswith("/evaluation/")
    assert them.get(_room(ev)).status_code == 403
    assert "已回避" in page_text(them.get("/evaluation/"))
    session.expire_all()
    backup = session.scalars(select(DrawPick).where(DrawPick.draw_id == ev.draw_id, DrawPick.status == "notified")).one()
    draw.respond(session, clock, room.actors[backup.expert.user_id], backup.id, True)
    session.commit()
    newcomer = signed_in(app, session.get(User, backup.expert.user_id).username)
    assert "进入评标室" in page_text(newcomer.get("/evaluation/"))
    assert "签到：确认您所在的评标场地和工位" in page_text(newcomer.get(_room(ev)))
    assert post_token(newcomer, _room(ev, "/sign-in"), {"venue": "宁波副场 2 号工位"}).status_code == 302  # seated now

    ev = _fresh(session, ev)
    clients = _clients(app, session, ev)
    for m in members(ev):
        client = clients[m.id]
        if m.signed_in_at is None:
            assert post_token(client, _room(ev, "/sign-in"), {"venue": f"工位{m.id}"}).status_code == 302
        if m.declaration is None:
            assert post_token(client, _room(ev, "/declaration"), {"conflict": "no"}).status_code == 302
    twice = post_token(me, _room(ev, "/declaration"), {"conflict": "no"})
    assert twice.status_code == 409 and "您已签署回避声明" in page_text(twice)
    chairing = page_text(me.get(_room(ev)))
    assert "推选评标委员会组长" in chairing and "宁波副场 2 号工位" in chairing
    rep = post_token(me, _room(ev, "/vote"), {"candidate": "abc"})
    assert rep.status_code == 400 and "请选择组长人选" in page_text(rep)
    stranger = post_token(me, _room(ev, "/vote"), {"candidate": "999999"})
    assert stranger.status_code == 400 and "只能推选本评标委员会的成员为组长" in page_text(stranger)
    for m in members(ev)[:4]:
        assert post_token(clients[m.id], _room(ev, "/vote"), {"candidate": str(first.id)}).status_code == 302
    ev = _fresh(session, ev)
    assert ev.status == "review" and ev.chair_member_id == first.id
    late = post_token(clients[members(ev)[5].id], _room(ev, "/vote"), {"candidate": str(first.id)})
    assert late.status_code == 409 and "资格和符合性评审" in page_text(late)
    chair_page = page_text(me.get(_room(ev)))
    assert "评标委员会组长" in chair_page and "结束评审" in chair_page and "过半数当选" in chair_page


def test_the_review_sheet_the_chairs_controls_and_the_bidders_answer(app, session, clock, world, room):
    ev = domain_set_up(session, clock, world, room)
    seat_everyone(session, clock, room, ev)
    chair = elect(session, clock, room, ev)
    clients = _clients(app, session, ev)
    me = clients[chair.id]
    sheet = page_text(me.get(_room(ev, "/review")))
    assert "平台核验" in sheet and "投标保证金" in sheet and "投标报价" in sheet and "10,000,000.00" in sheet
    bond = next(c for c in ev.criteria if c.kind == "bond")
    manual = [c for c in evaluation.review_criteria(ev) if not c.automatic]
    first = ev.bidders[0]
    overrule = post_token(me, _room(ev, "/review"), {"bidder_id": str(first.id), f"mark-{bond.id}": "fail"})
    assert overrule.status_code == 400 and "改变平台核验结果须写明理由" in page_text(overrule)
    fail = post_token(me, _room(ev, "/review"), {"bidder_id": str(first.id), f"mark-{manual[0].id}": "fail"})
    assert fail.status_code == 400 and f"评审因素“{manual[0].name}”" in page_text(fail)
    assert post_token(me, _room(ev, "/review"), {"bidder_id": str(first.id)}).status_code == 400  # nothing marked
    assert post_token(me, _room(ev, "/review"), {"bidder_id": HUGE, f"mark-{manual[0].id}": "pass"}).status_code == 400
    assert post_token(me, _room(ev, "/review"), {"bidder_id": "999999", f"mark-{manual[0].id}": "pass"}).status_code == 404
    assert post_token(me, _room(ev, "/review"), {"bidder_id": str(first.id), "mark-999999": "pass"}).status_code == 400
    for b in ev.bidders:  # an untouched platform answer stays the platform's
        marks = {f"mark-{c.id}": "pass" for c in manual} | {f"mark-{bond.id}": "pass"}
        assert post_token(me, _room(ev, "/review"), {"bidder_id": str(b.id), **marks}).status_code == 302
    mine = evaluation.review_view(session, actor_of(room, chair), ev.id).marks
    assert all(m.automatic for m in mine if m.criterion_id == bond.id)
    assert "已评审 6 / 6 项" in page_text(me.get(_room(ev, "/review")))
    # the others' marks are not shown before the review closes
    other = members(ev)[1]
    post_token(clients[other.id], _room(ev, "/review"), {"bidder_id": str(first.id), f"mark-{manual[1].id}": "fail",
                                                         f"reason-{manual[1].id}": "项目负责人证书过期"})
    assert "项目负责人证书过期" not in page_text(me.get(_room(ev, "/review")))
    not_chair = post_token(clients[other.id], _room(ev, "/review/close"))
    assert not_chair.status_code == 403 and "只有评标委员会组长" in page_text(not_chair)
    early = post_token(me, _room(ev, "/review/close"))
    assert early.status_code == 409 and "项评审未完成" in page_text(early)
    review_all(session, clock, room, ev)
    assert post_token(me, _room(ev, "/review/close")).status_code == 302
    ev = _fresh(session, ev)
    assert ev.status == "scoring"
    closed = page_text(me.get(_room(ev, "/review")))
    assert "7 票合格，0 票不合格" in closed and "保存对" not in closed
    late = post_token(me, _room(ev, "/review"), {"bidder_id": str(first.id), f"mark-{manual[0].id}": "pass"})
    assert late.status_code == 409 and "评标当前处于“详细评审打分”阶段" in page_text(late)

    # a clarification: asked by the chair, seen and answered by that bidder only
    asked = {"bidder_id": str(first.id), "question": "请说明混凝土单价的组成。", "deadline": _deadline(clock)}
    assert post_token(clients[other.id], _room(ev, "/clarifications"), asked).status_code == 403
    for bad in ({"deadline": "tomorrow"}, {"deadline": _deadline(clock, -2)}, {"question": ""}, {"bidder_id": "x"}):
        assert post_token(me, _room(ev, "/clarifications"), {**asked, **bad}).status_code == 400, bad
    assert post_token(me, _room(ev, "/clarifications"), asked).status_code == 302
    item = evaluation.clarifications(session, world.supervisor, ev.id)[0]
    bidder = signed_in(app, "bidder1")
    assert "评标澄清" in page_text(bidder.get("/bidder/"))
    page = page_text(bidder.get("/bidder/clarifications"))
    assert "请说明混凝土单价的组成" in page and "提交答复" in page
    assert not any(m.name in page for m in ev.members)  # the bidder never learns who asked
    assert "请说明混凝土单价" not in page_text(signed_in(app, "bidder2").get("/bidder/clarifications"))
    path = f"/bidder/clarifications/{item.id}/answer"
    assert post_token(signed_in(app, "bidder2"), path, {"answer": "不是我们的问题"}).status_code == 404
    assert post_token(bidder, path, {"answer": ""}).status_code == 400
    assert post_token(bidder, f"/bidder/clarifications/{HUGE}/answer", {"answer": "答复"}).status_code == 404
    assert post_token(bidder, path, {"answer": "单价含材料、人工和机械台班费用。"}).status_code == 302
    assert post_token(bidder, path, {"answer": "再答一次"}).status_code == 409
    assert "单价含材料" in page_text(me.get(_room(ev)))


def test_the_scoring_sheet_keeps_scores_private_until_submitted_and_refuses_bad_ones(app, session, clock, world, room):
    ev = _reviewed(session, clock, world, room)
    clients = _clients(app, session, ev)
    first, second = members(ev)[0], members(ev)[1]
    me = clients[first.id]
    sheet = page_text(me.get(_room(ev, "/scoring")))
    items = typed(ev)
    assert "施工组织设计" in sheet and "20.00" in sheet and "平台计算" in sheet and "提交全部评分" in sheet
    bidder = ev.bidders[0]
    path = _room(ev, "/scoring")
    design = items[0]  # 20 points
    for bad, message in (("20.01", "的分值应在 0 至 20.00 分之间"), ("-1", "的分值应在 0 至 20.00 分之间"),
                         ("10.005", "分值最多保留两位小数"), ("abc", "分值必须是数字"), ("1e9", "分值超出范围"),
                         (HUGE, "分值超出范围")):
        response = post_token(me, path, {"bidder_id": str(bidder.id), f"points-{design.id}": bad})
        assert response.status_code == 400 and message in page_text(response), bad
        assert f'value="{bad}"' in page_text(response)  # shown again as typed
    price = next(c for c in ev.criteria if c.kind == "price")
    assert post_token(me, path, {"bidder_id": str(bidder.id), f"points-{price.id}": "40"}).status_code == 400
    assert post_token(me, path, {"bidder_id": str(bidder.id)}).status_code == 400
    early = post_token(me, _room(ev, "/scoring/submit"))
    assert early.status_code == 409 and "项未打分，不能提交" in page_text(early)
    for b in ev.bidders:
        points = {f"points-{c.id}": str(c.max_points * Decimal("0.8")) for c in items}
        points[f"points-{design.id}"] = "17.25"
        assert post_token(me, path, {"bidder_id": str(b.id), **points}).status_code == 302
    assert f"已打分 {len(items)} / {len(items)} 项" in page_text(me.get(path))
    assert "17.25" not in page_text(clients[second.id].get(path))  # nobody sees another's draft
    assert post_token(me, _room(ev, "/scoring/submit")).status_code == 302
    after = page_text(me.get(path))
    assert "您已于" in after and "17.25" in after and "未提交" in after and "保存对" not in after
    final = post_token(me, path, {"bidder_id": str(bidder.id), f"points-{design.id}": "1"})
    assert final.status_code == 409 and "您已提交评分，不能再修改" in page_text(final)
    assert "17.25" not in page_text(clients[second.id].get(path))
    assert "已提交评分，等待其他成员提交（已提交 1 / 7）" in page_text(me.get(_room(ev)))


def test_a_rejected_bid_is_never_scored(app, session, clock, store, world):
    room = build_room(session, clock, store, world, unpaid=(3,))
    ev = _reviewed(session, clock, world, room)
    rejected = ev.bidders[2]
    assert rejected.status == "rejected"
    me = signed_in(app, _username(session, members(ev)[0]))
    sheet = page_text(me.get(_room(ev, "/scoring")))
    assert "该投标已被否决，不参与打分" in sheet and "投标保证金不合格" in sheet
    response = post_token(me, _room(ev, "/scoring"), {"bidder_id": str(rejected.id), f"points-{typed(ev)[0].id}": "10"})
    assert response.status_code == 422 and "该投标已被否决，不参与打分" in page_text(response)


def test_the_report_is_explained_signed_chair_first_and_then_read_and_rated(app, session, clock, world, room):
    ev = _reviewed(session, clock, world, room)
    score_all(session, clock, room, ev, lambda i, b, c: c.max_points * (Decimal("0.4") if i == 6 else Decimal("0.8")))
    ev = _fresh(session, ev)
    assert ev.status == "report"
    clients = _clients(app, session, ev)
    chair = next(m for m in members(ev) if m.id == ev.chair_member_id)
    low, dissenter = members(ev)[6], members(ev)[2]
    sign = _room(ev, "/report/sign")
    unexplained = post_token(clients[chair.id], sign, {"pin": SIGNING_PIN})
    assert unexplained.status_code == 409 and "处评分偏离未作书面说明" in page_text(unexplained)
    page = page_text(clients[low.id].get(_room(ev)))
    assert "您的评分偏离平均分超过阈值" in page and "提交说明" in page
    notes = [n for n in evaluation.deviation_notes(session, ev) if n.member_id == low.id]
    assert notes
    assert post_token(clients[low.id], _room(ev, "/deviations"), {"bidder_id": str(notes[0].bidder_id),
                                                                  "explanation": ""}).status_code == 400
    nobody = post_token(clients[dissenter.id], _room(ev, "/deviations"), {"bidder_id": str(notes[0].bidder_id),
                                                                          "explanation": "说明"})
    assert nobody.status_code == 404 and "无需说明" in page_text(nobody)
    for n in notes:
        explained = {"bidder_id": str(n.bidder_id), "explanation": "业绩证明材料不全，从严评分。"}
        assert post_token(clients[low.id], _room(ev, "/deviations"), explained).status_code == 302
    first_other = post_token(clients[dissenter.id], sign, {"pin": SIGNING_PIN})
    assert first_other.status_code == 409 and "评标报告由组长先签署" in page_text(first_other)
    assert post_token(clients[dissenter.id], _room(ev, "/dissent"), {"dissent": ""}).status_code == 400
    assert post_token(clients[dissenter.id], _room(ev, "/dissent"),
                      {"dissent": "投标公司1的施工组织设计缺少雨季施工措施。"}).status_code == 302
    assert "组长先签" in page_text(clients[chair.id].get(_room(ev)))
    wrong = post_token(clients[chair.id], sign, {"pin": "000000"})
    assert wrong.status_code == 401 and "签名口令不正确" in page_text(wrong)
    assert post_token(clients[chair.id], sign, {"pin": SIGNING_PIN}).status_code == 302
    ev = _fresh(session, ev)
    assert ev.status == "signing"
    again = post_token(clients[chair.id], sign, {"pin": SIGNING_PIN})
    assert again.status_code == 409 and "您已签署评标报告" in page_text(again)
    room_page = page_text(clients[dissenter.id].get(_room(ev)))
    assert "签名进度：1 / 7" in room_page and "下载评标报告" in room_page and "data-busy" in room_page
    pdf = clients[dissenter.id].get(_room(ev, "/report.pdf"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert signed_in(app, "agent").get(_room(ev, "/report.pdf")).status_code == 403  # not before everyone signed
    for m in members(ev):
        if m.id != chair.id:
            assert post_token(clients[m.id], sign, {"pin": SIGNING_PIN}).status_code == 302, m.name
    ev = _fresh(session, ev)
    assert ev.status == "closed" and room.draws[1].seed_revealed_at is not None
    closed = page_text(clients[chair.id].get(_room(ev)))
    assert "评标已结束" in closed and "签名进度：7 / 7" in closed
    sheet = clients[chair.id].get(_room(ev, "/scores.xlsx"))
    assert sheet.status_code == 200 and "汇总" in openpyxl.load_workbook(io.BytesIO(sheet.data)).sheetnames

    # the agent reads everything now, and rates each expert once
    agent = signed_in(app, "agent")
    page = page_text(agent.get(_manage(room.tender)))
    assert "评标结果" in page and "推荐的中标候选人" in page and "提交评价" in page and chair.name in page
    assert agent.get(_room(ev, "/report.pdf")).status_code == 200
    assert agent.get(_room(ev, "/scoring")).status_code == 200
    rate = _room(ev, "/ratings")
    good = {"expert_id": str(chair.expert_id), "timeliness": "5", "competence": "4", "fairness": "5", "discipline": "5"}
    for bad, status in (({"timeliness": "六"}, 400), ({"timeliness": "6"}, 400), ({"timeliness": ""}, 400),
                        ({"competence": "2"}, 400), ({"expert_id": "abc"}, 400), ({"expert_id": "999999"}, 404)):
        assert post_token(agent, rate, {**good, **bad}).status_code == status, bad
    assert post_token(agent, rate, good).status_code == 302
    twice = post_token(agent, rate, good)
    assert twice.status_code == 409 and "每次评标只评价一次" in page_text(twice)
    assert post_token(signed_in(app, "tenderee"), rate, {**good, "competence": "2", "comment": "评审意见表述不清，多次返工。"}
                      ).status_code == 302
    session.expire_all()
    assert session.get(Expert, chair.expert_id).credit_score == 98
    assert len(session.scalars(select(ExpertRating)).all()) == 2
    assert post_token(signed_in(app, "agent2"), rate, good).status_code == 403
    assert post_token(clients[chair.id], rate, good).status_code == 403  # experts do not rate


def test_the_supervisor_sees_everything_recomputes_and_sanctions(app, session, clock, world, room):
    ev = _reviewed(session, clock, world, room)
    chair = chair_actor(room, ev)
    item = evaluation.ask_clarification(session, clock, chair, ev.id, ev.bidders[0].id, "请说明钢筋单价的计取依据。",
                                        clock.now() + timedelta(hours=1))
    evaluation.answer_clarification(session, clock, world.bidders[0], item.id, "按本市信息价计取。")
    evaluation.heartbeat(session, clock, chair, ev.id, "杭州主场 1 号工位")
    session.commit()
    supervisor = signed_in(app, "supervisor")
    listing = page_text(supervisor.get("/supervisor/evaluations"))
    assert room.tender.title in listing and "详细评审打分" in listing
    assert "评标监督" in page_text(supervisor.get("/supervisor/"))
    path = f"/supervisor/evaluations/{ev.id}"
    page = page_text(supervisor.get(path))
    for expected in ("到场情况", "杭州主场 1 号工位", "宁波市公共资源交易中心副场", "请说明钢筋单价", "按本市信息价计取",
                     "7 票合格", "评分尚未结束", "过半数当选"):
        assert expected in page, expected
    assert all(m.name in page for m in ev.members)
    assert supervisor.get(_room(ev, "/review")).status_code == 200
    assert supervisor.get(_room(ev, "/scoring")).status_code == 200
    assert supervisor.get(_room(ev)).status_code == 403  # the room is the committee's; this page is the supervisor's
    not_yet = post_token(supervisor, path + "/recompute")
    assert not_yet.status_code == 409 and "评分尚未结束" in page_text(not_yet)
    score_all(session, clock, room, ev)
    assert "85.35" in page_text(supervisor.get(path))  # 48 typed + 37.35 price points for 投标公司2
    checked = post_token(supervisor, path + "/recompute")
    assert checked.status_code == 200 and "复核计算结果与评分结束时固定的结果一致" in page_text(checked)
    assert 'id="recomputed" class="pass"' in page_text(checked)

    expert_id = members(ev)[3].expert_id
    sanction = path + "/sanction"
    assert post_token(supervisor, sanction, {"expert_id": str(expert_id), "status": "suspended", "note": ""}).status_code == 400
    assert post_token(supervisor, sanction, {"expert_id": str(expert_id), "status": "active", "note": "恢复"}).status_code == 400
    assert post_token(supervisor, sanction, {"expert_id": "abc", "status": "suspended", "note": "x"}).status_code == 400
    foreign = session.scalars(select(Expert).where(Expert.id.not_in([m.expert_id for m in ev.members]))).first()
    assert post_token(supervisor, sanction, {"expert_id": str(foreign.id), "status": "removed",
                                             "note": "不在本次评标"}).status_code == 404
    done = post_token(supervisor, sanction, {"expert_id": str(expert_id), "status": "suspended",
                                             "note": "评标期间私自联系投标人"})
    assert done.status_code == 302
    session.expire_all()
    assert session.get(Expert, expert_id).status == "suspended"
    assert "评标期间私自联系投标人" in page_text(supervisor.get(path))
    for username in ("agent", "tenderee", "bidder1", "expert"):
        assert signed_in(app, username).get(path).status_code == 403
        assert signed_in(app, username).get("/supervisor/evaluations").status_code == 403


def test_an_abnormally_low_price_is_decided_by_the_chair_on_the_page(app, session, clock, store, world):
    room = build_room(session, clock, store, world, prices={1: "9500000.00", 2: "6000000.00", 3: "9800000.00"})
    ev = _reviewed(session, clock, world, room)
    assert ev.status == "low_price"
    clients = _clients(app, session, ev)
    chair = next(m for m in members(ev) if m.id == ev.chair_member_id)
    low = ev.bidders[1]
    page = page_text(clients[chair.id].get(_room(ev)))
    assert "异常低价" in page and "记录认定" in page and "尚未提交" in page
    assert "记录认定" not in page_text(clients[members(ev)[1].id].get(_room(ev)))
    path = _room(ev, "/low-price")
    assert post_token(clients[chair.id], path, {"bidder_id": str(low.id), "reason": "无"}).status_code == 400
    early = post_token(clients[chair.id], path, {"bidder_id": str(low.id), "decision": "reject", "reason": "不能说明"})
    assert early.status_code == 409 and "书面说明尚未提交" in page_text(early)
    bidder = signed_in(app, "bidder2")
    request_ = evaluation.clarifications_for_bidder(session, world.bidders[1])[0]
    assert "第二十一条" in page_text(bidder.get("/bidder/clarifications"))
    assert post_token(bidder, f"/bidder/clarifications/{request_.id}/answer",
                      {"answer": "本公司自有砂石料场，材料成本较低。"}).status_code == 302
    assert post_token(clients[members(ev)[1].id], path, {"bidder_id": str(low.id), "decision": "reject",
                                                         "reason": "理由"}).status_code == 403
    assert post_token(clients[chair.id], path, {"bidder_id": str(low.id), "decision": "reject",
                                                "reason": "未提供料场权属和成本测算证明"}).status_code == 302
    ev = _fresh(session, ev)
    assert ev.status == "scoring" and ev.bidders[1].status == "rejected"


def test_the_lowest_evaluated_price_method_through_the_chairs_controls(app, session, clock, store, world):
    room = build_room(session, clock, store, world, method="lowest_evaluated_price")
    agent = signed_in(app, "agent")
    values = form_values(page_text(agent.get(_manage(room.tender))), _manage(room.tender))
    assert not any(k.startswith("score-") or k.startswith("price_") for k in values)
    values.pop("csrf_token")
    assert post_token(agent, _manage(room.tender), values).status_code == 302
    ev = session.scalars(select(Evaluation)).one()
    seat_everyone(session, clock, room, ev)
    elect(session, clock, room, ev)
    review_all(session, clock, room, ev)
    evaluation.close_review(session, clock, chair_actor(room, ev), ev.id)
    session.commit()
    assert ev.status == "pricing"
    clients = _clients(app, session, ev)
    chair = next(m for m in members(ev) if m.id == ev.chair_member_id)
    me = clients[chair.id]
    assert "结束价格比较" in page_text(me.get(_room(ev)))
    assert "不打分" in page_text(me.get(_room(ev, "/scoring")))
    path = _room(ev, "/prices")
    cheapest = ev.bidders[1]
    for bad in ({"amount": "abc"}, {"amount": "0"}, {"amount": "1.001"}, {"reason": ""}, {"bidder_id": "x"}):
        data = {"bidder_id": str(cheapest.id), "amount": "600000.00", "reason": "付款条件偏离，按招标文件折算", **bad}
        assert post_token(me, path, data).status_code == 400, bad
    assert post_token(clients[members(ev)[1].id], path, {"bidder_id": str(cheapest.id), "amount": "1",
                                                         "reason": "理由充分"}).status_code == 403
    assert post_token(me, path, {"bidder_id": str(cheapest.id), "amount": "600,000.00",
                                 "reason": "付款条件偏离，按招标文件折算"}).status_code == 302
    assert "付款条件偏离" in page_text(me.get(_room(ev)))
    assert post_token(me, _room(ev, "/prices/finish")).status_code == 302
    ev = _fresh(session, ev)
    assert ev.status == "report"
    result = evaluation.committee_result(session, world.supervisor, ev.id)
    assert result["candidates"][0] == str(ev.bidders[0].id)
    assert post_token(me, _room(ev, "/prices/finish")).status_code == 409


# --- refusals ---------------------------------------------------------------------------------------------------


def test_strangers_other_committees_unknown_ids_and_forged_posts_are_refused(app, client, session, clock, world, room):
    ev = domain_set_up(session, clock, world, room)
    member = signed_in(app, _username(session, members(ev)[0]))
    for path in ("/evaluation/999999", f"/evaluation/{HUGE}", "/evaluation/0", "/evaluation/999999/scoring",
                 f"/evaluation/{HUGE}/report.pdf", "/supervisor/evaluations/999999"):
        response = (signed_in(app, "supervisor") if path.startswith("/supervisor") else member).get(path)
        assert response.status_code == 404 and "评标不存在" in page_text(response), path
    assert post_token(member, f"/evaluation/{HUGE}/sign-in", {"venue": "工位"}).status_code == 404
    assert client.get(_room(ev)).status_code == 302  # anonymous: to the sign-in page
    # the world's own expert holds no seat here; a bidder never enters
    outsider = signed_in(app, "expert")
    refused = outsider.get(_room(ev))
    assert refused.status_code == 403 and "您不是本标段评标委员会的成员" in page_text(refused)
    assert post_token(outsider, _room(ev, "/sign-in"), {"venue": "工位"}).status_code == 403
    assert outsider.get(_room(ev, "/scoring")).status_code == 403
    bidder = signed_in(app, "bidder1")
    assert bidder.get(_room(ev)).status_code == 403
    assert bidder.get(_room(ev, "/review")).status_code == 403
    assert bidder.get(_room(ev, "/report.pdf")).status_code == 403
    # forged posts change nothing
    for path, data in ((_room(ev, "/sign-in"), {"venue": "工位"}), (_room(ev, "/declaration"), {"conflict": "no"}),
                       (_room(ev, "/report/sign"), {"pin": SIGNING_PIN})):
        forged = member.post(path, data=data)
        assert forged.status_code == 400 and CSRF_MESSAGE in page_text(forged)
    assert _fresh(session, ev).members[0].signed_in_at is None
    # out of step: scoring, review and signing before their stage
    assert post_token(member, _room(ev, "/sign-in"), {"venue": "工位"}).status_code == 302
    for path, data, stage_action in ((_room(ev, "/scoring"), {"bidder_id": str(ev.bidders[0].id), "points-1": "1"}, "打分"),
                                     (_room(ev, "/review/close"), {}, None),
                                     (_room(ev, "/report/sign"), {"pin": SIGNING_PIN}, "签署评标报告"),
                                     (_room(ev, "/scoring/submit"), {}, "提交评分")):
        response = post_token(member, path, data)
        assert response.status_code in (403, 409), path
        if stage_action:
            assert f"评标当前处于“签到和回避声明”阶段，现在不能{stage_action}" in page_text(response)
    assert member.get(_room(ev, "/report.pdf")).status_code == 409  # no report yet
    # the heartbeat before the sign-in is refused in JSON
    other = signed_in(app, _username(session, members(ev)[1]))
    beat = other.post(_room(ev, "/heartbeat"), headers={"X-CSRFToken": other.token})
    assert beat.status_code == 409 and beat.get_json()["error"]["message"] == "请先签到。"


def test_an_expert_of_another_sections_evaluation_is_refused(app, session, clock, store, world):
    _, ev1, ev2 = two_sections(session, clock, store, world)
    outsider = signed_in(app, _username(session, members(ev1)[0]))
    assert outsider.get(_room(ev1)).status_code == 200
    for path in (_room(ev2), _room(ev2, "/review"), _room(ev2, "/scoring"), _room(ev2, "/report.pdf")):
        refused = outsider.get(path)
        assert refused.status_code == 403, path
    assert "您不是本标段评标委员会的成员" in page_text(outsider.get(_room(ev2)))
    assert post_token(outsider, _room(ev2, "/sign-in"), {"venue": "工位"}).status_code == 403
    assert post_token(outsider, _room(ev2, "/vote"), {"candidate": str(members(ev2)[0].id)}).status_code == 403
    assert post_token(outsider, _room(ev1, "/sign-in"), {"venue": "工位"}).status_code == 302
    # a bid of section 2 is not before section 1's committee
    wrong = post_token(outsider, _room(ev1, "/declaration"), {"conflict": "yes", "bidder_id": str(ev2.bidders[0].id),
                                                              "note": "与该投标人存在利害关系"})
    assert wrong.status_code == 404 and "该投标人不在本标段的评标中" in page_text(wrong)


def test_refusals_in_english(app, session, clock, world, room):
    ev = _reviewed(session, clock, world, room)
    me = signed_in(app, _username(session, members(ev)[0]))
    me.get("/lang/en")
    response = post_token(me, _room(ev, "/scoring"), {"bidder_id": str(ev.bidders[0].id), f"points-{typed(ev)[0].id}": "1.005"})
    assert response.status_code == 400 and flash_messages(page_text(response)) == ["Points may have at most two decimals."]
    outsider = signed_in(app, "expert")
    outsider.get("/lang/en")
    refused = outsider.get(_room(ev))
    assert refused.status_code == 403
    assert "You are not a member of this section's evaluation committee." in html.unescape(page_text(refused))


def test_a_member_downloads_the_bid_documents_from_the_room_after_declaring(app, session, clock, world, room):
    ev = domain_set_up(session, clock, world, room)
    clients = _clients(app, session, ev)
    first = members(ev)[0]
    me = clients[first.id]
    assert post_token(me, _room(ev, "/sign-in"), {"venue": "杭州主场 3 号工位"}).status_code == 302
    assert "签署回避声明后可查阅" in page_text(me.get(_room(ev)))
    assert post_token(me, _room(ev, "/declaration"), {"conflict": "no"}).status_code == 302
    links = re.findall(r'href="(/evaluation/\d+/documents/\d+)"', page_text(me.get(_room(ev))))
    assert len(links) == 3
    download = me.get(links[0])
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    agent = app.test_client()
    login(agent, "agent")
    assert agent.get(links[0]).status_code == 403  # 招标代理退出评标室
