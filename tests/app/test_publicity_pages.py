"""公示 through the pages: anyone reads the publicity list, each publicity with its signed PDF, the candidates, the
period and how to object, linked from the tender's notice page; a bidder of the section objects while it runs and
reads the answer; the tenderee (or agent) answers on the award's objections page; every bad input (an objection
after the period by the server's clock, by a non-bidder, an empty text, an unknown id) is a 4xx with the domain's
reason, never a 500, with nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bidding import award_objections
from bidding.award_models import AwardObjection, Publicity
from tests.app.helpers import assert_refused, outsider_bidder, page_text, post_token, signed_in
from tests.bidding.awarding import evaluated
from tests.bidding.publicizing import publish_candidates

CSRF_MESSAGE = "表单已过期或缺少安全令牌，请返回刷新页面后重试。"
NO_SUCH = 999999
OBJECTION = "第一中标候选人的项目经理有在建工程，请核查。"


@pytest.fixture
def store(app):
    return app.extensions["sealbid"].store


@pytest.fixture
def shown(session, clock, store, world) -> Publicity:
    """An evaluated tender whose candidates the agent published for 3 days."""
    built = evaluated(session, clock, store, world)
    return publish_candidates(session, clock, store, world, built.award)


def _objections(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AwardObjection))


# --- everyone -------------------------------------------------------------------------------------------------------


def test_anyone_reads_the_publicity_its_pdf_and_how_to_object(client, session, shown):
    award = shown.award
    listing = page_text(client.get("/publicity/"))
    assert f"/publicity/{shown.id}" in listing and award.tender.title in listing and "公示中" in listing
    assert f"/publicity/{shown.id}" in page_text(client.get("/publicity/?status=running"))
    assert f"/publicity/{shown.id}" not in page_text(client.get("/publicity/?status=ended"))
    page = page_text(client.get(f"/publicity/{shown.id}"))
    assert "中标候选人公示" in page and "投标公司" in page and "条例第54条" in page and "条例第60条" in page
    assert f"/publicity/{shown.id}/record.pdf" in page and "登录后提出异议" in page
    assert 'name="body"' not in page  # no objection form for the anonymous
    pdf = client.get(f"/publicity/{shown.id}/record.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    notice = page_text(client.get(f"/tenders/{award.tender_id}"))
    assert 'id="publicity"' in notice and f"/publicity/{shown.id}" in notice


def test_unknown_publicities_are_404(client):
    for path in (f"/publicity/{NO_SUCH}", f"/publicity/{NO_SUCH}/record.pdf", "/publicity/99999999999999999999"):
        assert client.get(path).status_code == 404, path


def test_the_list_after_the_period_shows_it_ended(client, clock, shown):
    clock.set(shown.ends_at + timedelta(seconds=1))
    listing = page_text(client.get("/publicity/"))
    assert f"/publicity/{shown.id}" in listing and "公示中" not in listing.split('id="publicities"')[1]
    assert 'name="body"' not in page_text(client.get(f"/publicity/{shown.id}"))


# --- a bidder objects, the tenderee answers ------------------------------------------------------------------------


def test_a_bidder_objects_and_the_tenderee_answers(app, session, clock, shown):
    bidder = signed_in(app, "bidder3")
    page = page_text(bidder.get(f"/publicity/{shown.id}"))
    assert 'id="objection-form"' in page
    target = f"/publicity/{shown.id}/objections"
    assert_refused(post_token(bidder, target, {"body": " "}), 400, "请填写 2 到 5000 字的内容")
    assert_refused(bidder.post(target, data={"body": OBJECTION}), 400, CSRF_MESSAGE)
    assert _objections(session) == 0
    done = post_token(bidder, target, {"body": OBJECTION})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/publicity/{shown.id}#objections")
    page = page_text(bidder.get(f"/publicity/{shown.id}"))
    assert OBJECTION in page and "待答复" in page
    objection = session.scalars(select(AwardObjection)).one()
    # another bidder sees only its own (none)
    assert OBJECTION not in page_text(signed_in(app, "bidder2").get(f"/publicity/{shown.id}"))

    tenderee = signed_in(app, "tenderee")
    assert f"/publicity/awards/{shown.award_id}/objections" in page_text(tenderee.get(f"/publicity/{shown.id}"))
    listing = page_text(tenderee.get(f"/publicity/awards/{shown.award_id}/objections"))
    assert OBJECTION in listing and "投标公司3" in listing and 'name="answer"' in listing
    answer = f"/publicity/objections/{objection.id}/answer"
    assert_refused(post_token(tenderee, answer, {"answer": ""}), 400, "请填写 2 到 5000 字的内容")
    assert post_token(tenderee, answer, {"answer": "经核查，该项目经理无在建工程。"}).status_code == 302
    assert_refused(post_token(tenderee, answer, {"answer": "再次答复。"}), 409, "该异议已答复")
    session.expire_all()
    assert session.get(AwardObjection, objection.id).answer == "经核查，该项目经理无在建工程。"
    assert "经核查，该项目经理无在建工程。" in page_text(bidder.get(f"/publicity/{shown.id}"))
    # supervisors read the objections; they do not answer
    supervisor = signed_in(app, "supervisor")
    seen = page_text(supervisor.get(f"/publicity/awards/{shown.award_id}/objections"))
    assert OBJECTION in seen and 'name="answer"' not in seen
    assert post_token(supervisor, answer, {"answer": "监督答复"}).status_code == 403


def test_an_objection_after_the_period_is_refused_by_the_server_clock(app, session, clock, shown):
    bidder = signed_in(app, "bidder2")
    clock.set(shown.ends_at)
    assert_refused(post_token(bidder, f"/publicity/{shown.id}/objections", {"body": OBJECTION}), 422, "应当在公示期间提出")
    assert _objections(session) == 0


def test_an_objection_by_a_non_bidder_is_refused(app, session, clock, world, shown):
    outsider = signed_in(app, outsider_bidder(session, clock, world))
    assert 'id="objection-form"' not in page_text(outsider.get(f"/publicity/{shown.id}"))
    assert_refused(post_token(outsider, f"/publicity/{shown.id}/objections", {"body": OBJECTION}), 403, "只有本标段的投标人")
    for username in ("agent", "tenderee", "supervisor"):
        assert post_token(signed_in(app, username), f"/publicity/{shown.id}/objections",
                          {"body": OBJECTION}).status_code == 403
    assert app.test_client().post(f"/publicity/{shown.id}/objections").status_code in (302, 400)
    assert _objections(session) == 0


def test_answering_is_for_the_tenders_managers_and_unknown_ids_are_404(app, session, clock, world, shown):
    objection = award_objections.raise_objection(session, clock, world.bidders[0], shown.id, OBJECTION)
    session.commit()
    other = signed_in(app, "agent2")
    assert_refused(other.get(f"/publicity/awards/{shown.award_id}/objections"), 403, "只有本项目的招标代理或招标人")
    assert_refused(post_token(other, f"/publicity/objections/{objection.id}/answer", {"answer": "答复。"}), 403,
                   "只有本项目的招标代理或招标人")
    agent = signed_in(app, "agent")
    assert agent.get(f"/publicity/awards/{NO_SUCH}/objections").status_code == 404
    assert post_token(agent, f"/publicity/objections/{NO_SUCH}/answer", {"answer": "答复。"}).status_code == 404
    assert post_token(agent, f"/publicity/{NO_SUCH}/objections", {"body": OBJECTION}).status_code == 403  # not a bidder
    assert post_token(signed_in(app, "bidder1"), f"/publicity/{NO_SUCH}/objections",
                      {"body": OBJECTION}).status_code == 404
    assert post_token(agent, f"/publicity/objections/{objection.id}/answer", {"answer": "已核查。"}).status_code == 302
    session.expire_all()
    assert session.get(AwardObjection, objection.id).answered_by == world.agent.user_id
