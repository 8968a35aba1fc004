"""定标 through the pages: the tenderee reviews the report (returns it for a stated error that the evaluation chair
answers, then accepts it), the candidates are published, the ranked award is decided and the notices go out; for
评定分离 the tenderee keeps its award-member pool, draws the committee, whose members declare, vote and sign the award
record in their room before the tenderee seals it; the lottery is committed and drawn; and every bad input is
answered with a 4xx and the domain's reason, never a 500, with nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bidding import award
from bidding.award_models import Award, AwardBallot, AwardPoolMember
from core.identity import User
from tests.app.helpers import assert_refused, flash_messages, page_text, post_token, signed_in
from tests.bidding.awarding import add_pool, drawn, evaluated, separated, tenderee_user, to_deciding
from tests.bidding.test_evaluation import members
from tests.world import SIGNING_PIN, ensure_signing

CSRF_MESSAGE = "表单已过期或缺少安全令牌，请返回刷新页面后重试。"
WRONG_PIN = "签名口令不正确"
NO_SUCH = 999999


@pytest.fixture
def store(app):
    return app.extensions["sealbid"].store


def _fresh(session, found: Award) -> Award:
    session.expire_all()
    return session.get(Award, found.id)


def _page(tender) -> str:
    return f"/award/tenders/{tender.id}"


def _path(found: Award, tail: str) -> str:
    return f"/award/{found.id}/{tail}"


def _username(session, user_id: int) -> str:
    return session.get(User, user_id).username


# --- ranked: review, return and answer, accept, publicity, decision, notices -------------------------------------------


def test_the_ranked_award_from_the_report_to_the_notices(app, session, clock, store, world):
    built = evaluated(session, clock, store, world)
    found = built.award
    ensure_signing(session, clock, world, "tenderee", "agent")
    session.commit()
    tenderee, agent = signed_in(app, "tenderee"), signed_in(app, "agent")
    first, second, third = award.candidates(found)

    page = tenderee.get(_page(built.tender))
    html = page_text(page)
    assert page.status_code == 200 and "评标报告审查" in html and first["name"] in html and 'id="accept-1"' in html
    watching = page_text(agent.get(_page(built.tender)))
    assert "等待招标人审查评标报告" in watching and 'id="accept-1"' not in watching
    for username in ("bidder1", "expert", "supervisor", "agent2"):
        assert signed_in(app, username).get(_page(built.tender)).status_code == 403, username
    assert tenderee.get(f"/award/tenders/{NO_SUCH}").status_code == 404

    # bad inputs first: nothing changes
    assert_refused(post_token(tenderee, _path(found, "send-back"), {"error": "  "}), 400, "请写明评标报告存在的错误")
    assert_refused(post_token(tenderee, _path(found, "decide"), {"winner_bidder_id": first["bidder_id"], "pin": SIGNING_PIN}),
                   409, "定标当前状态为")
    assert_refused(post_token(agent, _path(found, "accept")), 403, "您没有访问此页面的权限")
    assert post_token(tenderee, f"/award/{NO_SUCH}/accept").status_code == 404
    assert tenderee.post(_path(found, "accept")).status_code == 400  # no CSRF token
    assert _fresh(session, found).status == "review"

    # the tenderee returns the report; the evaluation chair answers
    returned = post_token(tenderee, _path(found, "send-back"), {"error": "第2名的报价汇总与开标记录不一致"})
    assert returned.status_code == 302, flash_messages(page_text(returned))
    assert _fresh(session, found).status == "returned"
    ev = built.evaluation
    lead = next(m for m in members(ev) if m.id == ev.chair_member_id)
    chair = signed_in(app, _username(session, lead.user_id))
    assert "report-returned" in page_text(chair.get(f"/evaluation/{ev.id}"))
    answer_page = chair.get(_path(found, "answer"))
    assert answer_page.status_code == 200 and "第2名的报价汇总与开标记录不一致" in page_text(answer_page)
    other = next(m for m in members(ev) if m.id != ev.chair_member_id)
    outsider = signed_in(app, _username(session, other.user_id))
    assert "report-returned" not in page_text(outsider.get(f"/evaluation/{ev.id}"))
    assert outsider.get(_path(found, "answer")).status_code == 403
    assert_refused(post_token(outsider, _path(found, "answer"), {"corrected": "yes", "answer": "已核对"}), 403,
                   "只有评标委员会组长可以答复")
    assert_refused(post_token(chair, _path(found, "answer"), {"answer": "已核对"}), 400, "请选择错误是否已更正")
    assert_refused(post_token(chair, _path(found, "answer"), {"corrected": "yes", "answer": ""}), 400, "请填写答复")
    answered = post_token(chair, _path(found, "answer"), {"corrected": "yes", "answer": "已核对并更正汇总表。"})
    assert answered.status_code == 302 and _fresh(session, found).status == "review"
    assert "已核对并更正汇总表" in page_text(tenderee.get(_page(built.tender)))

    # accept, then publish the candidates
    assert post_token(tenderee, _path(found, "accept")).status_code == 302
    assert _fresh(session, found).status == "accepted"
    assert 'id="publish-1"' in page_text(agent.get(_page(built.tender)))
    assert_refused(post_token(agent, _path(found, "publicity"), {"days": "2", "pin": SIGNING_PIN}), 422, "公示期不得少于")
    assert_refused(post_token(agent, _path(found, "publicity"), {"days": "三", "pin": SIGNING_PIN}), 400, "公示天数：请填写整数")
    assert_refused(post_token(agent, _path(found, "publicity"), {"days": "99999999999", "pin": SIGNING_PIN}), 400,
                   "公示天数应为不超过")
    assert_refused(post_token(agent, _path(found, "publicity"), {"days": "3", "pin": "000000"}), 401, WRONG_PIN)
    assert _fresh(session, found).status == "accepted"
    published = post_token(agent, _path(found, "publicity"), {"days": "3", "pin": SIGNING_PIN})
    assert published.status_code == 302, flash_messages(page_text(published))
    assert _fresh(session, found).status == "candidates_publicity"
    html = page_text(tenderee.get(_page(built.tender)))
    assert "中标候选人公示中" in html and "公示（PDF）" in html

    # too early to decide; once the period is over the managers move it on
    early = post_token(tenderee, _path(found, "publicity/close"), follow_redirects=True)
    assert early.status_code == 200 and "公示期尚未结束" in page_text(early)
    assert _fresh(session, found).status == "candidates_publicity"
    clock.advance(timedelta(days=3, minutes=1))
    assert post_token(agent, _path(found, "publicity/close")).status_code == 302
    assert _fresh(session, found).status == "deciding"

    # the decision: only a candidate, a reason when not the first, the right PIN
    decide = _path(found, "decide")
    assert_refused(post_token(tenderee, decide, {"pin": SIGNING_PIN}), 400, "请选择中标人")
    assert_refused(post_token(tenderee, decide, {"winner_bidder_id": str(NO_SUCH), "pin": SIGNING_PIN}), 422,
                   "只能在评标委员会推荐的中标候选人中确定中标人")
    assert_refused(post_token(tenderee, decide, {"winner_bidder_id": second["bidder_id"], "pin": SIGNING_PIN}), 422,
                   "条例第55条")  # a state-funded compulsory tender: the first, unless it dropped out
    assert_refused(post_token(tenderee, decide, {"winner_bidder_id": second["bidder_id"], "pin": SIGNING_PIN,
                                                 f"dropout-{first['bidder_id']}-ground": "nonsense",
                                                 f"dropout-{first['bidder_id']}-facts": "x"}), 400, "情形无效")
    assert_refused(post_token(tenderee, decide, {"winner_bidder_id": first["bidder_id"], "pin": "000000"}), 401, WRONG_PIN)
    assert_refused(post_token(agent, decide, {"winner_bidder_id": first["bidder_id"], "pin": SIGNING_PIN}), 403,
                   "您没有访问此页面的权限")
    assert _fresh(session, found).status == "deciding"
    assert third["name"] in page_text(tenderee.get(_page(built.tender)))
    decided = post_token(tenderee, decide, {"winner_bidder_id": first["bidder_id"], "reason": "", "pin": SIGNING_PIN})
    assert decided.status_code == 302, flash_messages(page_text(decided))
    found = _fresh(session, found)
    assert found.status == "decided" and found.winner_bidder_id == first["bidder_id"]

    pdf = tenderee.get(_path(found, "record.pdf"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert signed_in(app, "bidder1").get(_path(found, "record.pdf")).status_code == 403
    assert tenderee.get(f"/award/{NO_SUCH}/record.pdf").status_code == 404

    # the notices, signed by the tenderee (national rules: no result publicity)
    assert_refused(post_token(agent, _path(found, "notices"), {"pin": SIGNING_PIN}), 403, "您没有访问此页面的权限")
    assert_refused(post_token(tenderee, _path(found, "notices"), {"pin": "000000"}), 401, WRONG_PIN)
    assert_refused(post_token(tenderee, _path(found, "result-publicity"), {"pin": SIGNING_PIN}), 409, "不要求中标结果公示")
    sent = post_token(tenderee, _path(found, "notices"), {"pin": SIGNING_PIN})
    assert sent.status_code == 302, flash_messages(page_text(sent))
    assert _fresh(session, found).status == "notified"
    html = page_text(tenderee.get(_page(built.tender)))
    assert "中标通知书" in html and "中标结果通知书" in html and "登记合同" in html
    assert_refused(post_token(tenderee, _path(found, "notices"), {"pin": SIGNING_PIN}), 409, "定标后才能发出中标通知书")


# --- 评定分离 by vote: the pool, the draw, the room, the record ----------------------------------------------------------


def test_the_tenderee_keeps_its_award_member_pool(app, session, clock, world):
    ensure_signing(session, clock, world, "tenderee")
    person = tenderee_user(session, clock, world, "pool_person", "王经理")
    session.commit()
    tenderee = signed_in(app, "tenderee")
    page = tenderee.get("/award/pool")
    assert page.status_code == 200 and "王经理" in page_text(page) and "定标委员库中还没有人员" in page_text(page)
    for username in ("agent", "bidder1", "expert", "supervisor"):
        assert signed_in(app, username).get("/award/pool").status_code == 403, username

    assert_refused(post_token(tenderee, "/award/pool", {"category": "technical"}), 400, "请选择本单位的招标人用户")
    assert_refused(post_token(tenderee, "/award/pool", {"user_id": str(person.user_id), "category": "chef"}), 400,
                   "定标委员的类别无效")
    assert_refused(post_token(tenderee, "/award/pool", {"user_id": str(world.users["agent"].id), "category": "technical"}), 400,
                   "定标委员须为本单位在册的招标人用户")
    added = post_token(tenderee, "/award/pool", {"user_id": str(person.user_id), "category": "leadership",
                                             "position": "总经理", "principal": "on"})
    assert added.status_code == 302, flash_messages(page_text(added))
    row = session.scalars(select(AwardPoolMember)).one()
    assert (row.category, row.position, row.principal, row.status) == ("leadership", "总经理", True, "active")
    assert_refused(post_token(tenderee, "/award/pool", {"user_id": str(person.user_id), "category": "technical"}), 409,
                   "该用户已在定标委员库中")
    assert post_token(tenderee, f"/award/pool/{NO_SUCH}/remove").status_code == 404
    assert post_token(tenderee, f"/award/pool/{row.id}/remove").status_code == 302
    session.expire_all()
    assert session.get(AwardPoolMember, row.id).status == "removed"
    assert_refused(post_token(tenderee, f"/award/pool/{row.id}/remove"), 409, "已移出定标委员库")


def test_the_award_committee_declares_votes_and_signs_and_the_tenderee_seals(app, session, clock, store, world):
    built = evaluated(session, clock, store, world, **separated("vote"))
    found = built.award
    ensure_signing(session, clock, world, "tenderee")
    add_pool(session, clock, world, 10, principal=True)
    to_deciding(session, clock, world, found)
    tenderee = signed_in(app, "tenderee")
    keys = [c["bidder_id"] for c in award.candidates(found)]

    html = page_text(tenderee.get(_page(built.tender)))
    assert 'id="draw-1"' in html and "定标委员1" in html  # the principal offered as chair
    assert_refused(post_token(tenderee, _path(found, "committee"), {"chair_principal_id": "abc"}), 400, "请选择担任组长")
    not_principal = session.scalars(select(AwardPoolMember).where(AwardPoolMember.principal.is_(False))).first()
    assert_refused(post_token(tenderee, _path(found, "committee"), {"chair_principal_id": str(not_principal.id)}), 400,
                   "直接担任组长的须为定标委员库中的法定代表人或主要负责人")
    assert_refused(post_token(signed_in(app, "agent"), _path(found, "committee")), 403, "您没有访问此页面的权限")
    assert post_token(tenderee, _path(found, "committee")).status_code == 302
    found = _fresh(session, found)
    assert found.drawn_at is not None and len(award.seated(found)) == 5
    assert_refused(post_token(tenderee, _path(found, "committee")), 409, "定标委员会已经抽取")
    html = page_text(tenderee.get(_page(built.tender)))
    assert "（定标前保密）" in html and not any(m.name in html for m in found.members)  # no names before the decision
    assert "已签署回避声明 0 / 5" in html

    seated = award.seated(found)
    clients = {m.id: signed_in(app, _username(session, m.user_id)) for m in seated}
    lead = award.chair(found)
    backup = next(m for m in found.members if m.status == "backup")
    stranger = tenderee  # a tenderee user who holds no seat

    # who may enter the room and act
    assert stranger.get(_path(found, "room")).status_code == 403
    assert_refused(post_token(stranger, _path(found, "vote"), {"bidder_id": keys[0]}), 403, "只有本次定标委员会的成员")
    assert_refused(post_token(stranger, _path(found, "declaration"), {"declaration": "none"}), 403, "只有本次定标委员会的成员")
    assert signed_in(app, "agent").get(_path(found, "room")).status_code == 403
    assert clients[lead.id].get(f"/award/{NO_SUCH}/room").status_code == 404
    room = clients[lead.id].get(_path(found, "room"))
    assert room.status_code == 200 and "签署回避声明" in page_text(room) and lead.name in page_text(room)
    mine = page_text(clients[lead.id].get("/award/mine"))
    assert built.tender.title in mine and "进入定标室" in mine
    backup_room = page_text(signed_in(app, _username(session, backup.user_id)).get(_path(found, "room")))
    assert "您是备选人员" in backup_room

    # nothing before every member declared; bad declarations
    assert_refused(post_token(clients[lead.id], _path(found, "vote"), {"bidder_id": keys[0]}), 409,
                   "定标委员会成员全部作出回避声明后才能定标")
    assert_refused(post_token(clients[lead.id], _path(found, "declaration")), 400, "请选择回避声明")
    assert_refused(post_token(clients[lead.id], _path(found, "declaration"), {"declaration": "conflict"}), 400,
                   "请选择存在利害关系的候选人")
    assert_refused(post_token(clients[lead.id], _path(found, "declaration"), {"declaration": "conflict",
                                                                              "bidder_id": keys[0], "note": ""}), 400,
                   "请写明与该候选人的利害关系")
    for m in seated:
        assert post_token(clients[m.id], _path(found, "declaration"), {"declaration": "none"}).status_code == 302
    assert_refused(post_token(clients[lead.id], _path(found, "declaration"), {"declaration": "none"}), 409, "您已作出回避声明")

    # the vote: a candidate of the round, once per round, counts shown and never whom
    vote = _path(found, "vote")
    assert_refused(post_token(clients[lead.id], vote), 400, "请选择候选人")
    assert_refused(post_token(clients[lead.id], vote, {"bidder_id": str(NO_SUCH)}), 422, "只能在评标委员会推荐的中标候选人中")
    assert 'id="vote-form"' in page_text(clients[lead.id].get(_path(found, "room")))
    assert post_token(clients[lead.id], vote, {"bidder_id": keys[1]}).status_code == 302
    assert_refused(post_token(clients[lead.id], vote, {"bidder_id": keys[1]}), 409, "您在本轮已经投票")
    progress = page_text(clients[seated[1].id].get(_path(found, "room")))
    assert "已投 1 / 5" in progress and 'id="vote-form"' in progress
    assert "已投 1 / 5" in page_text(tenderee.get(_page(built.tender)))
    session.expire_all()
    assert len(session.scalars(select(AwardBallot)).all()) == 1
    for m in seated[1:]:
        if m.id != lead.id:
            assert post_token(clients[m.id], vote, {"bidder_id": keys[1]}).status_code == 302
    found = _fresh(session, found)
    assert found.winner_bidder_id == keys[1]
    assert_refused(post_token(clients[lead.id], vote, {"bidder_id": keys[1]}), 409, "中标人已经确定")

    # the record: the chair first, every seated member, then the tenderee's seal
    others = [m for m in seated if m.id != lead.id]
    sign = _path(found, "sign")
    assert_refused(post_token(clients[others[0].id], sign, {"pin": SIGNING_PIN}), 409, "定标报告由组长先签署")
    assert_refused(post_token(clients[lead.id], sign, {"pin": "000000"}), 401, WRONG_PIN)
    assert post_token(clients[lead.id], sign, {"pin": SIGNING_PIN}).status_code == 302
    assert clients[lead.id].get(_path(found, "record.pdf")).status_code == 200
    assert tenderee.get(_path(found, "record.pdf")).status_code == 403  # until every member has signed
    assert_refused(post_token(tenderee, _path(found, "seal"), {"pin": SIGNING_PIN}), 409, "全体成员签署定标报告后")
    assert_refused(post_token(clients[lead.id], sign, {"pin": SIGNING_PIN}), 409, "您已签署定标报告")
    for m in others:
        assert post_token(clients[m.id], sign, {"pin": SIGNING_PIN}).status_code == 302
    assert 'id="seal-1"' in page_text(tenderee.get(_page(built.tender)))
    assert_refused(post_token(signed_in(app, "agent"), _path(found, "seal"), {"pin": SIGNING_PIN}), 403, "您没有访问此页面的权限")
    assert_refused(post_token(tenderee, _path(found, "seal"), {"pin": "000000"}), 401, WRONG_PIN)
    assert post_token(tenderee, _path(found, "seal"), {"pin": SIGNING_PIN}).status_code == 302
    found = _fresh(session, found)
    assert found.status == "decided"
    html = page_text(tenderee.get(_page(built.tender)))
    assert lead.name in html and 'id="record-1"' in html and 'id="publish-result-1"' in html  # Shenzhen: result first
    assert "定标已完成" in page_text(clients[lead.id].get(_path(found, "room")))

    # the draw is verifiable: supervisors and the managers
    check = signed_in(app, "supervisor").get(_path(found, "verification"))
    assert check.status_code == 200 and "验证通过：7 个席位" in page_text(check) and found.seed_hex in page_text(check)
    assert tenderee.get(_path(found, "verification")).status_code == 200
    assert signed_in(app, "bidder1").get(_path(found, "verification")).status_code == 403
    assert signed_in(app, "supervisor").get(f"/award/{NO_SUCH}/verification").status_code == 404


def test_the_lottery_is_committed_then_drawn_by_the_tenderee_or_the_chair(app, session, clock, store, world):
    built = evaluated(session, clock, store, world, **separated("lottery"))
    found = drawn(session, clock, world, built)
    tenderee = signed_in(app, "tenderee")
    lead = award.chair(found)
    chair = signed_in(app, _username(session, lead.user_id))
    member = next(m for m in award.seated(found) if m.id != lead.id)
    other = signed_in(app, _username(session, member.user_id))

    assert 'id="commit-1"' in page_text(tenderee.get(_page(built.tender)))
    assert_refused(post_token(tenderee, _path(found, "lottery/draw")), 409, "请先承诺抽签的随机种子")
    assert_refused(post_token(other, _path(found, "lottery/commit")), 403, "只有招标人或定标委员会组长可以组织抽签")
    assert "等待组长或招标人组织抽签" in page_text(other.get(_path(found, "room")))
    assert post_token(tenderee, _path(found, "lottery/commit")).status_code == 302
    assert_refused(post_token(chair, _path(found, "lottery/commit")), 409, "抽签的随机种子已经承诺")
    room = page_text(chair.get(_path(found, "room")))
    assert 'id="lottery"' in room and _fresh(session, found).lottery_commitment in room
    drew = post_token(chair, _path(found, "lottery/draw"))
    assert drew.status_code == 302 and f"/award/{found.id}/room" in drew.headers["Location"]
    found = _fresh(session, found)
    assert found.winner_bidder_id is not None and found.lottery_drawn_at is not None
    room = page_text(chair.get(_path(found, "room")))
    assert "生成并签署定标报告" in room and found.lottery_seed_hex in room  # the revealed seed, re-runnable
    assert_refused(post_token(tenderee, _path(found, "lottery/draw")), 409, "中标人已经确定")

    # the room and the managers' page read in English too
    assert chair.get("/lang/en").status_code == 302 and tenderee.get("/lang/en").status_code == 302
    assert chair.get(_path(found, "room")).status_code == 200
    assert tenderee.get(_page(built.tender)).status_code == 200


def test_deliberation_records_every_opinion_before_the_chair_decides(app, session, clock, store, world):
    built = evaluated(session, clock, store, world, **separated("deliberation"))
    found = drawn(session, clock, world, built)
    keys = [c["bidder_id"] for c in award.candidates(found)]
    lead = award.chair(found)
    clients = {m.id: signed_in(app, _username(session, m.user_id)) for m in award.seated(found)}
    chair, others = clients[lead.id], [clients[m.id] for m in award.seated(found) if m.id != lead.id]
    opinion, decide = _path(found, "opinion"), _path(found, "chair-decision")

    assert "请发表意见" in page_text(chair.get(_path(found, "room")))
    assert_refused(post_token(chair, opinion, {"opinion": "技术方案最优"}), 400, "请选择您倾向的候选人")
    assert_refused(post_token(chair, opinion, {"bidder_id": keys[0], "opinion": " "}), 400, "请填写意见和理由")
    assert_refused(post_token(chair, opinion, {"bidder_id": str(NO_SUCH), "opinion": "x"}), 422,
                   "只能在评标委员会推荐的中标候选人中")
    assert post_token(chair, opinion, {"bidder_id": keys[0], "opinion": "技术方案最优"}).status_code == 302
    assert_refused(post_token(chair, decide, {"bidder_id": keys[0], "statement": "综合考虑"}), 409, "名定标委员未发表意见")
    assert "已发表 1 / 5" in page_text(others[0].get(_path(found, "room")))
    for client in others:
        assert post_token(client, opinion, {"bidder_id": keys[1], "opinion": "报价更低"}).status_code == 302
    assert_refused(post_token(others[0], decide, {"bidder_id": keys[1], "statement": "多数意见"}), 403, "只有定标委员会组长")
    assert_refused(post_token(chair, decide, {"bidder_id": keys[1], "statement": ""}), 400, "请填写组长的决定理由")
    assert 'id="chair-decide"' in page_text(chair.get(_path(found, "room")))
    assert post_token(chair, decide, {"bidder_id": keys[1], "statement": "采纳多数成员意见。"}).status_code == 302
    found = _fresh(session, found)
    assert found.winner_bidder_id == keys[1] and found.reason == "采纳多数成员意见。"
    assert "采纳多数成员意见" in page_text(chair.get(_path(found, "room")))


# --- the signed records behind /records/<id>.pdf keep the award's secrecy ------------------------------------------


def test_award_records_and_notices_are_not_public_through_the_records_download(app, session, clock, store, world):
    from bidding import award_notice
    from bidding.award_models import AwardNotice
    from signing import signed_records
    from tests.bidding.awarding import actor_of_member
    from tests.bidding.publicizing import notify
    from tests.world import signing

    built = evaluated(session, clock, store, world, **separated("vote"))
    found = drawn(session, clock, world, built)
    keys = [c["bidder_id"] for c in award.candidates(found)]
    for m in award.seated(found):
        award.cast_vote(session, clock, actor_of_member(session, m.user_id), found.id, keys[0])
    chair = award.chair(found)
    award.sign_award_record(session, clock, actor_of_member(session, chair.user_id), found.id, signing(store))
    session.commit()
    record = f"/records/{found.record_id}.pdf"
    # signed by the chair only: the meeting goes on, the names and ballots stay with the members and supervisors
    assert signed_in(app, _username(session, chair.user_id)).get(record).status_code == 200
    assert signed_in(app, "supervisor").get(record).status_code == 200
    for outsider in ("tenderee", "agent", "bidder1"):
        assert signed_in(app, outsider).get(record).status_code == 403, outsider
    assert app.test_client().get(record).status_code == 403
    # a member may not seal the record its committee signed
    for m in [m for m in award.seated(found) if m is not chair]:
        award.sign_award_record(session, clock, actor_of_member(session, m.user_id), found.id, signing(store))
    session.commit()
    refused = post_token(signed_in(app, _username(session, chair.user_id)), _path(found, "seal"), {"pin": SIGNING_PIN})
    assert_refused(refused, 403, "定标委员会成员不能为本单位盖章确认定标报告。")
    post_token(signed_in(app, "tenderee"), _path(found, "seal"), {"pin": SIGNING_PIN})
    assert _fresh(session, found).status == "decided"
    notify(session, clock, store, world, _fresh(session, found))
    notices = award_notice.notices_of_award(session, found.id)
    winner = next(n for n in notices if n.kind == "award")
    other = next(n for n in notices if n.kind == "result")
    path = f"/records/{winner.record_id}.pdf"
    addressed = next(u for u in ("bidder1", "bidder2", "bidder3") if world.users[u].organisation_id == winner.bidder_org_id)
    others = [u for u in ("bidder1", "bidder2", "bidder3") if u != addressed]
    assert signed_in(app, addressed).get(path).status_code == 200
    assert signed_in(app, others[0]).get(path).status_code == 404
    assert signed_in(app, "tenderee").get(path).status_code == 200
    assert app.test_client().get(path).status_code == 404
    assert signed_records.get(session, other.record_id).kind == award_notice.RESULT_KIND
    assert session.scalars(select(AwardNotice).where(AwardNotice.award_id == found.id)).all()
