"""投诉 through the pages: a bidder complains about the award result after its objection was answered and follows the
status; the supervisor accepts or rejects with the reason and decides with a signed decision (PIN); the decision
PDF goes to the supervisor, the complainant and the tender's managers only; the supervisor suspends and resumes the
tender on its workspace, and no award notice goes out meanwhile; the bidder's dashboard lists its award notices, and
the download marks one read; the supervisor's index lists what is overdue and each contract's savings rate. Every
bad input is a 4xx with the domain's reason, never a 500, with nothing changed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bidding import award_objections, bond_release, complaints, publicity
from bidding.award_models import Award, AwardNotice, Complaint
from bidding.models import Tender
from tests.app.helpers import assert_refused, outsider_bidder, page_text, post_token, signed_in
from tests.bidding.awarding import decided_award, evaluated
from tests.bidding.publicizing import notify, publish_candidates
from tests.world import SIGNING_PIN, ensure_signing

CSRF_MESSAGE = "表单已过期或缺少安全令牌，请返回刷新页面后重试。"
WRONG_PIN = "签名口令不正确"
NO_SUCH = 999999
OBJECTION = "第一中标候选人的业绩证明存在虚假，请核查。"
SUBJECT = "对评标结果的投诉"
BODY = "招标人的异议答复未核查业绩真伪。"


@pytest.fixture
def store(app):
    return app.extensions["sealbid"].store


@pytest.fixture
def answered(session, clock, store, world):
    """Candidates public; bidder 3 objected a day in and the tenderee answered: bidder 3 may complain."""
    built = evaluated(session, clock, store, world)
    shown = publish_candidates(session, clock, store, world, built.award)
    clock.advance(timedelta(days=1))
    objection = award_objections.raise_objection(session, clock, world.bidders[2], shown.id, OBJECTION)
    award_objections.answer_objection(session, clock, world.tenderee, objection.id, "经核查，业绩真实。")
    session.commit()
    return built.award


def _count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Complaint))


def _file(client: FlaskClient, award: Award, **changes):
    return post_token(client, f"/complaints/tenders/{award.tender_id}",
                      {"subject": SUBJECT, "body": BODY, "award_id": str(award.id), **changes})


def _filed(session, clock, world, award: Award) -> Complaint:
    row = complaints.file_complaint(session, clock, world.bidders[2], award.tender_id, SUBJECT, BODY, award.id)
    session.commit()
    return row


# --- the bidder files, the supervisor handles ---------------------------------------------------------------------


def test_a_complaint_from_filing_to_the_signed_decision(app, session, clock, world, answered):
    bidder = signed_in(app, "bidder3")
    notice = page_text(bidder.get(f"/tenders/{answered.tender_id}"))
    assert f"/complaints/tenders/{answered.tender_id}" in notice
    form = page_text(bidder.get(f"/complaints/tenders/{answered.tender_id}"))
    assert 'name="subject"' in form and OBJECTION in form and "经核查，业绩真实。" in form
    assert_refused(_file(bidder, answered, subject=""), 400, "请填写 2 到 200 字的投诉事项")
    assert_refused(_file(bidder, answered, body=" "), 400, "请填写 2 到 5000 字的内容")
    assert_refused(_file(bidder, answered, award_id="x1"), 400, "定标不存在")
    assert_refused(_file(bidder, answered, award_id=str(NO_SUCH)), 404, "定标不存在")
    assert_refused(bidder.post(f"/complaints/tenders/{answered.tender_id}", data={"subject": SUBJECT, "body": BODY}), 400,
                   CSRF_MESSAGE)
    assert _count(session) == 0
    filed = _file(bidder, answered)
    assert filed.status_code == 302
    row = session.scalars(select(Complaint)).one()
    assert filed.headers["Location"].endswith(f"/complaints/{row.id}") and row.objection_id is not None
    page = page_text(bidder.get(f"/complaints/{row.id}"))
    assert "待受理" in page and OBJECTION in page and 'id="decide"' not in page
    assert "待受理" in page_text(bidder.get("/bidder/"))

    supervisor = signed_in(app, "supervisor")
    listing = page_text(supervisor.get("/complaints/"))
    assert SUBJECT in listing and "投标公司3" in listing and "待受理" in listing
    assert f"/complaints/{row.id}" in page_text(supervisor.get(f"/supervisor/tenders/{answered.tender_id}"))
    assert_refused(post_token(supervisor, f"/complaints/{row.id}/decide", {"outcome": "dismissed", "decision": "驳回。",
                                                                 "pin": SIGNING_PIN}), 409, "只有已受理的投诉")
    assert post_token(supervisor, f"/complaints/{row.id}/accept").status_code == 302
    assert_refused(post_token(supervisor, f"/complaints/{row.id}/accept"), 409, "不能执行此操作")
    page = page_text(supervisor.get(f"/complaints/{row.id}"))
    assert "已受理" in page and 'id="decide"' in page and "责令重新确定中标人" in page
    ensure_signing(session, clock, world, "supervisor")
    decide = f"/complaints/{row.id}/decide"
    decision = "经查，投诉事项缺乏事实依据，驳回投诉。"
    assert_refused(post_token(supervisor, decide, {"outcome": "dismissed", "decision": decision, "pin": "000000"}), 401,
                   WRONG_PIN)
    assert_refused(post_token(supervisor, decide, {"outcome": "dismissed", "decision": "", "pin": SIGNING_PIN}), 400,
                   "请填写 2 到 5000 字的内容")
    assert_refused(post_token(supervisor, decide, {"outcome": "approved", "decision": decision, "pin": SIGNING_PIN}), 400,
                   "处理结果无效")
    assert supervisor.get(f"/complaints/{row.id}/decision.pdf").status_code == 409  # nothing decided yet
    assert post_token(supervisor, decide, {"outcome": "dismissed", "decision": decision, "pin": SIGNING_PIN}).status_code \
        == 302
    session.expire_all()
    row = session.get(Complaint, row.id)
    assert (row.status, row.outcome) == ("decided", "dismissed") and row.record_id
    assert session.get(Award, answered.id).status == "candidates_publicity"  # a dismissal changes nothing
    page = page_text(bidder.get(f"/complaints/{row.id}"))
    assert "已处理" in page and "驳回投诉" in page and decision in page
    for reader in (supervisor, bidder, signed_in(app, "tenderee")):
        pdf = reader.get(f"/complaints/{row.id}/decision.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    for stranger in ("bidder1", "agent2", "expert"):
        assert signed_in(app, stranger).get(f"/complaints/{row.id}/decision.pdf").status_code == 404, stranger
        assert signed_in(app, stranger).get(f"/complaints/{row.id}").status_code == 404, stranger
    assert app.test_client().get(f"/complaints/{row.id}/decision.pdf").status_code == 302  # to /login
    workspace = page_text(supervisor.get(f"/supervisor/tenders/{answered.tender_id}"))
    assert "已处理（驳回投诉）" in workspace and ">dismissed<" not in workspace


def test_a_new_award_decision_voids_the_award(app, session, clock, world, answered):
    row = _filed(session, clock, world, answered)
    complaints.accept_complaint(session, clock, world.supervisor, row.id)
    session.commit()
    ensure_signing(session, clock, world, "supervisor")
    supervisor = signed_in(app, "supervisor")
    assert post_token(supervisor, f"/complaints/{row.id}/decide", {"outcome": "new_award", "decision": "责令重新确定中标人。",
                                                                "pin": SIGNING_PIN}).status_code == 302
    session.expire_all()
    assert session.get(Award, answered.id).status == "void"


def test_a_rejection_needs_its_reason(app, session, clock, world, answered):
    row = _filed(session, clock, world, answered)
    supervisor = signed_in(app, "supervisor")
    assert_refused(post_token(supervisor, f"/complaints/{row.id}/reject", {"reason": " "}), 400, "请填写 2 到 5000 字的内容")
    assert post_token(supervisor, f"/complaints/{row.id}/reject", {"reason": "超过投诉期限。"}).status_code == 302
    page = page_text(signed_in(app, "bidder3").get(f"/complaints/{row.id}"))
    assert "不予受理" in page and "超过投诉期限。" in page


def test_a_complaint_by_someone_who_is_not_a_bidder_is_refused(app, session, clock, world, answered):
    outsider = signed_in(app, outsider_bidder(session, clock, world))
    assert "只有本项目的投标人可以投诉" in page_text(outsider.get(f"/complaints/tenders/{answered.tender_id}"))
    assert_refused(_file(outsider, answered, award_id=""), 403, "只有本项目的投标人可以投诉")
    for username in ("agent", "tenderee", "supervisor", "expert"):
        assert _file(signed_in(app, username), answered).status_code == 403, username
    assert _count(session) == 0


def test_a_complaint_about_the_result_before_the_objection_is_refused(app, session, answered):
    bidder = signed_in(app, "bidder2")  # never objected
    assert_refused(_file(bidder, answered), 422, "应当先向招标人提出异议")
    assert _count(session) == 0
    assert _file(bidder, answered, award_id="", subject="开标过程投诉").status_code == 302  # not about the result


def test_unknown_ids_are_404(app, session, clock, world, answered):
    bidder = signed_in(app, "bidder3")
    assert bidder.get(f"/complaints/tenders/{NO_SUCH}").status_code == 404
    assert post_token(bidder, f"/complaints/tenders/{NO_SUCH}", {"subject": SUBJECT, "body": BODY}).status_code == 404
    supervisor = signed_in(app, "supervisor")
    for path in (f"/complaints/{NO_SUCH}", f"/complaints/{NO_SUCH}/decision.pdf"):
        assert supervisor.get(path).status_code == 404, path
    for tail in ("accept", "reject", "decide"):
        assert post_token(supervisor, f"/complaints/{NO_SUCH}/{tail}", {"reason": "理由。", "decision": "决定。",
                                                                        "outcome": "dismissed"}).status_code == 404, tail
    for tail in ("suspend", "resume"):
        assert post_token(supervisor, f"/supervisor/tenders/{NO_SUCH}/{tail}", {"reason": "理由。"}).status_code == 404
    assert signed_in(app, "bidder1").get(f"/bidder/notices/{NO_SUCH}/pdf").status_code == 404
    assert post_token(bidder, f"/complaints/{NO_SUCH}/accept").status_code == 403


# --- suspension, notices -------------------------------------------------------------------------------------------


def test_no_award_notice_during_a_suspension_and_the_notices_on_the_dashboard(app, session, clock, store, world):
    award = decided_award(session, clock, store, world)
    supervisor = signed_in(app, "supervisor")
    workspace = f"/supervisor/tenders/{award.tender_id}"
    assert 'id="suspend-form"' in page_text(supervisor.get(workspace))
    assert_refused(post_token(supervisor, f"{workspace}/suspend", {"reason": ""}), 400, "请填写 2 到 5000 字的内容")
    assert post_token(signed_in(app, "agent"), f"{workspace}/suspend", {"reason": "处理投诉。"}).status_code == 403
    assert post_token(supervisor, f"{workspace}/suspend", {"reason": "处理投诉期间暂停。"}).status_code == 302
    session.expire_all()
    assert session.get(Tender, award.tender_id).status == "suspended"
    assert 'id="resume-form"' in page_text(supervisor.get(workspace))
    assert "行政监督部门暂停" in page_text(app.test_client().get(f"/tenders/{award.tender_id}"))
    assert_refused(post_token(supervisor, f"{workspace}/suspend", {"reason": "再次暂停。"}), 409, "不能暂停")
    ensure_signing(session, clock, world, "tenderee")
    tenderee = signed_in(app, "tenderee")
    assert_refused(post_token(tenderee, f"/award/{award.id}/notices", {"pin": SIGNING_PIN}), 409, "招标项目已暂停")
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AwardNotice)) == 0
    assert post_token(supervisor, f"{workspace}/resume").status_code == 302
    assert_refused(post_token(supervisor, f"{workspace}/resume"), 409, "该项目未暂停")
    session.expire_all()
    assert session.get(Tender, award.tender_id).status != "suspended"

    assert post_token(tenderee, f"/award/{award.id}/notices", {"pin": SIGNING_PIN}).status_code == 302
    winner = session.get(Award, award.id).winner_org_id
    name = next(u for u, b in zip(("bidder1", "bidder2", "bidder3"), world.bidders, strict=True) if b.org_id == winner)
    loser = next(u for u in ("bidder1", "bidder2", "bidder3") if u != name)
    bidder = signed_in(app, name)
    dashboard = page_text(bidder.get("/bidder/"))
    notice = session.scalars(select(AwardNotice).where(AwardNotice.bidder_org_id == winner)).one()
    assert "中标通知书" in dashboard and f"/bidder/notices/{notice.id}/pdf" in dashboard and "未查阅" in dashboard
    assert signed_in(app, loser).get(f"/bidder/notices/{notice.id}/pdf").status_code == 404
    assert "中标结果通知书" in page_text(signed_in(app, loser).get("/bidder/"))
    pdf = bidder.get(f"/bidder/notices/{notice.id}/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    session.expire_all()
    assert session.get(AwardNotice, notice.id).read_at == clock.now()
    assert "已于" in page_text(bidder.get("/bidder/"))
    assert signed_in(app, "tenderee").get(f"/bidder/notices/{notice.id}/pdf").status_code == 403


# --- the supervisor's index ---------------------------------------------------------------------------------------


def test_the_supervisors_index_lists_what_is_overdue_and_the_savings(app, session, clock, store, world):
    built = evaluated(session, clock, store, world)
    shown = publish_candidates(session, clock, store, world, built.award)
    objection = award_objections.raise_objection(session, clock, world.bidders[1], shown.id, OBJECTION)
    session.commit()
    supervisor = signed_in(app, "supervisor")
    page = page_text(supervisor.get("/supervisor/"))
    assert "暂无逾期事项" in page and 'id="savings"' not in page
    clock.set(objection.answer_due + timedelta(hours=1))
    page = page_text(supervisor.get("/supervisor/"))
    assert 'id="overdue-objections"' in page and "投标公司2" in page
    award_objections.answer_objection(session, clock, world.tenderee, objection.id, "已核查。")
    session.commit()
    found = notify(session, clock, store, world, built.award)
    clock.advance(timedelta(days=31))
    page = page_text(supervisor.get("/supervisor/"))
    assert 'id="overdue-contracts"' in page and "逾期未订立合同" in page
    bond_release.record_contract(session, clock, world.tenderee, found.tender_id, 1, winner_org_id=found.winner_org_id,
                                 price=publicity.winning_price(found), signed_at=clock.now(), performance_bond=None)
    session.commit()
    page = page_text(supervisor.get("/supervisor/"))
    estimate = found.section.estimated_price
    rate = ((estimate - publicity.winning_price(found)) / estimate * 100).quantize(Decimal("0.01"))
    assert 'id="savings"' in page and f"{rate}%" in page and 'id="overdue-contracts"' not in page
