"""评标 pages (bidding/evaluation.py, evaluation_report.py, expert_ratings.py):

- the tender's agent: sets up a section's evaluation once the opening record is signed (a standard 综合评估法
  template it only adjusts), then sees the stage and the counts only (招标代理退出评标室: no names, no marks, no
  scores) until the report is signed by everyone; then the report, the score sheet and the rating of each expert;
- the tenderee: names its representatives when the setup reserved seats for them, and rates the experts afterwards;
- each member (drawn expert or tenderee representative): the room — sign-in at the venue, the heartbeat, the bidder
  list and the recusal declaration, the chair's election, the review sheet, the chair's controls (closing the
  review, clarifications, abnormally low prices, price adjustments), the scoring sheet with live totals, deviation
  explanations, dissent and the report's signature with the signing PIN;
- the bidder: the clarification requests addressed to it, answered before their deadline;
- supervisors: every evaluation with everything in it, the recomputation, the ratings and the sanctions.

Views only parse, call the domain and render; every rule and refusal is the domain's (a refusal becomes a 4xx with
the domain's message in the user's language).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from sqlalchemy import select

from app.auth import current_actor, login_required
from app.errors import status_for
from app.i18n import error_message
from app.services import clock, db, signing_settings, store
from app.web.forms import attempt, checkbox, form_rows, local_time, required_id, row_id, text
from bidding import draw_parties, evaluation, evaluation_report, expert_ratings
from bidding.access import is_agent, is_tenderee
from bidding.evaluation import ReviewItem, ScoreItem, Setup
from bidding.evaluation_models import RATING_ASPECTS, Evaluation, EvaluationMember
from bidding.notices import Signing
from bidding.price_rules import MeanDeviationRule
from core.actor import Role
from core.errors import N_, DomainError, InvalidInput, NotFound, phrase
from core.identity import User
from expert_pool import draw
from expert_pool.models import Expert

bp = Blueprint("evaluation", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REVIEW_FIELD = re.compile(r"^review-(\d{1,3})-(\w+)$")
SCORE_FIELD = re.compile(r"^score-(\d{1,3})-(\w+)$")
MARK_FIELD = re.compile(r"^mark-(\d{1,10})$")
POINTS_FIELD = re.compile(r"^points-(\d{1,10})$")
MAX_NUMBER_DIGITS = 6
BLANK_REVIEW_ROWS, BLANK_SCORE_ROWS = 2, 2
MEMBERS = (Role.EXPERT, Role.TENDEREE)
RATERS = (Role.AGENT, Role.TENDEREE, Role.SUPERVISOR)

# A standard 综合评估法 template (技术 40 / 商务 20 / 价格 40), as many tender documents set it out: the clerk adjusts
# it to the documents rather than typing it. The names are data copied into the signed (Chinese) report.
DEFAULT_REVIEW = (
    ("营业执照和资质证书", "qualification"),
    ("项目负责人资格", "qualification"),
    ("财务状况和类似项目业绩", "qualification"),
    ("投标函签字盖章", "compliance"),
    ("投标有效期", "compliance"),
    ("工期和质量标准", "compliance"),
    ("投标报价唯一", "compliance"),
)
DEFAULT_SCORING = (
    ("技术部分", "施工组织设计", "20", False),
    ("技术部分", "项目管理机构", "10", False),
    ("技术部分", "质量、安全和环保措施", "10", False),
    ("商务部分", "企业业绩", "10", True),
    ("商务部分", "企业信誉", "5", True),
    ("商务部分", "财务状况", "5", True),
)
DEFAULT_PRICE = {"price_group": "投标报价", "price_full": "40", "price_e_above": "2", "price_e_below": "1",
                 "price_k": "0", "price_drop_from": ""}
DEFAULT_OPTIONS = {"candidates": "3", "ranked": "ranked", "deviation_threshold_pct": "20",
                   "low_price_trigger_pct": "15", "low_price_answer_minutes": "60"}

METHOD_LABELS = {"comprehensive": N_("综合评估法"), "lowest_evaluated_price": N_("经评审的最低投标价法")}
KIND_LABELS = {"expert": N_("评标专家"), "representative": N_("招标人代表")}
REVIEW_KIND_LABELS = {"qualification": N_("资格评审"), "compliance": N_("符合性评审")}
CRITERION_KIND_LABELS = {"qualification": N_("资格评审"), "compliance": N_("符合性评审"),
                         "bond": N_("投标保证金（平台核验）"), "price_limit": N_("投标报价（平台核验）"),
                         "subjective": N_("主观分"), "objective": N_("客观分"), "price": N_("价格分（公式计算）")}
BIDDER_STATUS_LABELS = {"valid": N_("有效"), "rejected": N_("已否决")}
LOW_PRICE_LABELS = {"flagged": N_("异常低价，待认定"), "accepted": N_("说明合理，不认定低于成本"),
                    "rejected": N_("认定低于成本，否决")}
CLARIFICATION_KIND_LABELS = {"question": N_("澄清"), "low_price": N_("异常低价说明")}
RATER_LABELS = {"agent": N_("招标代理"), "tenderee": N_("招标人"), "supervisor": N_("监督人员")}
SANCTION_LABELS = {"suspended": N_("暂停"), "removed": N_("清退")}
EXPERT_STATUS_LABELS = {"active": N_("在库"), "suspended": N_("已暂停"), "removed": N_("已清退")}
# The steps as a member lives them (the chair's election happens within the sign-in stage).
STEPS = {
    "comprehensive": (("sign_in", N_("签到和回避声明")), ("chair", N_("组长推选")), ("review", N_("资格和符合性评审")),
                      ("scoring", N_("详细评审打分")), ("report", N_("偏离说明和组长签署")),
                      ("signing", N_("全体成员签署评标报告")), ("closed", N_("评标结束"))),
    "lowest_evaluated_price": (("sign_in", N_("签到和回避声明")), ("chair", N_("组长推选")),
                               ("review", N_("资格和符合性评审")), ("pricing", N_("评标价格调整")),
                               ("report", N_("组长签署评标报告")), ("signing", N_("全体成员签署评标报告")),
                               ("closed", N_("评标结束"))),
}


def _labels() -> dict[str, Any]:
    return {"status": evaluation.STATUS_LABELS, "method": METHOD_LABELS, "kind": KIND_LABELS,
            "review_kind": REVIEW_KIND_LABELS, "criterion_kind": CRITERION_KIND_LABELS, "venue": draw.VENUE_LABELS,
            "bidder_status": BIDDER_STATUS_LABELS, "low_price": LOW_PRICE_LABELS,
            "clarification": CLARIFICATION_KIND_LABELS, "aspect": expert_ratings.ASPECT_LABELS,
            "rater": RATER_LABELS, "sanction": SANCTION_LABELS, "expert_status": EXPERT_STATUS_LABELS}


def _render(template: str, **context: Any) -> str:
    return render_template(template, L=_labels(), aspects=RATING_ASPECTS, **context)


# --- reading forms ------------------------------------------------------------------------------------------------


def _whole(name: str, label: str, *, default: int | None = None) -> int | None:
    """A whole number typed into a form; empty gives ``default``; a huge one is handed on for the domain's range."""
    raw = text(name)
    if not raw:
        return default
    digits = raw.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidInput(N_("%(label)s：请填写整数。"), field=name, label=phrase(label))
    digits = digits.lstrip("0") or "0"
    number = int(digits) if len(digits) <= MAX_NUMBER_DIGITS else 10**MAX_NUMBER_DIGITS
    return -number if raw.startswith("-") else number


def _number_text(value: str, name: str, label: str) -> str:
    """A decimal number typed into a form, as text (the domain checks its range and its decimals)."""
    value = value.strip().replace(",", "").replace("，", "")
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or len(value) > 30:
        raise InvalidInput(N_("%(label)s：请填写数字。"), field=name, label=phrase(label))
    return value


def _review_rows() -> list[dict[str, str]]:
    return [r for r in form_rows(REVIEW_FIELD) if r.get("name") or r.get("basis")]


def _score_rows() -> list[dict[str, str]]:
    return [r for r in form_rows(SCORE_FIELD) if r.get("group") or r.get("name") or r.get("max")]


def _setup_from_form(method: str) -> Setup:
    """The posted setup in the domain's shape; the domain checks every rule (sums, ranges, the committee size)."""
    review = tuple(ReviewItem(r.get("name", ""), r.get("kind") or "compliance", r.get("basis", "")) for r in _review_rows())
    scoring: tuple[ScoreItem, ...] = ()
    price_rule = None
    if method == "comprehensive":
        items = []
        for number, row in enumerate(_score_rows(), start=1):
            try:
                points = _number_text(row.get("max", ""), "score_items", N_("满分"))
            except InvalidInput as error:
                raise InvalidInput(N_("第 %(n)s 项评分因素的满分请填写数字。"), field="score_items", n=number) from error
            items.append(ScoreItem(row.get("group", ""), row.get("name", ""), points, row.get("objective") == "on",
                                   row.get("basis", "")))
        scoring = tuple(items)
        price_rule = MeanDeviationRule(
            full_marks=Decimal(_number_text(text("price_full"), "price_full", N_("价格分满分"))),
            e_above=Decimal(_number_text(text("price_e_above"), "price_e_above", N_("高于基准价每 1% 扣分（E1）"))),
            e_below=Decimal(_number_text(text("price_e_below"), "price_e_below", N_("低于基准价每 1% 扣分（E2）"))),
            k=Decimal(_number_text(text("price_k") or "0", "price_k", N_("下浮系数 K"))),
            drop_extremes_from=_whole("price_drop_from", N_("去掉最高和最低报价的起点")))
    trigger = text("low_price_trigger_pct")
    return Setup(
        review_items=review,
        score_items=scoring,
        price_rule=price_rule,
        price_group=text("price_group") or DEFAULT_PRICE["price_group"],
        drop_extremes=checkbox("drop_extremes"),
        deviation_threshold_pct=_number_text(text("deviation_threshold_pct"), "deviation_threshold_pct",
                                             N_("偏离度阈值")),
        candidates=_whole("candidates", N_("推荐中标候选人人数"), default=3) or 0,
        ranked=text("ranked") != "unranked",
        low_price_trigger_pct=_number_text(trigger, "low_price_trigger_pct", N_("异常低价触发比例")) if trigger else None,
        low_price_answer_minutes=_whole("low_price_answer_minutes", N_("异常低价说明期限"), default=60) or 0,
    )


def _marks(own: dict[int, Any], criteria: dict[int, Any]) -> dict[int, tuple[bool, str]]:
    """The review sheet of one bid: every item the member chose; a platform pre-answer is sent only when the member
    changed it or wrote a reason, so an untouched pre-answer stays the platform's."""
    marks: dict[int, tuple[bool, str]] = {}
    for key in request.form:
        match = MARK_FIELD.match(key)
        if not match:
            continue
        criterion_id, choice = int(match.group(1)), request.form.get(key, "")
        if choice not in ("pass", "fail"):
            continue
        passed, reason = choice == "pass", text(f"reason-{criterion_id}")
        previous = own.get(criterion_id)
        if previous is not None and previous.automatic and previous.passed == passed and not reason:
            continue
        if criterion_id not in criteria:
            raise InvalidInput(N_("评审因素不属于本次评标。"), field="marks")
        marks[criterion_id] = (passed, reason)
    return marks


def _points() -> dict[int, str]:
    """The scoring sheet of one bid: every item with something typed in (the domain checks each value)."""
    points: dict[int, str] = {}
    for key in request.form:
        match = POINTS_FIELD.match(key)
        value = request.form.get(key, "").strip()
        if match and value:
            points[int(match.group(1))] = value
    return points


# --- what the pages show ------------------------------------------------------------------------------------------


def _my_evaluations(actor) -> list[tuple[Evaluation, EvaluationMember]]:
    """The evaluations in which the actor holds a seat (the domain has no list of them yet; read-only)."""
    rows = db().execute(select(Evaluation, EvaluationMember)
                        .join(EvaluationMember, EvaluationMember.evaluation_id == Evaluation.id)
                        .where(EvaluationMember.user_id == actor.user_id)
                        .order_by(Evaluation.id.desc())).all()
    return [(e, m) for e, m in rows]


def _tenderee_users(found: Evaluation) -> list[User]:
    """Active users of the tenderee's organisation, for naming representatives (the domain checks the choice)."""
    return list(db().scalars(select(User).where(User.organisation_id == found.tender.tenderee_org_id,
                                                User.active.is_(True)).order_by(User.id)))


def _version(progress: evaluation.Progress, answered: int = 0) -> str:
    """What changes when the committee moves on: the room reloads itself when it differs (evaluation.js)."""
    return "|".join(str(v) for v in (progress.status, progress.seated, progress.signed_in, progress.declared,
                                     progress.chair_elected, progress.scores_submitted, progress.signatures, answered))


def _score_table(found: Evaluation, view: evaluation.ScoreView) -> dict[tuple[int, int, int], Decimal]:
    return {(s.member_id, s.bidder_id, s.criterion_id): s.points for s in view.scores}


def _result(found: Evaluation) -> dict[str, Any] | None:
    """The frozen committee result with the price computation, for readers the domain already let in."""
    if found.result is None:
        return None
    inputs = json.loads(found.price_inputs or "{}")
    return {"result": json.loads(found.result), "price_scores": {k: v for k, v in inputs.get("scores", {}).items()},
            "inputs": inputs}


def _steps(found: Evaluation) -> list[dict[str, Any]]:
    """The member's steps, each done, current or to come."""
    order = [key for key, _ in STEPS[found.method]]
    current = found.status
    if current in ("representatives", "sign_in"):
        current = "chair" if evaluation.committee_ready(found) else "sign_in"
    if current == "low_price":
        current = "review"
    index = order.index(current) if current in order else 0
    return [{"key": key, "label": label, "state": "done" if i < index or current == "closed" else
             ("now" if i == index else "later")} for i, (key, label) in enumerate(STEPS[found.method])]


def _next_step(found: Evaluation, me: EvaluationMember, progress: evaluation.Progress,
               my_deviations: list[Any]) -> str:
    """What the member should do now, as one key the room explains in plain words."""
    chair = found.chair_member_id == me.id
    status = found.status
    if status == "representatives":
        return "wait_representatives"
    if status == "sign_in":
        if me.signed_in_at is None:
            return "sign_in"
        if me.declaration is None:
            return "declare"
        if progress.seated < progress.seats or progress.declared < progress.seats:
            return "wait_committee"
        return "wait_vote" if me.vote_round == found.election_round else "vote"
    if status == "review":
        return "review_chair" if chair else "review"
    if status == "low_price":
        return "low_price_chair" if chair else "low_price"
    if status == "scoring":
        return "wait_scores" if me.scores_submitted_at else "scoring"
    if status == "pricing":
        return "pricing_chair" if chair else "pricing"
    if status == "report":
        if any(n.member_id == me.id and n.explained_at is None for n in my_deviations):
            return "explain"
        return "sign_chair" if chair else "wait_chair"
    if status == "signing":
        return "wait_signatures" if me.report_signed_at or me.refused_at else "sign"
    return "closed"


def _room_page(evaluation_id: int):
    actor = current_actor()
    session = db()
    found = evaluation.get_evaluation(session, evaluation_id)
    people = evaluation.present(session, clock(), found)  # seats a backup who confirmed meanwhile
    me = evaluation.require_member(found, actor)
    progress = evaluation.progress(session, actor, found.id)
    bidders = evaluation.bidder_list(session, actor, found.id) if me.signed_in_at else []
    documents = ({b.id: files for b, files in evaluation.bid_documents(session, actor, found.id)}
                 if me.declaration is not None else {})
    asked = evaluation.clarifications(session, actor, found.id)
    deviations = [n for n in evaluation.deviation_notes(session, found) if n.member_id == me.id]
    names = {b.bidder_id: b.name for b in bidders}
    chair = found.chair_member_id == me.id
    members = evaluation.active_members(found)
    now = clock().now()
    return _render(
        "evaluation/room.html", ev=found, me=me, chair=chair, progress=progress, people=people, bidders=bidders,
        documents=documents,
        names=names, clarifications=asked, deviations=deviations, steps=_steps(found),
        todo=_next_step(found, me, progress, deviations),
        candidates=[m for m in members if m.kind == "expert"],
        unsigned=[m for m in members if m.report_signed_at is None and m.refused_at is None and m.id != me.id],
        signers=members,
        adjustments=(evaluation.price_adjustments(session, found)
                     if found.status in ("pricing", "report", "signing", "closed") else []),
        venue_default=me.last_seen_venue or me.sign_in_venue or me.venue_place,
        deadline_default=(now + timedelta(hours=1)), version=_version(progress, sum(1 for c in asked if c.answer)),
        result=_result(found) if found.result else None, present_count=sum(1 for p in people if p.present),
        evaluation_at=draw.get_draw(session, found.draw_id).evaluation_at)


def _to_room(evaluation_id: int, message: str, anchor: str | None = None):
    def done(_result: Any):
        flash(message, "success")
        return redirect(url_for("evaluation.room", evaluation_id=evaluation_id, _anchor=anchor))

    return done


def _sheet_context(evaluation_id: int) -> dict[str, Any]:
    """What the review and scoring sheets share: the evaluation, the reader's seat (if any), the bids."""
    actor = current_actor()
    found = evaluation.get_evaluation(db(), evaluation_id)
    role = evaluation.watcher(found, actor)  # the agent and the tenderee are refused while it runs
    me = evaluation.member_of(found, actor)
    bidders = evaluation.bidder_list(db(), actor, found.id)
    return {"ev": found, "me": me, "role": role, "bidders": bidders, "names": {b.bidder_id: b.name for b in bidders},
            "members": evaluation.active_members(found)}


def _review_page(evaluation_id: int):
    context = _sheet_context(evaluation_id)
    found, me = context["ev"], context["me"]
    view = evaluation.review_view(db(), current_actor(), found.id)
    mine = {(m.bidder_id, m.criterion_id): m for m in view.marks if me is not None and m.member_id == me.id}
    everyone = {(m.member_id, m.bidder_id, m.criterion_id): m for m in view.marks}
    results = {(r.bidder_id, r.criterion_id): r for r in view.results or []}
    done = {b.bidder_id: sum(1 for c in evaluation.review_criteria(found) if (b.bidder_id, c.id) in mine)
            for b in context["bidders"]}
    return _render("evaluation/review.html", criteria=evaluation.review_criteria(found), mine=mine, everyone=everyone,
                   results=results, done=done, editable=me is not None and found.status == "review", **context)


def _scoring_page(evaluation_id: int):
    context = _sheet_context(evaluation_id)
    found, me = context["ev"], context["me"]
    view = evaluation.score_view(db(), current_actor(), found.id)
    table = _score_table(found, view)
    criteria = evaluation.score_criteria(found)
    typed = [c for c in criteria if c.kind != "price"]
    done = {b.bidder_id: sum(1 for c in typed if me is not None and (me.id, b.bidder_id, c.id) in table)
            for b in context["bidders"]}
    return _render("evaluation/scoring.html", criteria=criteria, typed=typed, table=table, view=view, done=done,
                   typed_max=sum((c.max_points for c in typed), Decimal(0)),
                   editable=me is not None and found.status == "scoring" and me.scores_submitted_at is None,
                   result=_result(found), **context)


# --- the agent and the tenderee ---------------------------------------------------------------------------------


def _posted_rows(rows: list[dict[str, str]], blanks: int) -> list[dict[str, str]]:
    return rows + [{} for _ in range(blanks)]


def _manage_page(tender_id: int, number: int):
    actor = current_actor()
    session = db()
    tender, section = draw_parties.managed_section(session, actor, tender_id, number)
    found = evaluation.evaluation_for_section(session, section.id)
    context: dict[str, Any] = {"tender": tender, "section": section, "ev": found}
    if found is None:
        posted = request.method == "POST"
        draws = draw.draws_for_section(session, section.id)
        committee = sum(g.count for g in draws[-1].groups) + draws[-1].representatives if draws else 0
        form = request.form if posted else {**DEFAULT_PRICE, **DEFAULT_OPTIONS,
                                            "ranked": "unranked" if tender.award_mode == "separated" else "ranked",
                                            "drop_extremes": "on" if committee >= 7 else ""}
        review_rows = _review_rows() if posted else [{"name": n, "kind": k, "basis": ""} for n, k in DEFAULT_REVIEW]
        score_rows = _score_rows() if posted else [{"group": g, "name": n, "max": m, "objective": "on" if o else ""}
                                                   for g, n, m, o in DEFAULT_SCORING]
        return _render("evaluation/manage.html", form=form, committee=committee, draw=draws[-1] if draws else None,
                       review_rows=_posted_rows(review_rows, BLANK_REVIEW_ROWS),
                       score_rows=_posted_rows(score_rows, BLANK_SCORE_ROWS) if section.evaluation_method ==
                       "comprehensive" else [], can_set_up=is_agent(actor, tender),
                       **context)
    progress = evaluation.progress(session, actor, found.id)
    member = evaluation.member_of(found, actor)
    tenderee = is_tenderee(actor, tender)
    reps = [m for m in found.members if m.kind == "representative" and m.active] if tenderee else []
    closed = found.status == "closed"
    rate = expert_ratings.experts_to_rate(session, actor, found.id) if closed else []
    bidders = evaluation.bidder_list(session, actor, found.id) if closed else []
    return _render(
        "evaluation/manage.html", progress=progress, member=member, is_tenderee=tenderee, reps=reps,
        free_seats=found.representatives - len(reps) if tenderee else 0,
        users=_tenderee_users(found) if tenderee and found.status in ("representatives", "sign_in") else [],
        taken={m.user_id for m in found.members}, to_rate=rate, bidders=bidders,
        names={b.bidder_id: b.name for b in bidders}, result=_result(found) if closed else None,
        ratings=expert_ratings.ratings(session, actor, found.id) if closed else [],
        rated_names={x.expert_id: x.name for x in rate}, **context)


def _manage_path(tender_id: int, number: int, **extra: Any) -> str:
    return url_for("evaluation.manage", tender_id=tender_id, number=number, **extra)


@bp.get("/agency/tenders/<int:tender_id>/sections/<int:number>/evaluation")
@login_required(Role.AGENT, Role.TENDEREE)
def manage(tender_id: int, number: int):
    return _manage_page(tender_id, number)


@bp.post("/agency/tenders/<int:tender_id>/sections/<int:number>/evaluation")
@login_required(Role.AGENT)
def set_up(tender_id: int, number: int):
    def action():
        tender, section = draw_parties.managed_section(db(), current_actor(), tender_id, number)
        return evaluation.set_up(db(), clock(), current_actor(), tender.id, section.number,
                                 _setup_from_form(section.evaluation_method))

    def done(found: Evaluation):
        flash(gettext("评标已组织：评标专家按评标时间在各自场地登录平台签到。评标期间您只能看到进度，看不到评审和打分情况"
                      "（招标代理退出评标室）。"), "success")
        return redirect(_manage_path(tender_id, number))

    return attempt(action, done, lambda: _manage_page(tender_id, number))


@bp.post("/agency/tenders/<int:tender_id>/sections/<int:number>/evaluation/representatives")
@login_required(Role.TENDEREE)
def representatives(tender_id: int, number: int):
    def action():
        _tender, section = draw_parties.managed_section(db(), current_actor(), tender_id, number)
        found = evaluation.evaluation_for_section(db(), section.id)
        if found is None:
            raise NotFound(N_("评标不存在。"))
        ids = [row_id(v) for v in request.form.getlist("user_ids")]
        if not ids or None in ids:
            raise InvalidInput(N_("请选择招标人代表。"), field="user_ids")
        return evaluation.name_representatives(db(), clock(), current_actor(), found.id, [i for i in ids if i])

    def done(added):
        flash(gettext("已指派招标人代表 %(names)s。代表在评标时间登录平台、进入评标室签到。",
                      names="、".join(m.name for m in added)), "success")
        return redirect(_manage_path(tender_id, number))

    return attempt(action, done, lambda: _manage_page(tender_id, number))


# --- ratings (一标一评): the agent, the tenderee and a supervisor --------------------------------------------------


def _rater_page(evaluation_id: int):
    found = evaluation.get_evaluation(db(), evaluation_id)
    if current_actor().has(Role.SUPERVISOR):
        return _supervisor_page(evaluation_id)
    return _manage_page(found.tender_id, found.section.number)


@bp.post("/evaluation/<int:evaluation_id>/ratings")
@login_required(*RATERS)
def rate(evaluation_id: int):
    def action():
        expert_id = required_id("expert_id", N_("请选择评标专家。"))
        ratings = {}
        for aspect in RATING_ASPECTS:
            value = _whole(aspect, expert_ratings.ASPECT_LABELS[aspect])
            ratings[aspect] = value if value is not None else 0
        return expert_ratings.rate_expert(db(), clock(), current_actor(), evaluation_id, expert_id, ratings,
                                          text("comment"))

    def done(rating):
        flash(gettext("已评价该专家（本次评标扣减信用分 %(delta)s 分）。", delta=-rating.credit_delta), "success")
        if current_actor().has(Role.SUPERVISOR):
            return redirect(url_for("evaluation.supervisor_detail", evaluation_id=evaluation_id, _anchor="ratings"))
        found = evaluation.get_evaluation(db(), evaluation_id)
        return redirect(_manage_path(found.tender_id, found.section.number, _anchor="ratings"))

    return attempt(action, done, lambda: _rater_page(evaluation_id))


# --- the members: the room --------------------------------------------------------------------------------------


@bp.get("/evaluation/")
@login_required(*MEMBERS)
def mine():
    return _render("evaluation/mine.html", rows=_my_evaluations(current_actor()))


@bp.get("/evaluation/<int:evaluation_id>")
@login_required(*MEMBERS)
def room(evaluation_id: int):
    return _room_page(evaluation_id)


@bp.post("/evaluation/<int:evaluation_id>/sign-in")
@login_required(*MEMBERS)
def sign_in(evaluation_id: int):
    return attempt(lambda: evaluation.sign_in(db(), clock(), current_actor(), evaluation_id, text("venue")),
                   _to_room(evaluation_id, gettext("签到成功。请查看投标人名单并签署回避声明。"), "declaration"),
                   lambda: _room_page(evaluation_id))


@bp.post("/evaluation/<int:evaluation_id>/heartbeat")
@login_required(*MEMBERS)
def heartbeat(evaluation_id: int):
    """The room reports it is open (every 20 seconds); the answer says whether the committee moved on."""
    session = db()
    try:
        evaluation.heartbeat(session, clock(), current_actor(), evaluation_id, text("venue"))
        evaluation.presence(session, clock(), current_actor(), evaluation_id)  # seats a backup who confirmed
        progress = evaluation.progress(session, current_actor(), evaluation_id)
        answered = sum(1 for c in evaluation.clarifications(session, current_actor(), evaluation_id) if c.answer)
        session.commit()
    except DomainError as error:
        session.rollback()
        return jsonify({"error": {"code": error.code, "message": error_message(error)}}), status_for(error)
    return jsonify({"status": progress.status, "version": _version(progress, answered),
                    "now": clock().now().isoformat()})


@bp.post("/evaluation/<int:evaluation_id>/declaration")
@login_required(*MEMBERS)
def declare(evaluation_id: int):
    conflict = text("conflict") == "yes"

    def action():
        bidder = required_id("bidder_id", N_("请选择与您有利害关系的投标人。")) if conflict else None
        return evaluation.declare(db(), clock(), current_actor(), evaluation_id, bidder, text("note"))

    def done(member: EvaluationMember):
        if member.declaration == "conflict":
            flash(gettext("您已声明与投标人存在利害关系并回避，本次评标您的工作已结束。平台将通知备选专家递补。"), "info")
            return redirect(url_for("evaluation.mine"))
        flash(gettext("回避声明已签署。全体成员签到并声明后推选组长。"), "success")
        return redirect(url_for("evaluation.room", evaluation_id=evaluation_id, _anchor="chair"))

    return attempt(action, done, lambda: _room_page(evaluation_id))


@bp.post("/evaluation/<int:evaluation_id>/vote")
@login_required(*MEMBERS)
def vote(evaluation_id: int):
    def action():
        return evaluation.vote_chair(db(), clock(), current_actor(), evaluation_id,
                                     required_id("candidate", N_("请选择组长人选。")))

    def done(found: Evaluation):
        message = (gettext("已投票，组长已选出。请开始资格和符合性评审。") if found.chair_member_id
                   else gettext("已投票，等待其他成员投票。"))
        flash(message, "success")
        return redirect(url_for("evaluation.room", evaluation_id=evaluation_id))

    return attempt(action, done, lambda: _room_page(evaluation_id))


# --- the review -------------------------------------------------------------------------------------------------


@bp.get("/evaluation/<int:evaluation_id>/review")
@login_required()
def review(evaluation_id: int):
    return _review_page(evaluation_id)


@bp.post("/evaluation/<int:evaluation_id>/review")
@login_required(*MEMBERS)
def mark(evaluation_id: int):
    def action():
        actor = current_actor()
        bidder_id = required_id("bidder_id", N_("请选择投标人。"))
        found = evaluation.get_evaluation(db(), evaluation_id)
        me = evaluation.require_member(found, actor)
        own = {m.criterion_id: m for m in evaluation.review_view(db(), actor, found.id).marks
               if m.bidder_id == bidder_id and m.member_id == me.id}
        criteria = {c.id: c for c in evaluation.review_criteria(found)}
        return evaluation.mark_review(db(), clock(), actor, found.id, bidder_id, _marks(own, criteria))

    def done(marks):
        flash(gettext("已保存对该投标人的评审。"), "success")
        return redirect(url_for("evaluation.review", evaluation_id=evaluation_id,
                                _anchor=f"bidder-{marks[0].bidder_id}" if marks else None))

    return attempt(action, done, lambda: _review_page(evaluation_id))


@bp.post("/evaluation/<int:evaluation_id>/review/close")
@login_required(*MEMBERS)
def close_review(evaluation_id: int):
    def done(found: Evaluation):
        messages = {"low_price": gettext("评审已结束。有异常低价的投标，平台已要求投标人书面说明。"),
                    "report": gettext("评审已结束，没有有效投标，评标委员会不推荐中标候选人。"),
                    "pricing": gettext("评审已结束。请调整评标价格，然后结束价格比较。")}
        flash(messages.get(found.status, gettext("评审已结束，请各成员打分。")), "success")
        return redirect(url_for("evaluation.room", evaluation_id=evaluation_id))

    return attempt(lambda: evaluation.close_review(db(), clock(), current_actor(), evaluation_id), done,
                   lambda: _room_page(evaluation_id))


@bp.post("/evaluation/<int:evaluation_id>/clarifications")
@login_required(*MEMBERS)
def ask(evaluation_id: int):
    def action():
        return evaluation.ask_clarification(db(), clock(), current_actor(), evaluation_id,
                                            required_id("bidder_id", N_("请选择投标人。")), text("question"),
                                            local_time("deadline", N_("答复期限")))

    return attempt(action, _to_room(evaluation_id, gettext("澄清要求已发给该投标人，答复后显示在本页。"), "clarifications"),
                   lambda: _room_page(evaluation_id))


@bp.post("/evaluation/<int:evaluation_id>/low-price")
@login_required(*MEMBERS)
def low_price(evaluation_id: int):
    def action():
        decision = text("decision")
        if decision not in ("accept", "reject"):
            raise InvalidInput(N_("请选择评标委员会的认定结果。"), field="decision")
        return evaluation.decide_low_price(db(), clock(), current_actor(), evaluation_id,
                                           required_id("bidder_id", N_("请选择投标人。")), decision == "accept",
                                           text("reason"))

    return attempt(action, _to_room(evaluation_id, gettext("已记录评标委员会对异常低价的认定。"), "low-price"),
                   lambda: _room_page(evaluation_id))


# --- scoring and pricing ----------------------------------------------------------------------------------------


@bp.get("/evaluation/<int:evaluation_id>/scoring")
@login_required()
def scoring(evaluation_id: int):
    return _scoring_page(evaluation_id)


@bp.post("/evaluation/<int:evaluation_id>/scoring")
@login_required(*MEMBERS)
def save_scores(evaluation_id: int):
    def action():
        return evaluation.save_scores(db(), clock(), current_actor(), evaluation_id,
                                      required_id("bidder_id", N_("请选择投标人。")), _points())

    def done(scores):
        flash(gettext("已保存对该投标人的打分（草稿，提交前可以修改）。"), "success")
        return redirect(url_for("evaluation.scoring", evaluation_id=evaluation_id,
                                _anchor=f"bidder-{scores[0].bidder_id}" if scores else None))

    return attempt(action, done, lambda: _scoring_page(evaluation_id))


@bp.post("/evaluation/<int:evaluation_id>/scoring/submit")
@login_required(*MEMBERS)
def submit_scores(evaluation_id: int):
    def done(_member):
        flash(gettext("评分已提交，不能再修改。现在可以看到已提交成员的评分。"), "success")
        return redirect(url_for("evaluation.room", evaluation_id=evaluation_id))

    return attempt(lambda: evaluation.submit_scores(db(), clock(), current_actor(), evaluation_id), done,
                   lambda: _scoring_page(evaluation_id))


@bp.post("/evaluation/<int:evaluation_id>/prices")
@login_required(*MEMBERS)
def adjust_price(evaluation_id: int):
    def action():
        amount = _number_text(text("amount"), "amount", N_("调整金额（元）"))
        return evaluation.adjust_price(db(), clock(), current_actor(), evaluation_id,
                                       required_id("bidder_id", N_("请选择投标人。")), amount, text("reason"))

    return attempt(action, _to_room(evaluation_id, gettext("已记录价格调整。"), "pricing"),
                   lambda: _room_page(evaluation_id))


@bp.post("/evaluation/<int:evaluation_id>/prices/finish")
@login_required(*MEMBERS)
def finish_pricing(evaluation_id: int):
    return attempt(lambda: evaluation.finish_pricing(db(), clock(), current_actor(), evaluation_id),
                   _to_room(evaluation_id, gettext("评标价格比较已结束，排序已固定。请组长签署评标报告。")),
                   lambda: _room_page(evaluation_id))


# --- the report -------------------------------------------------------------------------------------------------


@bp.post("/evaluation/<int:evaluation_id>/deviations")
@login_required(*MEMBERS)
def explain(evaluation_id: int):
    def action():
        return evaluation.explain_deviation(db(), clock(), current_actor(), evaluation_id,
                                            required_id("bidder_id", N_("请选择投标人。")), text("explanation"))

    return attempt(action, _to_room(evaluation_id, gettext("偏离说明已记录。"), "deviations"),
                   lambda: _room_page(evaluation_id))


@bp.post("/evaluation/<int:evaluation_id>/dissent")
@login_required(*MEMBERS)
def dissent(evaluation_id: int):
    return attempt(lambda: evaluation.record_dissent(db(), clock(), current_actor(), evaluation_id, text("dissent")),
                   _to_room(evaluation_id, gettext("您的不同意见已记录，将写入您在评标报告上的签名。"), "report"),
                   lambda: _room_page(evaluation_id))


@bp.post("/evaluation/<int:evaluation_id>/refusals")
@login_required(*MEMBERS)
def refusal(evaluation_id: int):
    def action():
        return evaluation.record_refusal(db(), clock(), current_actor(), evaluation_id,
                                         required_id("member_id", N_("请选择拒绝签字的成员。")), text("note"))

    return attempt(action, _to_room(evaluation_id, gettext("已记录该成员拒绝签字（视为同意评标结果）。"), "report"),
                   lambda: _room_page(evaluation_id))


@bp.post("/evaluation/<int:evaluation_id>/report/sign")
@login_required(*MEMBERS)
def sign_report(evaluation_id: int):
    def action():
        pin = request.form.get("pin", "")
        return evaluation_report.sign_report(db(), clock(), current_actor(), evaluation_id,
                                             Signing(signing_settings(), store(), pin))

    def done(signed):
        found = evaluation.get_evaluation(db(), evaluation_id)
        if found.status == "closed":
            message = gettext("评标报告已由全体成员签署（%(n)s 个签名），评标结束。", n=signed.signatures)
        else:
            message = gettext("您已签署评标报告（已有 %(n)s 个签名）。", n=signed.signatures)
        flash(message, "success")
        return redirect(url_for("evaluation.room", evaluation_id=evaluation_id, _anchor="report"))

    return attempt(action, done, lambda: _room_page(evaluation_id))


def _download(data: bytes, mimetype: str, ascii_name: str, name: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/evaluation/<int:evaluation_id>/report.pdf")
@login_required()
def report_pdf(evaluation_id: int):
    data = evaluation_report.report_pdf(db(), current_actor(), evaluation_id, store())
    found = evaluation.get_evaluation(db(), evaluation_id)
    return _download(data, "application/pdf", f"evaluation-report-{found.id}.pdf",
                     gettext("评标报告") + f"-{found.tender.code}-{found.section.number}.pdf")


@bp.get("/evaluation/<int:evaluation_id>/documents/<int:file_id>")
@login_required()
def bid_document(evaluation_id: int, file_id: int):
    """A decrypted bid document, for the committee (after its recusal declaration) and supervisors."""
    document = evaluation.bid_document(db(), current_actor(), evaluation_id, file_id)
    return send_file(store().open(document.sha256), as_attachment=True, download_name=document.name,
                     mimetype="application/pdf" if document.name.lower().endswith(".pdf") else "application/octet-stream",
                     etag=document.sha256)


@bp.get("/evaluation/<int:evaluation_id>/scores.xlsx")
@login_required()
def score_sheet(evaluation_id: int):
    data = evaluation_report.score_sheet_excel(db(), current_actor(), evaluation_id)
    found = evaluation.get_evaluation(db(), evaluation_id)
    return _download(data, XLSX, f"score-sheet-{found.id}.xlsx",
                     gettext("评分表") + f"-{found.tender.code}-{found.section.number}.xlsx")


# --- the bidder: clarification requests -------------------------------------------------------------------------


def _bidder_page():
    actor = current_actor()
    items = evaluation.clarifications_for_bidder(db(), actor)
    now = clock().now()
    statuses = {e: evaluation.get_evaluation(db(), e).status for e in {c.evaluation_id for c in items}}
    rows = [{"item": c, "tender": c.bidder.bid.section.tender, "section": c.bidder.bid.section,
             "open": c.answer is None and now <= c.deadline and statuses[c.evaluation_id] not in ("report", "signing",
                                                                                                   "closed")}
            for c in items]
    return _render("evaluation/bidder.html", rows=rows)


@bp.get("/bidder/clarifications")
@login_required(Role.BIDDER)
def bidder_clarifications():
    return _bidder_page()


@bp.post("/bidder/clarifications/<int:clarification_id>/answer")
@login_required(Role.BIDDER)
def answer(clarification_id: int):
    def done(_item):
        flash(gettext("答复已提交评标委员会。"), "success")
        return redirect(url_for("evaluation.bidder_clarifications"))

    return attempt(lambda: evaluation.answer_clarification(db(), clock(), current_actor(), clarification_id,
                                                           text("answer")), done, _bidder_page)


# --- supervisors ------------------------------------------------------------------------------------------------


@bp.get("/supervisor/evaluations")
@login_required(Role.SUPERVISOR)
def supervisor_list():
    actor = current_actor()
    found = db().scalars(select(Evaluation).order_by(Evaluation.id.desc())).all()  # read-only: every evaluation
    return _render("evaluation/supervisor_list.html",
                   rows=[{"ev": e, "progress": evaluation.progress(db(), actor, e.id)} for e in found])


def _supervisor_page(evaluation_id: int, recomputed: bool | None = None):
    actor = current_actor()
    session = db()
    found = evaluation.get_evaluation(session, evaluation_id)
    review_view = evaluation.review_view(session, actor, found.id)
    scores = evaluation.score_view(session, actor, found.id)
    bidders = evaluation.bidder_list(session, actor, found.id)
    closed = found.status == "closed"
    experts = {m.expert_id: m for m in found.members if m.expert_id is not None}
    statuses = {e.id: e for e in session.scalars(select(Expert).where(Expert.id.in_(list(experts))))} if experts else {}
    return _render(
        "evaluation/supervisor.html", ev=found, progress=evaluation.progress(session, actor, found.id),
        people=evaluation.presence(session, clock(), actor, found.id), bidders=bidders,
        names={b.bidder_id: b.name for b in bidders}, member_names={m.id: m.name for m in found.members},
        review_criteria=evaluation.review_criteria(found), marks={(m.member_id, m.bidder_id, m.criterion_id): m
                                                                  for m in review_view.marks},
        results={(r.bidder_id, r.criterion_id): r for r in review_view.results or []},
        criteria=evaluation.score_criteria(found), table=_score_table(found, scores), submitted=scores.submitted,
        clarifications=evaluation.clarifications(session, actor, found.id),
        deviations=evaluation.deviation_notes(session, found), adjustments=evaluation.price_adjustments(session, found),
        members=evaluation.active_members(found), all_members=found.members, result=_result(found),
        recomputed=recomputed, ratings=expert_ratings.ratings(session, actor, found.id), experts=experts,
        expert_rows=statuses, rated_names={k: m.name for k, m in experts.items()},
        to_rate=expert_ratings.experts_to_rate(session, actor, found.id) if closed else [],
        draw_id=found.draw_id)


@bp.get("/supervisor/evaluations/<int:evaluation_id>")
@login_required(Role.SUPERVISOR)
def supervisor_detail(evaluation_id: int):
    return _supervisor_page(evaluation_id)


@bp.post("/supervisor/evaluations/<int:evaluation_id>/recompute")
@login_required(Role.SUPERVISOR)
def recompute(evaluation_id: int):
    """Recompute the price scores and the committee result from the stored rows and compare with the frozen ones."""
    matches = evaluation.recompute(db(), current_actor(), evaluation_id)
    if matches:
        flash(gettext("复核计算结果与评分结束时固定的结果一致。"), "success")
    else:
        flash(gettext("复核计算结果与评分结束时固定的结果不一致，请核查记录链。"), "error")
    return _supervisor_page(evaluation_id, matches)


@bp.post("/supervisor/evaluations/<int:evaluation_id>/sanction")
@login_required(Role.SUPERVISOR)
def sanction(evaluation_id: int):
    def action():
        found = evaluation.get_evaluation(db(), evaluation_id)
        expert_id = required_id("expert_id", N_("请选择评标专家。"))
        if expert_id not in {m.expert_id for m in found.members}:
            raise NotFound(N_("该专家没有参加本次评标。"))
        return expert_ratings.sanction(db(), clock(), current_actor(), expert_id, text("status"), text("note"))

    def done(expert):
        flash(gettext("专家“%(name)s”：%(status)s，今后不会被抽取。", name=expert.name,
                      status=gettext(EXPERT_STATUS_LABELS.get(expert.status, expert.status))), "success")
        return redirect(url_for("evaluation.supervisor_detail", evaluation_id=evaluation_id, _anchor="experts"))

    return attempt(action, done, lambda: _supervisor_page(evaluation_id))
