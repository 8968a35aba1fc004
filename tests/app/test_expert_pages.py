"""评标专家 through the pages: the administrator's roster, the expert's own page and invitations, the agent's draw
of a section's committee (counts only), the supervisor's draws with names and the re-run verification; the signed
draw record kept from everyone but supervisors until the evaluation ends; bad input answered with 4xx and a reason."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from app.scheduler import tick
from bidding import parties
from core.actor import Role
from core.clock import to_shanghai
from expert_pool import draw
from expert_pool.models import DrawPick, Expert, ExpertDraw, ExpertUnavailable, OutboxMessage
from tests.app.helpers import PASSWORD, csrf, flash_messages, login, logout, page_text, post
from tests.expert_pool.helpers import HEADER, add_experts, expert_user, id_no, roster_csv, row
from tests.world import published_tender

CSRF_MESSAGE = "表单已过期或缺少安全令牌，请返回刷新页面后重试。"
HUGE = "99999999999999999999"
ADMIN_LIST = "/admin/experts"
EXPERT_HOME = "/expert/"
SUPERVISOR_LIST = "/supervisor/draws"
PLACE = "杭州市公共资源交易中心第 3 评标室"


@pytest.fixture
def store(app):
    return app.extensions["sealbid"].store


@pytest.fixture
def tender(app, session, clock, store, world):
    """A published tender whose bid deadline passed a minute ago."""
    t = published_tender(session, clock, store, world)
    clock.set(t.bid_deadline + timedelta(minutes=1))
    return t


@pytest.fixture
def pool(session, clock, world) -> list[Expert]:
    """8 civil-works experts in 杭州, 4 in 宁波, 2 road engineers in 杭州."""
    rows = [row(f"杭州专家{i}", i) for i in range(1, 9)]
    rows += [row(f"宁波专家{i}", 20 + i, region="浙江省宁波市") for i in range(1, 5)]
    rows += [row(f"道路专家{i}", 40 + i, codes="A0201") for i in range(1, 3)]
    experts = add_experts(session, clock, world, rows)
    session.commit()
    return experts


def _draw_page(tender, number: int = 1) -> str:
    return f"/agency/tenders/{tender.id}/sections/{number}/draw"


def _when(clock, days: int = 1) -> str:
    return to_shanghai(clock.now() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def _form(clock, **overrides) -> dict[str, str]:
    data = {"groups-0-specialty_code": "A0101", "groups-0-count": "5", "groups-0-region": "浙江省",
            "groups-0-venue": "main", "groups-0-backups": "2", "groups-1-specialty_code": "", "groups-1-count": "",
            "groups-1-region": "", "evaluation_at": _when(clock), "place": PLACE, "representatives": "0",
            "answer_minutes": "30", "channels": "sms", "exclusions-0-name": "", "exclusions-0-reason": ""}
    data.update(overrides)
    return data


def _draw(client, tender, clock, **overrides):
    return post(client, _draw_page(tender), _form(clock, **overrides))


def _latest(session) -> ExpertDraw:
    session.expire_all()
    return session.scalars(select(ExpertDraw).order_by(ExpertDraw.id.desc())).first()


@pytest.fixture
def drawn(client, session, clock, world, tender, pool) -> ExpertDraw:
    """The agent drew 5 experts (2 backups) from 浙江省 for section 1 through the page."""
    login(client, "agent")
    response = _draw(client, tender, clock)
    assert response.status_code == 302, page_text(response)[:2000]
    logout(client)
    return _latest(session)


def _member(session, d: ExpertDraw, status: str = "notified") -> DrawPick:
    session.expire_all()
    return next(p for p in session.scalars(select(DrawPick).where(DrawPick.draw_id == d.id).order_by(DrawPick.id))
                if p.status == status)


def _sign_in_as(client, session, clock, world, expert: Expert, username: str) -> None:
    expert_user(session, clock, world, session.get(Expert, expert.id), username)
    session.commit()
    login(client, username)


# --- the administrator: the roster ----------------------------------------------------------------------------


def test_admin_lists_searches_and_pages_the_roster(client, session, clock, world):
    rows = [row(f"专家{i:02d}", i) for i in range(1, 24)]
    rows += [row("宁波专家", 30, region="浙江省宁波市", codes="A0201"), row("暂停专家", 31, status="暂停")]
    add_experts(session, clock, world, rows)
    session.commit()
    login(client, "admin")
    page = page_text(client.get(ADMIN_LIST))
    assert "评标专家库" in page and "第 1 / 2 页，共 25 条" in page and "专家01" in page and "专家23" not in page
    assert id_no(1) not in page and id_no(1)[:6] + "********" in page  # ID numbers masked
    assert "专家23" in page_text(client.get(f"{ADMIN_LIST}?page=2"))
    assert "宁波专家" in page_text(client.get(f"{ADMIN_LIST}?region=浙江省宁波"))
    assert "专家01" not in page_text(client.get(f"{ADMIN_LIST}?region=浙江省宁波"))
    by_specialty = page_text(client.get(f"{ADMIN_LIST}?specialty=a02"))
    assert "宁波专家" in by_specialty and "专家01" not in by_specialty
    by_status = page_text(client.get(f"{ADMIN_LIST}?status=suspended"))
    assert "暂停专家" in by_status and "专家01" not in by_status
    by_name = page_text(client.get(f"{ADMIN_LIST}?q=专家07"))
    assert "专家07" in by_name and "专家08" not in by_name
    # odd query values are ignored or simply match nobody, never a 500
    assert client.get(f"{ADMIN_LIST}?page={HUGE}&status=nonsense&specialty=%25").status_code == 200
    assert client.get(f"{ADMIN_LIST}?page=abc").status_code == 200
    assert '评标专家库' in page_text(client.get("/"))  # the nav link


def test_admin_imports_a_roster_and_sees_each_row_error(client, session, clock, world):
    login(client, "admin")
    good = [row("张三", 1), row("李四", 2, region="浙江省宁波市")]
    bad = row("王五", 3, years="5")
    data = roster_csv([good[0], bad, good[1], row("赵六", 4, codes="Z99")])
    response = post(client, f"{ADMIN_LIST}/import", {"file": (io.BytesIO(data), "roster.csv")}, form_page=ADMIN_LIST,
                    content_type="multipart/form-data")
    html = page_text(response)
    assert response.status_code == 200
    assert "新增 2 人，更新 0 人，未变 0 人，有错误的行 2 行" in html
    assert "第 3 行：从业年限 5 年，不满 8 年" in html and "第 5 行：专业代码“Z99”不在专业分类中" in html
    assert re.search(r'id="created">2<', html) and "张三" in html
    again = post(client, f"{ADMIN_LIST}/import",
                 {"file": (io.BytesIO(roster_csv([good[0], {**good[1], "手机": "13900000099"}])), "roster.csv")},
                 form_page=ADMIN_LIST, content_type="multipart/form-data")
    assert "新增 0 人，更新 1 人，未变 1 人，有错误的行 0 行" in page_text(again)
    assert len(session.scalars(select(Expert)).all()) == 2
    workbook = io.BytesIO()
    pd.DataFrame([row("钱七", 5), row("孙八", 6, phone="123")], columns=HEADER).to_excel(workbook, index=False)
    excel = post(client, f"{ADMIN_LIST}/import", {"file": (io.BytesIO(workbook.getvalue()), "名册.xlsx")},
                 form_page=ADMIN_LIST, content_type="multipart/form-data")
    assert "新增 1 人" in page_text(excel) and "第 3 行：手机号“123”不正确" in page_text(excel)


def test_admin_import_refuses_a_missing_or_unusable_file(client, world):
    login(client, "admin")
    missing = post(client, f"{ADMIN_LIST}/import", {}, form_page=ADMIN_LIST)
    assert missing.status_code == 400 and "请选择专家名册文件" in page_text(missing)
    junk = post(client, f"{ADMIN_LIST}/import", {"file": (io.BytesIO(b"\x00\x01PK junk"), "roster.xlsx")},
                form_page=ADMIN_LIST, content_type="multipart/form-data")
    assert junk.status_code == 400 and "不是有效的 Excel" in page_text(junk)
    columns = post(client, f"{ADMIN_LIST}/import", {"file": (io.BytesIO("姓名,手机\n张三,139\n".encode()), "r.csv")},
                   form_page=ADMIN_LIST, content_type="multipart/form-data")
    assert columns.status_code == 400 and "专家名册缺少列" in page_text(columns)


def test_admin_links_an_account_and_suspends_and_reinstates(client, session, clock, world, pool):
    expert = pool[0]
    user = parties.create_user(session, clock, world.admin, parties.UserInput(
        username="zhang", display_name="张专家", password=PASSWORD, roles=(Role.EXPERT,)))
    session.commit()
    login(client, "admin")
    page = f"{ADMIN_LIST}/{expert.id}"
    detail = page_text(client.get(page))
    assert expert.name in detail and "未关联" in detail and "zhang（张专家）" in detail
    assert "抽中" in detail  # the page says why no draw history is shown
    not_expert = post(client, f"{page}/link", {"user_id": str(world.users["agent"].id)}, form_page=page)
    assert not_expert.status_code == 400 and "只能关联具有评标专家角色的用户" in page_text(not_expert)
    for junk in ("abc", "", HUGE, "-1"):
        assert post(client, f"{page}/link", {"user_id": junk}, form_page=page).status_code == 400
    linked = post(client, f"{page}/link", {"user_id": str(user.id)}, form_page=page)
    assert linked.status_code == 302 and "zhang" in page_text(client.get(page))
    taken = post(client, f"{ADMIN_LIST}/{pool[1].id}/link", {"user_id": str(user.id)}, form_page=page)
    assert taken.status_code == 409 and "该用户已关联其他评标专家" in page_text(taken)

    no_reason = post(client, f"{page}/status", {"status": "suspended", "note": ""}, form_page=page)
    assert no_reason.status_code == 400 and "暂停或清退评标专家须写明理由" in page_text(no_reason)
    assert post(client, f"{page}/status", {"status": "gone", "note": "x"}, form_page=page).status_code == 400
    suspended = post(client, f"{page}/status", {"status": "suspended", "note": "一标一评得分过低"}, form_page=page)
    assert suspended.status_code == 302
    shown = page_text(client.get(page))
    assert "已暂停" in shown and "一标一评得分过低" in shown
    assert post(client, f"{page}/status", {"status": "active", "note": ""}, form_page=page).status_code == 302
    session.expire_all()
    assert session.get(Expert, expert.id).status == "active"


def test_admin_pages_refuse_unknown_ids_other_roles_and_forged_posts(client, world, pool):
    login(client, "admin")
    for path in (f"{ADMIN_LIST}/999999", f"{ADMIN_LIST}/{HUGE}", f"{ADMIN_LIST}/0"):
        response = client.get(path)
        assert response.status_code == 404 and "评标专家不存在" in page_text(response)
    assert post(client, f"{ADMIN_LIST}/999999/status", {"status": "suspended", "note": "x"},
                form_page=ADMIN_LIST).status_code == 404
    forged = client.post(f"{ADMIN_LIST}/{pool[0].id}/status", data={"status": "removed", "note": "x"})
    assert forged.status_code == 400 and CSRF_MESSAGE in page_text(forged)
    logout(client)
    assert client.get(ADMIN_LIST).status_code == 302
    for username in ("agent", "bidder1", "expert", "supervisor"):
        login(client, username)
        assert client.get(ADMIN_LIST).status_code == 403
        assert post(client, f"{ADMIN_LIST}/{pool[0].id}/status", {"status": "removed", "note": "x"},
                    form_page="/").status_code == 403
        logout(client)


# --- the expert -------------------------------------------------------------------------------------------------


def test_an_unlinked_expert_account_is_told_to_ask_the_administrator(client, world):
    login(client, "expert")
    page = client.get(EXPERT_HOME)
    assert page.status_code == 200 and "尚未关联专家库中的专家" in page_text(page)
    assert EXPERT_HOME in page_text(client.get("/"))  # the nav link
    refused = post(client, "/expert/unavailable", {"day": "2026-03-10"}, form_page=EXPERT_HOME)
    assert refused.status_code == 404 and "尚未关联" in page_text(refused)


def test_the_expert_keeps_the_profile_dates_and_conflicts(client, session, clock, world, pool):
    _sign_in_as(client, session, clock, world, pool[0], "zhang")
    page = page_text(client.get(EXPERT_HOME))
    assert "杭州专家1" in page and "A0101" in page and "工程/房屋建筑工程/土建" in page
    saved = post(client, "/expert/profile", {"phone": "13812345678", "email": "zhang@example.cn",
                                             "employer_name": "浙江某大学", "employer_credit_code": "",
                                             "region": "浙江省杭州市", "title": "教授", "years_of_practice": "20"})
    assert saved.status_code == 302
    session.expire_all()
    expert = session.get(Expert, pool[0].id)
    assert (expert.phone, expert.employer_name, expert.years_of_practice) == ("13812345678", "浙江某大学", 20)
    bad = post(client, "/expert/profile", {"phone": "12345", "email": "", "employer_name": "某单位", "region": "浙江省",
                                           "title": "教授", "years_of_practice": "20"})
    assert bad.status_code == 400 and "手机号“12345”不正确" in page_text(bad) and 'value="12345"' in page_text(bad)
    for years in ("abc", "", "-3", HUGE):
        response = post(client, "/expert/profile", {"phone": "13812345678", "employer_name": "某单位",
                                                     "region": "浙江省", "title": "教授", "years_of_practice": years})
        assert response.status_code == 400 and "从业年限" in page_text(response)

    day = (to_shanghai(clock.now()) + timedelta(days=3)).date().isoformat()
    assert post(client, "/expert/unavailable", {"day": day, "note": "出差"}).status_code == 302
    assert day in page_text(client.get(EXPERT_HOME)) and "出差" in page_text(client.get(EXPERT_HOME))
    twice = post(client, "/expert/unavailable", {"day": day})
    assert twice.status_code == 409 and "该日期已登记" in page_text(twice)
    for junk in ("2026-02-30", "tomorrow", "", "99999-01-01"):
        response = post(client, "/expert/unavailable", {"day": junk}, form_page=EXPERT_HOME)
        assert response.status_code == 400 and "请按“年-月-日”填写日期" in page_text(response)
    past = post(client, "/expert/unavailable", {"day": "2026-03-01"}, form_page=EXPERT_HOME)
    assert past.status_code == 400 and "不能登记已经过去的日期" in page_text(past)
    assert post(client, "/expert/unavailable/remove", {"day": day}, form_page=EXPERT_HOME).status_code == 302
    gone = post(client, "/expert/unavailable/remove", {"day": day}, form_page=EXPERT_HOME)
    assert gone.status_code == 404 and "该日期没有登记" in page_text(gone)

    declared = post(client, "/expert/conflicts", {"kind": "former_employer", "org_name": "投标公司1", "note": "2024 年离职"},
                    form_page=EXPERT_HOME)
    assert declared.status_code == 302
    session.expire_all()
    conflict = session.get(Expert, pool[0].id).conflicts[0]
    assert "投标公司1" in page_text(client.get(EXPERT_HOME))
    empty = post(client, "/expert/conflicts", {"kind": "relative", "org_name": ""}, form_page=EXPERT_HOME)
    assert empty.status_code == 400 and "请填写单位名称或统一社会信用代码" in page_text(empty)
    assert post(client, "/expert/conflicts", {"kind": "enemy", "org_name": "某公司"},
                form_page=EXPERT_HOME).status_code == 400
    assert post(client, f"/expert/conflicts/{conflict.id}/withdraw", form_page=EXPERT_HOME).status_code == 302
    assert "撤回" in page_text(client.get(EXPERT_HOME))
    logout(client)
    # another expert cannot withdraw it
    _sign_in_as(client, session, clock, world, pool[1], "lisi")
    other = post(client, f"/expert/conflicts/{conflict.id}/withdraw", form_page=EXPERT_HOME)
    assert other.status_code == 404 and "该利害关系申报不存在" in page_text(other)
    assert post(client, f"/expert/conflicts/{HUGE}/withdraw", form_page=EXPERT_HOME).status_code == 404


def test_other_roles_never_reach_the_expert_pages(client, world):
    assert client.get(EXPERT_HOME).status_code == 302
    for username in ("admin", "agent", "tenderee", "bidder1", "supervisor"):
        login(client, username)
        assert client.get(EXPERT_HOME).status_code == 403
        assert post(client, "/expert/invitations/1/respond", {"answer": "accept"}, form_page="/").status_code == 403
        logout(client)


def test_the_expert_answers_invitations_and_sees_the_messages(app, client, session, clock, world, tender, pool, drawn):
    first = _member(session, drawn)
    _sign_in_as(client, session, clock, world, first.expert, "first")
    page = page_text(client.get(EXPERT_HOME))
    assert "您已被随机抽取为评标专家" in page and PLACE in page and "主场" in page and "确认参加" in page
    # the invitation never names the project or its parties
    assert tender.title not in page and tender.code not in page and "投标公司" not in page and "某市建设局" not in page
    assert "待发送" in page and "139" in page  # the queued SMS, before the adapter ran
    tick(app)
    assert "已发送" in page_text(client.get(EXPERT_HOME))
    path = f"/expert/invitations/{first.id}/respond"
    assert post(client, path, {"answer": "maybe"}, form_page=EXPERT_HOME).status_code == 400
    accepted = post(client, path, {"answer": "accept"}, form_page=EXPERT_HOME)
    assert accepted.status_code == 302
    assert "已确认参加" in page_text(client.get(EXPERT_HOME))
    again = post(client, path, {"answer": "decline"}, form_page=EXPERT_HOME)
    assert again.status_code == 409 and "该邀请已答复或已失效" in page_text(again)

    second = _member(session, drawn)
    others = post(client, f"/expert/invitations/{second.id}/respond", {"answer": "accept"}, form_page=EXPERT_HOME)
    assert others.status_code == 403 and "只能答复发给您本人的评标邀请" in page_text(others)
    for pick_id in ("999999", HUGE):
        assert post(client, f"/expert/invitations/{pick_id}/respond", {"answer": "accept"},
                    form_page=EXPERT_HOME).status_code == 404
    logout(client)

    _sign_in_as(client, session, clock, world, second.expert, "second")
    declined = post(client, f"/expert/invitations/{second.id}/respond", {"answer": "decline", "note": "出差"},
                    form_page=EXPERT_HOME)
    assert declined.status_code == 302
    session.expire_all()
    assert session.get(DrawPick, second.id).status == "declined"
    assert any(p.role == "backup" and p.status == "notified" for p in _latest(session).picks)  # a backup was called
    logout(client)

    third = _member(session, drawn)
    _sign_in_as(client, session, clock, world, third.expert, "third")
    clock.advance(timedelta(minutes=31))
    assert "答复期限已过" in page_text(client.get(EXPERT_HOME))
    late = post(client, f"/expert/invitations/{third.id}/respond", {"answer": "accept"}, form_page=EXPERT_HOME)
    assert late.status_code == 422 and "答复期限已过，该邀请已失效" in page_text(late)
    client.get("/lang/en")
    english = post(client, f"/expert/invitations/{third.id}/respond", {"answer": "accept"}, form_page=EXPERT_HOME)
    assert english.status_code == 422 and "The time to answer has passed" in page_text(english)
    forged = client.post(f"/expert/invitations/{third.id}/respond", data={"answer": "accept"})
    assert forged.status_code == 400


def test_the_scheduler_lapses_silent_invitations_and_calls_backups(app, session, clock, tender, pool, drawn):
    clock.advance(timedelta(minutes=31))
    tick(app)
    session.expire_all()
    d = _latest(session)
    statuses = sorted(p.status for p in d.picks)
    assert statuses.count("expired") == 5 and statuses.count("notified") == 2 and d.status == "short"
    sent = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "sent")).all()
    assert len(sent) == 7  # five members, then the two backups, all through the log adapter
    tick(app)  # a second run finds nothing to do
    session.expire_all()
    assert sorted(p.status for p in _latest(session).picks) == statuses


# --- the agent: drawing a section's committee -----------------------------------------------------------------


def test_before_the_deadline_the_draw_page_says_when(client, session, clock, store, world, pool):
    t = published_tender(session, clock, store, world)
    login(client, "agent")
    page = page_text(client.get(_draw_page(t)))
    assert "投标截止（" in page and "后才能抽取评标专家" in page and 'id="draw"' not in page
    early = post(client, _draw_page(t), _form(clock), form_page=_draw_page(t))
    assert early.status_code == 422 and "投标截止后才能抽取评标专家" in page_text(early)


def test_the_agent_draws_and_sees_counts_not_names(client, session, clock, world, tender, pool):
    login(client, "agent")
    dashboard = page_text(client.get("/agency/"))
    assert _draw_page(tender) in dashboard
    form = page_text(client.get(_draw_page(tender)))
    assert 'id="draw"' in form and "A0101 土建" in form and "增加一组" in form
    response = _draw(client, tender, clock, **{"exclusions-0-name": "宁波专家1", "exclusions-0-reason": "曾与招标人有纠纷"})
    assert response.status_code == 302
    d = _latest(session)
    assert d.experts == 5 and len(d.exclusions) == 1
    page = page_text(client.get(_draw_page(tender)))
    assert "通知确认中" in page and d.snapshot_sha256 in page and d.seed_commitment in page
    assert d.seed_hex not in page and "评标结束后公开" in page
    assert re.search(r'class="waiting">5<', page) and re.search(r'class="confirmed">0<', page)
    assert not any(expert.name in page for expert in pool)  # 法第37条: counts only, not even the excluded name
    # one draw at a time: the form is gone and a second request is refused
    assert 'id="draw"' not in page
    second = _draw(client, tender, clock)
    assert second.status_code == 409 and "该标段已有进行中的专家抽取" in page_text(second)
    logout(client)

    login(client, "tenderee")
    seen = page_text(client.get(_draw_page(tender)))
    assert d.snapshot_sha256 in seen and 'id="draw"' not in seen and "杭州专家" not in seen
    assert post(client, _draw_page(tender), _form(clock), form_page="/").status_code == 403
    logout(client)
    for username in ("bidder1", "agent2", "expert", "supervisor", "admin"):
        login(client, username)
        assert client.get(_draw_page(tender)).status_code == 403, username
        logout(client)


def test_a_pool_too_small_says_which_constraint_starves_which_group(client, session, clock, world, tender, pool):
    login(client, "agent")
    # 杭州 has 8 civil-works experts; 6 of them are unavailable on the day, so a group of 3 from 杭州 starves
    day = to_shanghai(clock.now() + timedelta(days=1)).date()
    for expert in pool[:6]:
        session.add(ExpertUnavailable(expert_id=expert.id, day=day, note="", declared_at=clock.now()))
    session.commit()
    response = _draw(client, tender, clock, **{"groups-0-region": "浙江省宁波市", "groups-0-count": "2",
                                               "groups-0-backups": "0", "groups-1-specialty_code": "A0101",
                                               "groups-1-count": "3", "groups-1-region": "浙江省杭州市",
                                               "groups-1-backups": "2", "groups-1-venue": "sub"})
    html = page_text(response)
    assert response.status_code == 422
    assert "第 2 组（浙江省杭州市 A0101）需要 3 人，符合条件的只有 2 人" in html and "评标当日不能参加 6 人" in html
    assert "第 2 组符合条件的专家不足" in html and "主要原因" in html
    assert 'value="浙江省宁波市"' in html  # the form keeps what was typed
    assert _latest(session) is None


@pytest.mark.parametrize(("overrides", "message"), [
    ({"groups-0-count": "0"}, "第 1 组：抽取人数应为 1 至 50 人"),
    ({"groups-0-count": "-5"}, "第 1 组：抽取人数应为 1 至 50 人"),
    ({"groups-0-count": HUGE}, "第 1 组：抽取人数应为 1 至 50 人"),
    ({"groups-0-count": "五"}, "第 1 组：抽取人数应为整数"),
    ({"groups-0-backups": "-1"}, "第 1 组：备选人数应为 0 至 50 人"),
    ({"groups-0-specialty_code": "Z99"}, "第 1 组：专业代码“Z99”不在专业分类中"),
    ({"groups-0-specialty_code": "", "groups-0-count": "", "groups-0-region": ""}, "请至少填写一组抽取条件"),
    ({"groups-0-region": ""}, "第 1 组：请填写专家所在地区"),
    ({"groups-0-venue": "sub"}, "至少要有一组专家在主场评标"),
    ({"groups-0-count": "4"}, "评标委员会成员应为 5 人以上单数"),
    ({"groups-0-count": "3", "representatives": "2"}, "不得少于成员总数的三分之二"),
    ({"representatives": "-1"}, "招标人代表人数不能为负数"),
    ({"representatives": HUGE}, "不得少于成员总数的三分之二"),
    ({"evaluation_at": "2026-13-45T25:00"}, "评标时间：请按“年-月-日 时:分”填写北京时间"),
    ({"evaluation_at": ""}, "评标时间：请按“年-月-日 时:分”填写北京时间"),
    ({"evaluation_at": "1999-01-01T09:00"}, "评标时间：请按“年-月-日 时:分”填写北京时间"),
    ({"evaluation_at": "2026-03-01T09:00"}, "评标时间必须晚于现在"),
    ({"place": ""}, "请填写评标地点"),
    ({"answer_minutes": "1"}, "专家答复期限应为 5 分钟至 24 小时"),
    ({"answer_minutes": HUGE}, "专家答复期限应为 5 分钟至 24 小时"),
    ({"channels": "fax"}, "请选择通知方式"),
    ({"recent_days": "0"}, "回避近期评标的天数应为 1 至 3650 天"),
    ({"recent_days": "abc"}, "回避近期评标的天数应为整数"),
    ({"exclusions-0-name": "杭州专家1", "exclusions-0-reason": ""}, "排除专家“杭州专家1”须写明理由"),
    ({"exclusions-0-name": "", "exclusions-0-reason": "有纠纷"}, "请填写要排除的专家姓名"),
])
def test_bad_draw_requests_are_refused_with_the_rule(client, session, clock, world, tender, pool, overrides,
                                                     message):
    login(client, "agent")
    data = _form(clock, **overrides)
    if overrides.get("channels") == "fax":
        data["channels"] = "fax"
    response = post(client, _draw_page(tender), data)
    assert 400 <= response.status_code < 500 and message in page_text(response), flash_messages(page_text(response))
    assert _latest(session) is None


def test_the_draw_page_refuses_unknown_tenders_sections_and_forged_posts(client, session, clock, world, tender, pool):
    login(client, "agent")
    for path in ("/agency/tenders/999999/sections/1/draw", f"/agency/tenders/{HUGE}/sections/1/draw",
                 _draw_page(tender, 9), f"/agency/tenders/{tender.id}/sections/{HUGE}/draw"):
        assert client.get(path).status_code == 404, path
        assert post(client, path, _form(clock), form_page="/").status_code == 404, path
    forged = client.post(_draw_page(tender), data=_form(clock))
    assert forged.status_code == 400 and CSRF_MESSAGE in page_text(forged)
    assert _latest(session) is None
    sign = f"/agency/tenders/{tender.id}/sections/1/draws/999999/record"
    assert post(client, sign, form_page="/").status_code == 404


# --- the draw record ------------------------------------------------------------------------------------------


def test_the_record_is_signed_and_shown_to_supervisors_only_until_the_evaluation_ends(client, session, clock, world,
                                                                                      tender, drawn):
    login(client, "agent")
    sign = f"/agency/tenders/{tender.id}/sections/1/draws/{drawn.id}/record"
    assert post(client, sign, form_page=_draw_page(tender)).status_code == 302
    d = _latest(session)
    assert d.record_id
    record = f"/records/{d.record_id}.pdf"
    page = page_text(client.get(_draw_page(tender)))
    assert record not in page and "评标结束前仅监督人员可以查阅" in page
    assert client.get(record).status_code == 404
    assert post(client, f"/agency/tenders/{tender.id}/sections/2/draws/{drawn.id}/record",
                form_page="/").status_code == 404
    logout(client)
    for username in ("tenderee", "bidder1", "agent2", "expert"):
        login(client, username)
        assert client.get(record).status_code == 404, username
        logout(client)
    assert client.get(record).status_code == 404  # anonymous
    login(client, "supervisor")
    pdf = client.get(record)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert record in page_text(client.get(f"{SUPERVISOR_LIST}/{d.id}"))
    logout(client)

    # every seat confirmed, the evaluation held: the seed is revealed and the parties may read the names
    for pick in list(_latest(session).picks):
        if pick.status == "notified":
            draw.respond(session, clock, expert_user(session, clock, world, pick.expert, f"drawn{pick.id}"), pick.id,
                         True)
    session.commit()
    clock.set(d.evaluation_at + timedelta(hours=3))
    draw.reveal_seed(session, clock, world.agent, d.id)
    session.commit()
    login(client, "agent")
    after = page_text(client.get(_draw_page(tender)))
    assert record in after and d.seed_hex in after and "评标委员会专家（评标已结束）" in after
    assert client.get(record).status_code == 200
    logout(client)
    login(client, "bidder1")
    assert client.get(record).status_code == 404
    logout(client)
    login(client, "agent")
    again = post(client, sign, form_page=_draw_page(tender))
    assert again.status_code == 302 and _latest(session).record_id not in record  # now with the answers and seed


# --- supervisors ------------------------------------------------------------------------------------------------


def test_the_supervisor_sees_names_and_re_runs_the_verification(client, session, clock, world, tender, pool, drawn):
    login(client, "supervisor")
    listing = page_text(client.get(SUPERVISOR_LIST))
    assert tender.code in listing and f"{SUPERVISOR_LIST}/{drawn.id}" in listing and "通知确认中" in listing
    assert SUPERVISOR_LIST in page_text(client.get("/supervisor/"))
    page = page_text(client.get(f"{SUPERVISOR_LIST}/{drawn.id}"))
    named = [p.expert.name for p in drawn.picks]
    assert all(name in page for name in named) and drawn.snapshot_sha256 in page and drawn.seed_commitment in page
    assert drawn.seed_hex not in page and "评标结束后公开" in page
    assert "专业地区相符" in page and "备选" in page
    verified = post(client, f"{SUPERVISOR_LIST}/{drawn.id}/verify", form_page=f"{SUPERVISOR_LIST}/{drawn.id}")
    assert verified.status_code == 200 and "核验通过：7 个抽取结果与重新计算一致" in page_text(verified)
    assert "随机种子尚未公开" in page_text(verified)

    # the frozen pool altered afterwards: the verification names each difference
    d = session.get(ExpertDraw, drawn.id)
    snapshot = json.loads(d.snapshot)
    snapshot["groups"][0]["eligible"] = snapshot["groups"][0]["eligible"][:-1]
    d.snapshot = draw.canonical_json(snapshot)
    session.commit()
    problems = page_text(post(client, f"{SUPERVISOR_LIST}/{drawn.id}/verify", form_page=f"{SUPERVISOR_LIST}/{drawn.id}"))
    assert 'id="verify-problems"' in problems and "快照已被改动" in problems

    for path in (f"{SUPERVISOR_LIST}/999999", f"{SUPERVISOR_LIST}/{HUGE}"):
        assert client.get(path).status_code == 404
        assert post(client, f"{path}/verify", form_page=SUPERVISOR_LIST).status_code == 404
    forged = client.post(f"{SUPERVISOR_LIST}/{drawn.id}/verify")
    assert forged.status_code == 400 and CSRF_MESSAGE in page_text(forged)
    assert client.get(f"{SUPERVISOR_LIST}?page={HUGE}").status_code == 200


def test_the_seed_shows_once_revealed(client, session, clock, world, drawn):
    for pick in list(drawn.picks):
        if pick.status == "notified":
            draw.respond(session, clock, expert_user(session, clock, world, pick.expert, f"drawn{pick.id}"), pick.id,
                         True)
    clock.set(drawn.evaluation_at + timedelta(minutes=1))
    draw.reveal_seed(session, clock, world.supervisor, drawn.id)
    session.commit()
    login(client, "supervisor")
    page = page_text(client.get(f"{SUPERVISOR_LIST}/{drawn.id}"))
    assert drawn.seed_hex in page and "已全部确认" in page
    assert "随机种子已公开" in page_text(post(client, f"{SUPERVISOR_LIST}/{drawn.id}/verify", form_page=SUPERVISOR_LIST))


def test_bidders_and_others_see_no_draw_at_all(client, session, clock, world, tender, drawn):
    names = [p.expert.name for p in drawn.picks]
    for username in ("bidder1", "bidder2", "agent", "agent2", "tenderee", "expert", "admin"):
        login(client, username)
        assert client.get(SUPERVISOR_LIST).status_code == 403, username
        assert client.get(f"{SUPERVISOR_LIST}/{drawn.id}").status_code == 403, username
        assert post(client, f"{SUPERVISOR_LIST}/{drawn.id}/verify", form_page="/").status_code == 403, username
        for path in ("/", f"/tenders/{tender.id}", "/bidder/"):
            html = page_text(client.get(path, follow_redirects=True))
            assert not any(name in html for name in names), (username, path)
        logout(client)
    assert client.get(SUPERVISOR_LIST).status_code == 302
    assert csrf(client)


# --- every new route, every role ----------------------------------------------------------------------------------

ROLES = ("anonymous", "admin", "agent", "tenderee", "bidder1", "expert", "supervisor", "agent2")


def _routes(tender, d: ExpertDraw, expert_id: int) -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path, roles allowed); everyone else signed in gets 403, anonymous goes to the sign-in page."""
    draw_path = _draw_page(tender)
    return [
        ("GET", ADMIN_LIST, ("admin",)),
        ("POST", f"{ADMIN_LIST}/import", ("admin",)),
        ("GET", f"{ADMIN_LIST}/{expert_id}", ("admin",)),
        ("POST", f"{ADMIN_LIST}/{expert_id}/link", ("admin",)),
        ("POST", f"{ADMIN_LIST}/{expert_id}/status", ("admin",)),
        ("GET", EXPERT_HOME, ("expert",)),
        ("POST", "/expert/profile", ("expert",)),
        ("POST", "/expert/unavailable", ("expert",)),
        ("POST", "/expert/unavailable/remove", ("expert",)),
        ("POST", "/expert/conflicts", ("expert",)),
        ("POST", "/expert/conflicts/1/withdraw", ("expert",)),
        ("POST", f"/expert/invitations/{d.picks[0].id}/respond", ("expert",)),
        ("GET", draw_path, ("agent", "tenderee")),
        ("POST", draw_path, ("agent",)),
        ("POST", f"/agency/tenders/{tender.id}/sections/1/draws/{d.id}/record", ("agent",)),
        ("GET", SUPERVISOR_LIST, ("supervisor",)),
        ("GET", f"{SUPERVISOR_LIST}/{d.id}", ("supervisor",)),
        ("POST", f"{SUPERVISOR_LIST}/{d.id}/verify", ("supervisor",)),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_expert_route_answers_each_role(client, world, tender, pool, drawn, role):
    if role != "anonymous":
        login(client, role)
    for method, path, allowed in _routes(tender, drawn, pool[0].id):
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf_token": csrf(client, "/")})
        status = response.status_code
        assert status < 500, (role, method, path, status)
        if role == "anonymous":
            assert status == 302 and "/login" in response.headers["Location"], (method, path, status)
        elif role in allowed:  # may still be refused on the merits (an empty form: 400, an unlinked expert: 404)
            assert status not in (401, 403) and not (status == 302 and "/login" in response.headers["Location"]), (
                role, method, path, status)
        else:  # agent2 passes the role check but manages no part of the tender: the domain says 403 too
            assert status == 403, (role, method, path, status)
