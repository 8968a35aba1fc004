"""定标 pages (bidding/award.py, award_pool.py, publicity.py, award_notice.py):

- the tender's managers (tenderee and agent), one page per tender with a card per section: the award's status,
  the candidates and the evaluation report; the tenderee accepts the report or returns it for a stated error, the
  managers publish the candidates, the tenderee decides (ranked) or draws the award committee and seals its
  record (评定分离), runs the lottery where the method needs one, and issues the notices;
- the tenderee's award-member pool (定标委员库);
- each award-committee member's room: the conflict declaration, the vote, the opinion, the chair's decision,
  the lottery, the signature of the award record; the progress in counts (never whom) while a round is open;
- the evaluation committee's chair answering a returned report.

Views only parse, call one domain function and render; every rule and refusal is the domain's (a refusal becomes
a 4xx with the domain's message in the user's language, the page shown again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.auth import current_actor, login_required
from app.filters import dt
from app.i18n import translate
from app.services import clock, db, signing_settings, store
from app.web.forms import attempt, checkbox, optional_id, required_id, text
from app.web.responses import attachment, flashed
from bidding import award as awards
from bidding import (
    award_methods,
    award_notice,
    award_objections,
    award_pool,
    award_rules,
    award_state,
    publicity,
    tenders,
)
from bidding.access import manages, require_manager
from bidding.award_models import Award, AwardMember, AwardPoolMember
from bidding.evaluation_models import Evaluation
from bidding.models import Section
from bidding.notices import Signing
from core.actor import Actor, Role
from core.errors import N_, DomainError, InvalidInput, NotPermitted

bp = Blueprint("award", __name__, url_prefix="/award")

MAX_DAYS_DIGITS = 4
STEP_LABELS = {
    "vote": N_("投票"),
    "lottery": N_("抽签"),
    "chair": N_("得票相同，由组长决定"),
    "deliberation": N_("集体议事，由组长决定"),
    "winner": N_("中标人已确定"),
}
SEAT_LABELS = {"seated": N_("成员"), "backup": N_("备选"), "recused": N_("已回避")}
MAJORITY_LABELS = {"absolute": N_("过半数"), "simple": N_("相对多数")}
ROUND_OUTCOMES = {"winner": N_("产生中标人"), "revote": N_("重新投票"), "lottery": N_("抽签决定"),
                  "chair": N_("组长决定")}


def _labels() -> dict[str, Any]:
    return {"status": award_state.STATUS_LABELS, "mode": award_rules.MODE_LABELS,
            "method": award_rules.METHOD_LABELS, "tie": award_rules.TIE_RULES, "step": STEP_LABELS,
            "seat": SEAT_LABELS, "dropout": award_rules.DROPOUT_GROUNDS,
            "majority": MAJORITY_LABELS, "outcome": ROUND_OUTCOMES, "publicity": publicity.KIND_LABELS,
            "notice": award_notice.KIND_LABELS}


def _render(template: str, **context: Any) -> str:
    return render_template(template, L=_labels(), **context)


# --- reading forms ------------------------------------------------------------------------------------------------


def _days(name: str) -> int:
    """Whole days typed into a form; a huge number is handed on for the domain's range check."""
    value = text(name)
    if not (value.isascii() and value.isdigit()):
        raise InvalidInput(N_("公示天数：请填写整数。"), field=name)
    return int(value) if len(value) <= MAX_DAYS_DIGITS else 10 ** MAX_DAYS_DIGITS


def _signing() -> Signing:
    return Signing(signing_settings(), store(), request.form.get("pin", ""))


# --- what the pages show (read-only) ------------------------------------------------------------------------------


def _phase(found: Award) -> awards.Phase | None:
    """Where a separated award stands, once its committee is drawn (None when there is nothing to show)."""
    if found.mode != "separated" or found.drawn_at is None or found.status != "deciding":
        return None
    try:
        return awards.phase(db(), found)
    except DomainError:
        return None


def _current_round(step: awards.Phase | None) -> int | None:
    if step is None or step.step != "vote":
        return None
    return int(step.evidence.get("current_round", 1))


@dataclass
class Progress:
    """What the committee has done, in counts."""

    seated: int = 0
    size: int = 0
    declared: int = 0
    opinions: int = 0
    signed: int = 0
    ballots: int = 0
    round: int | None = None


def _progress(actor: Actor, found: Award, step: awards.Phase | None) -> Progress:
    seated = awards.seated(found)
    number = _current_round(step)
    return Progress(seated=len(seated), size=found.tender.award_committee_size,
                    declared=sum(1 for m in seated if m.declared_at is not None),
                    opinions=sum(1 for m in seated if m.opinion_at is not None),
                    signed=sum(1 for m in seated if m.signed_at is not None),
                    ballots=awards.ballots_cast(db(), actor, found, number), round=number)


def _names(found: Award) -> dict[str, str]:
    return {str(c["bidder_id"]): c["name"] for c in awards.candidates(found)}


@dataclass
class SectionView:
    """One section's card on the managers' page."""

    section: Section
    award: Award | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    seats: list[award_pool.SeatView] = field(default_factory=list)
    phase: awards.Phase | None = None
    progress: Progress | None = None
    publicities: list[Any] = field(default_factory=list)
    objections: list[Any] = field(default_factory=list)
    notices: list[Any] = field(default_factory=list)
    principals: list[AwardPoolMember] = field(default_factory=list)
    result_days: int = 0
    record_ready: bool = False


def _section_view(actor: Actor, section: Section, found: Award | None, is_tenderee: bool) -> SectionView:
    view = SectionView(section, found)
    if found is None:
        return view
    session = db()
    view.candidates = publicity.candidates_of(found)
    view.names = _names(found)
    view.publicities = publicity.publicities_of(session, found.id)
    view.objections = award_objections.objections_of(session, actor, found.id)
    view.notices = award_notice.notices_of_award(session, found.id)
    view.result_days = award_rules.rule_set(found.rule_set).result_publicity_days
    if found.mode == "separated":
        view.seats = award_pool.committee(session, actor, found.id) if found.drawn_at else []
        view.phase = _phase(found)
        view.progress = _progress(actor, found, view.phase)
        if is_tenderee and found.status == "deciding" and found.drawn_at is None:
            view.principals = [p for p in award_pool.pool(session, actor) if p.principal]
    view.record_ready = found.record_id is not None and (
        found.status != "deciding" or all(m.signed_at is not None for m in awards.seated(found)))
    return view


def _manage_page(tender_id: int):
    actor = current_actor()
    session = db()
    tender = tenders.get_tender(session, actor, tender_id)
    require_manager(actor, tender)
    live = {a.section_id: a for a in award_state.awards_of_tender(session, tender.id)}
    is_tenderee = awards.is_tenderee(actor, tender)
    sections = [_section_view(actor, s, live.get(s.id), is_tenderee) for s in tender.sections]
    return _render("award/manage.html", tender=tender, sections=sections, is_tenderee=is_tenderee,
                   suspended=tender.status == "suspended", min_days=award_rules.MIN_PUBLICITY_DAYS,
                   rule_label=lambda key: award_rules.rule_set(key).label, award_due=awards.award_due,
                   publicity_due=publicity.publicity_due)


def _manage_for(award_id: int):
    return _manage_page(award_state.get_award(db(), award_id).tender_id)


def _to_section(award_id: int):
    """The award's card on the managers' page."""
    found = award_state.get_award(db(), award_id)
    return redirect(url_for("award.manage", tender_id=found.tender_id, _anchor=f"section-{found.section.number}"))


def _to_manage(award_id: int, message: str):
    def done(_result: Any):
        flash(message, "success")
        return _to_section(award_id)

    return done


def _member_or_manager_page(award_id: int):
    """After a lottery step: the chair goes back to the room, the tenderee to the tender's page."""
    found = award_state.get_award(db(), award_id)
    if awards.member_of(found, current_actor()) is not None:
        return _room_page(award_id)
    return _manage_page(found.tender_id)


# --- the managers: the tender's award page ------------------------------------------------------------------------


@bp.get("/tenders/<int:tender_id>")
@login_required(Role.AGENT, Role.TENDEREE)
def manage(tender_id: int):
    return _manage_page(tender_id)


@bp.post("/<int:award_id>/accept")
@login_required(Role.TENDEREE)
def accept(award_id: int):
    return attempt(lambda: awards.accept_report(db(), clock(), current_actor(), award_id),
                   _to_manage(award_id, gettext("已接受评标报告。请在收到评标报告之日起 3 日内公示中标候选人（条例第54条）。")),
                   lambda: _manage_for(award_id))


@bp.post("/<int:award_id>/send-back")
@login_required(Role.TENDEREE)
def send_back(award_id: int):
    return attempt(lambda: awards.return_report(db(), clock(), current_actor(), award_id, text("error")),
                   _to_manage(award_id, gettext("评标报告已退回评标委员会复核，等待评标委员会组长答复。")),
                   lambda: _manage_for(award_id))


@bp.post("/<int:award_id>/publicity")
@login_required(Role.AGENT, Role.TENDEREE)
def publish(award_id: int):
    def action():
        days = _days("days")
        return publicity.start_candidates(db(), clock(), current_actor(), award_id, days, _signing())

    def done(row):
        flash(gettext("中标候选人公示已发布，公示期至 %(end)s。", end=dt(row.ends_at)), "success")
        return redirect(url_for("award.manage", tender_id=row.tender_id))

    return attempt(action, done, lambda: _manage_for(award_id))


@bp.post("/<int:award_id>/publicity/close")
@login_required(Role.AGENT, Role.TENDEREE)
def close_publicity(award_id: int):
    """The managers need not wait for the scheduler: the award moves on once the period is over and nothing waits."""

    def action():
        found = award_state.get_award(db(), award_id)
        require_manager(current_actor(), found.tender)
        return publicity.advance(db(), clock(), found)

    def done(moved: bool):
        if moved:
            flash(gettext("公示期已结束，可以定标。"), "success")
        else:
            flash(gettext("公示期尚未结束、仍有未答复的异议或项目已暂停，暂不能定标。"), "info")
        return _to_section(award_id)

    return attempt(action, done, lambda: _manage_for(award_id))


@bp.post("/<int:award_id>/decide")
@login_required(Role.TENDEREE)
def decide(award_id: int):
    def action():
        found = award_state.get_award(db(), award_id)
        winner = required_id("winner_bidder_id", N_("请选择中标人。"))
        dropouts = {}
        for c in awards.candidates(found):
            ground = text(f"dropout-{c['bidder_id']}-ground")
            if ground:
                dropouts[int(c["bidder_id"])] = (ground, text(f"dropout-{c['bidder_id']}-facts"))
        return awards.decide_ranked(db(), clock(), current_actor(), award_id, winner, text("reason"), _signing(),
                                    dropouts=dropouts)

    return attempt(action, _to_manage(award_id, gettext("已确定中标人并签署定标结果。")), lambda: _manage_for(award_id))


@bp.post("/<int:award_id>/committee")
@login_required(Role.TENDEREE)
def draw(award_id: int):
    def action():
        principal = optional_id("chair_principal_id", N_("请选择担任组长的法定代表人或主要负责人。"))
        return award_pool.draw_committee(db(), clock(), current_actor(), award_id, chair_principal_id=principal)

    message = gettext("定标委员会已随机抽取。抽中的成员登录平台，在“我的定标”中签署回避声明。")
    return attempt(action, _to_manage(award_id, message), lambda: _manage_for(award_id))


@bp.post("/<int:award_id>/lottery/commit")
@login_required(Role.TENDEREE)
def commit_lottery(award_id: int):
    def done(commitment: str):
        flash(gettext("抽签的随机种子已承诺（SHA-256：%(c)s）。现在可以抽签。", c=commitment), "success")
        return _after_lottery(award_id)

    return attempt(lambda: awards.commit_lottery(db(), clock(), current_actor(), award_id), done,
                   lambda: _member_or_manager_page(award_id))


@bp.post("/<int:award_id>/lottery/draw")
@login_required(Role.TENDEREE)
def draw_lottery(award_id: int):
    def done(drawn: award_methods.LotteryDraw):
        name = _names(award_state.get_award(db(), award_id)).get(drawn.winner, drawn.winner)
        flash(gettext("抽签结果：%(name)s 中选。", name=name), "success")
        return _after_lottery(award_id)

    return attempt(lambda: awards.draw_lottery(db(), clock(), current_actor(), award_id), done,
                   lambda: _member_or_manager_page(award_id))


def _after_lottery(award_id: int):
    if awards.member_of(award_state.get_award(db(), award_id), current_actor()) is not None:
        return redirect(url_for("award.room", award_id=award_id, _anchor="phase"))
    return _to_section(award_id)


@bp.post("/<int:award_id>/price")
@login_required(Role.TENDEREE)
def by_price(award_id: int):
    def done(step: awards.Phase):
        if step.step == "winner":
            flash(gettext("已按最低投标报价确定中标人。"), "success")
        else:
            flash(gettext("最低投标报价相同，按招标文件规定的方式继续：%(step)s。", step=gettext(STEP_LABELS[step.step])),
                  "info")
        return _after_lottery(award_id)

    return attempt(lambda: awards.decide_by_price(db(), clock(), current_actor(), award_id), done,
                   lambda: _member_or_manager_page(award_id))


@bp.post("/<int:award_id>/seal")
@login_required(Role.TENDEREE)
def seal(award_id: int):
    return attempt(lambda: awards.seal_award_record(db(), clock(), current_actor(), award_id, _signing()),
                   _to_manage(award_id, gettext("定标报告已由招标人盖章确认，定标完成。")), lambda: _manage_for(award_id))


@bp.post("/<int:award_id>/result-publicity")
@login_required(Role.AGENT, Role.TENDEREE)
def publish_result(award_id: int):
    def action():
        days = _days("days") if text("days") else None
        return publicity.start_result(db(), clock(), current_actor(), award_id, _signing(), days)

    def done(row):
        flash(gettext("中标结果公示已发布，公示期至 %(end)s。", end=dt(row.ends_at)), "success")
        return redirect(url_for("award.manage", tender_id=row.tender_id))

    return attempt(action, done, lambda: _manage_for(award_id))


@bp.post("/<int:award_id>/notices")
@login_required(Role.TENDEREE)
def notices(award_id: int):
    def done(rows):
        flash(gettext("已向中标人发出中标通知书，并向其他 %(n)s 名投标人发出中标结果通知书。合同应在 30 日内订立（法第46条）。",
                      n=len(rows) - 1), "success")
        return _to_section(award_id)

    return attempt(lambda: award_notice.issue_notices(db(), clock(), current_actor(), award_id, _signing()), done,
                   lambda: _manage_for(award_id))


@bp.get("/<int:award_id>/record.pdf")
@login_required()
def record_pdf(award_id: int):
    data = awards.award_record_pdf(db(), current_actor(), award_id, store())
    found = award_state.get_award(db(), award_id)
    title = gettext("定标报告") if found.mode == "separated" else gettext("定标结果")
    return attachment(data, "application/pdf", f"award-record-{found.id}.pdf",
                      f"{title}-{found.tender.code}-{found.section.number}.pdf")


@bp.get("/<int:award_id>/verification")
@login_required(Role.SUPERVISOR, Role.AGENT, Role.TENDEREE)
def verification(award_id: int):
    """Re-run the committee draw from what is stored: supervisors and the tender's managers."""
    actor = current_actor()
    found = award_state.get_award(db(), award_id)
    if not (actor.has(Role.SUPERVISOR) or manages(actor, found.tender)):
        raise NotPermitted(N_("您没有查看该定标委员会抽取验证的权限。"))
    result = award_pool.verify_award_draw(db(), award_id)
    return _render("award/verification.html", award=found, result=result,
                   problems=[translate(p.text, **p.params) for p in result.problems],
                   seed_shown=found.seed_revealed_at is not None or actor.has(Role.SUPERVISOR)), (
        200 if result.ok else 422)


# --- the tenderee's award-member pool -----------------------------------------------------------------------------


def _pool_page():
    actor = current_actor()
    session = db()
    return _render("award/pool.html", members=award_pool.pool(session, actor),
                   users=award_pool.pool_candidates(session, actor),
                   categories=award_rules.POOL_CATEGORIES, form=request.form if request.method == "POST" else {})


@bp.get("/pool")
@login_required(Role.TENDEREE)
def pool():
    return _pool_page()


@bp.post("/pool")
@login_required(Role.TENDEREE)
def add_to_pool():
    def action():
        user_id = required_id("user_id", N_("请选择本单位的招标人用户。"))
        return award_pool.add_pool_member(db(), clock(), current_actor(), user_id, text("category"),
                                          position=text("position"), principal=checkbox("principal"))

    def done(row: AwardPoolMember):
        flash(gettext("“%(name)s”已加入定标委员库。", name=row.name), "success")
        return redirect(url_for("award.pool"))

    return attempt(action, done, _pool_page)


@bp.post("/pool/<int:pool_member_id>/remove")
@login_required(Role.TENDEREE)
def remove_from_pool(pool_member_id: int):
    def done(row: AwardPoolMember):
        flash(gettext("“%(name)s”已移出定标委员库；已抽取的定标委员会不受影响。", name=row.name), "success")
        return redirect(url_for("award.pool"))

    return attempt(lambda: award_pool.remove_pool_member(db(), clock(), current_actor(), pool_member_id), done,
                   _pool_page)


# --- the award committee's members: the room ----------------------------------------------------------------------


def _todo(found: Award, me: AwardMember, step: awards.Phase | None, progress: Progress, voted: bool) -> str:
    """What the member should do now, as one key the room explains in plain words."""
    if found.status != "deciding":
        return "closed" if found.status != "void" else "void"
    if me.status == "backup":
        return "backup"
    if me.status == "recused":
        return "recused"
    if me.declared_at is None:
        return "declare"
    if progress.declared < progress.seated or progress.seated < progress.size:
        return "wait_declarations"
    chair = me.chair
    if found.winner_bidder_id is None:
        kind = step.step if step is not None else ""
        if kind == "vote":
            return "wait_vote" if voted else "vote"
        if kind == "lottery":
            return "lottery_chair" if chair else "wait_lottery"
        if kind == "winner":  # the price method: known, to be fixed on the award
            return "price_chair" if chair else "wait_chair"
        if kind == "deliberation":
            if me.opinion_at is None:
                return "opinion"
            return "decide_chair" if chair and progress.opinions == progress.seated else "wait_opinions"
        if kind == "chair":
            return "tie_chair" if chair else "wait_chair"
        return "wait"
    if found.record_id is None:
        return "sign_chair" if chair else "wait_chair_sign"
    return "wait_signatures" if me.signed_at is not None else "sign"


def _room_page(award_id: int):
    actor = current_actor()
    found = award_state.get_award(db(), award_id)
    me = awards.member_of(found, actor)
    if me is None:
        raise NotPermitted(N_("只有本次定标委员会的成员可以进入定标室。"))
    step = _phase(found)
    progress = _progress(actor, found, step)
    voted = awards.has_voted(db(), actor, found, progress.round)
    return _render("award/room.html", award=found, me=me, seats=award_pool.committee(db(), actor, found.id),
                   candidates=publicity.candidates_of(found), names=_names(found), phase=step, progress=progress,
                   todo=_todo(found, me, step, progress, voted), params=awards.params(found),
                   rule_label=award_rules.rule_set(found.rule_set).label)


@bp.get("/mine")
@login_required(Role.TENDEREE)
def mine():
    return _render("award/mine.html", rows=awards.my_awards(db(), current_actor()))


@bp.get("/<int:award_id>/room")
@login_required(Role.TENDEREE)
def room(award_id: int):
    return _room_page(award_id)


@bp.post("/<int:award_id>/declaration")
@login_required(Role.TENDEREE)
def declare(award_id: int):
    def action():
        choice = text("declaration")
        if choice not in ("none", "conflict"):
            raise InvalidInput(N_("请选择回避声明：无利害关系，或与某一候选人有利害关系。"), field="declaration")
        bidder = None
        if choice == "conflict":
            bidder = required_id("bidder_id", N_("请选择存在利害关系的候选人。"))
        return award_pool.declare(db(), clock(), current_actor(), award_id, bidder, text("note"))

    def done(member: AwardMember):
        if member.status == "recused":
            flash(gettext("您已申请回避，由备选人员递补。"), "success")
        else:
            flash(gettext("回避声明已签署：与中标候选人无利害关系。"), "success")
        return redirect(url_for("award.room", award_id=award_id))

    return attempt(action, done, lambda: _room_page(award_id))


@bp.post("/<int:award_id>/vote")
@login_required(Role.TENDEREE)
def vote(award_id: int):
    def action():
        bidder = required_id("bidder_id", N_("请选择候选人。"))
        return awards.cast_vote(db(), clock(), current_actor(), award_id, bidder)

    return attempt(action, flashed(gettext("您的投票已记录。"), "award.room", award_id=award_id, _anchor="phase"),
                   lambda: _room_page(award_id))


@bp.post("/<int:award_id>/opinion")
@login_required(Role.TENDEREE)
def opinion(award_id: int):
    def action():
        bidder = required_id("bidder_id", N_("请选择您倾向的候选人。"))
        return awards.record_opinion(db(), clock(), current_actor(), award_id, bidder, text("opinion"))

    return attempt(action, flashed(gettext("您的意见已记录。"), "award.room", award_id=award_id, _anchor="phase"),
                   lambda: _room_page(award_id))


@bp.post("/<int:award_id>/chair-decision")
@login_required(Role.TENDEREE)
def chair_decision(award_id: int):
    def action():
        bidder = required_id("bidder_id", N_("请选择中标人。"))
        return awards.chair_decide(db(), clock(), current_actor(), award_id, bidder, text("statement"))

    return attempt(action, flashed(gettext("组长已作出决定。请生成并签署定标报告。"), "award.room", award_id=award_id,
                                   _anchor="record"), lambda: _room_page(award_id))


@bp.post("/<int:award_id>/sign")
@login_required(Role.TENDEREE)
def sign(award_id: int):
    def done(signed):
        flash(gettext("您已签署定标报告（已有 %(n)s 个签名）。", n=signed.signatures), "success")
        return redirect(url_for("award.room", award_id=award_id, _anchor="record"))

    return attempt(lambda: awards.sign_award_record(db(), clock(), current_actor(), award_id, _signing()), done,
                   lambda: _room_page(award_id))


# --- the evaluation committee's chair: a returned report ----------------------------------------------------------


def _answer_page(award_id: int):
    found = awards.award_to_answer(db(), current_actor(), award_id)
    return _render("award/answer.html", award=found, form=request.form if request.method == "POST" else {})


@bp.get("/<int:award_id>/answer")
@login_required(Role.EXPERT, Role.TENDEREE)
def answer_page(award_id: int):
    return _answer_page(award_id)


@bp.post("/<int:award_id>/answer")
@login_required(Role.EXPERT, Role.TENDEREE)
def answer(award_id: int):
    def action():
        corrected = text("corrected")
        if corrected not in ("yes", "no"):
            raise InvalidInput(N_("请选择错误是否已更正。"), field="corrected")
        return awards.answer_return(db(), clock(), current_actor(), award_id, text("answer"), corrected == "yes")

    def done(_row):
        flash(gettext("答复已提交招标人，评标报告重新进入审查。"), "success")
        return redirect(url_for("award.answer_page", award_id=award_id))

    return attempt(action, done, lambda: _answer_page(award_id))


@bp.app_template_global()
def award_returned(evaluation: Evaluation) -> Award | None:
    """For the evaluation room: the award whose report the tenderee returned, when the reader chairs the committee."""
    return awards.returned_award(db(), current_actor(), evaluation)
