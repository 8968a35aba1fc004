"""评标专家 pages (expert_pool/, bidding/draw_parties.py):

- the administrator: the roster (search, Excel/CSV import with each row's error, account links, suspension and
  removal with a written reason) and each expert's record;
- the expert: their profile, unavailable days, declared conflicts, the invitations of draws (answered here, within
  the time limit) and the notifications the development adapter "sent" them;
- the tender's agent (and tenderee, read only): the draw of a section's committee after the bid deadline, then its
  progress in counts only (法第37条: names stay secret until the evaluation ends) and the signed draw record;
- supervisors: every draw with every name, and the re-run verification.

Views only parse, call one domain function and render; every rule and refusal is the domain's.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from app.auth import current_actor, login_required
from app.i18n import translate
from app.listing import MAX_PAGE, int_arg
from app.services import clock, db, signing_settings, store
from app.web.forms import attempt, form_rows, local_time, required_id, text
from bidding import draw_parties, parties
from bidding.schemas import YEARS
from core.actor import Role
from core.errors import N_, InvalidInput, NotFound, phrase
from expert_pool import draw, draw_record, id_number, profile, recusal, roster, specialties
from expert_pool.models import CHANNELS, CONFLICT_KINDS, EXPERT_STATUSES, VENUES, ExpertDraw

bp = Blueprint("experts", __name__)

PER_PAGE = 20
GROUP_FIELD = re.compile(r"^groups-(\d{1,3})-(\w+)$")
EXCLUSION_FIELD = re.compile(r"^exclusions-(\d{1,3})-(\w+)$")
BLANK_GROUPS, BLANK_EXCLUSIONS = 3, 2
MAX_NUMBER_DIGITS = 6  # every count, day or minute the forms take has fewer digits
EXPERT_STATUS_LABELS = {"active": N_("在库"), "suspended": N_("已暂停"), "removed": N_("已清退")}
CONFLICT_KIND_LABELS = {
    "former_employer": N_("原工作单位（三年内）"),
    "relative": N_("近亲属所在单位"),
    "shareholder": N_("持股或任职的单位"),
    "other": N_("其他利害关系"),
}
CHANNEL_LABELS = {"sms": N_("短信"), "voice": N_("语音电话"), "email": N_("电子邮件")}
OUTBOX_STATUS_LABELS = {"pending": N_("待发送"), "sent": N_("已发送"), "failed": N_("发送失败")}
ROLE_LABELS = {"member": N_("正选"), "backup": N_("备选")}


def _labels() -> dict[str, Any]:
    """The code → label tables the templates translate with ``_()``."""
    return {"expert_status": EXPERT_STATUS_LABELS, "conflict_kind": CONFLICT_KIND_LABELS, "channel": CHANNEL_LABELS,
            "outbox_status": OUTBOX_STATUS_LABELS, "pick_role": ROLE_LABELS, "venue": draw.VENUE_LABELS,
            "draw_status": draw.STATUS_LABELS, "pick_status": draw.PICK_STATUS_LABELS}


def _render(template: str, **context: Any) -> str:
    return render_template(template, L=_labels(), translate=translate, **context)


# --- reading forms ------------------------------------------------------------------------------------------


def _number(raw: str, message: str, field: str, *, default: int | None = None, **params: object) -> int | None:
    """A whole number typed into a form; empty gives ``default``, anything else not a whole number is refused with
    ``message`` (ranges are the domain's to check)."""
    raw = raw.strip()
    if not raw:
        return default
    sign = -1 if raw.startswith("-") else 1
    digits = raw.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidInput(message, field=field, **params)
    # a huge number is handed on as one beyond every range, for the domain to refuse with its own limits
    digits = digits.lstrip("0") or "0"
    return sign * (int(digits) if len(digits) <= MAX_NUMBER_DIGITS else 10**MAX_NUMBER_DIGITS)


def _day(name: str, label: str) -> date:
    """<input type=date>: a Beijing calendar day."""
    try:
        value = date.fromisoformat(text(name))
    except ValueError:
        value = None
    if value is None or value.year not in YEARS:
        raise InvalidInput(N_("%(label)s：请按“年-月-日”填写日期。"), field=name, label=phrase(label))
    return value


def _group_rows() -> list[dict[str, str]]:
    return [r for r in form_rows(GROUP_FIELD) if any(r.get(k) for k in ("specialty_code", "count", "region"))]


def _exclusion_rows() -> list[dict[str, str]]:
    return [r for r in form_rows(EXCLUSION_FIELD) if r.get("name") or r.get("reason")]


def _draw_request() -> draw.DrawRequest:
    """The posted draw request in the domain's shape; the domain checks every value."""
    groups = []
    for number, row in enumerate(_group_rows(), start=1):
        count = _number(row.get("count", ""), N_("第 %(number)s 组：抽取人数应为整数。"), "groups", default=0,
                        number=number)
        backups = _number(row.get("backups", ""), N_("第 %(number)s 组：备选人数应为整数。"), "groups", default=0,
                          number=number)
        groups.append(draw.GroupRequest(specialty_code=row.get("specialty_code", ""), count=count or 0,
                                        region=row.get("region", ""), venue=row.get("venue") or "main",
                                        backups=backups or 0, venue_place=row.get("venue_place", "")))
    return draw.DrawRequest(
        groups=tuple(groups),
        evaluation_at=local_time("evaluation_at", N_("评标时间")),
        place=text("place"),
        representatives=_number(text("representatives"), N_("招标人代表人数应为整数。"), "representatives",
                                default=0) or 0,
        recent_days=_number(text("recent_days"), N_("回避近期评标的天数应为整数。"), "recent_days"),
        tenderee_exclusions=tuple(recusal.TendereeExclusion(r.get("name", ""), r.get("reason", ""))
                                  for r in _exclusion_rows()),
        answer_minutes=_number(text("answer_minutes"), N_("专家答复期限应为整数分钟。"), "answer_minutes",
                               default=30) or 0,
        channels=tuple(request.form.getlist("channels")),
    )


# --- the administrator: the roster ----------------------------------------------------------------------------


def _roster_page(result: roster.ImportResult | None = None, filename: str = ""):
    actor = current_actor()
    status = request.args.get("status", "")
    found = roster.search(db(), actor, q=request.args.get("q", ""), specialty=request.args.get("specialty", ""),
                          region=request.args.get("region", ""), status=status if status in EXPERT_STATUSES else "",
                          page=int_arg("page", 1, MAX_PAGE), per_page=PER_PAGE)
    return _render("experts/admin_list.html", page=found, result=result, filename=filename,
                   masked=id_number.masked, specialties=list(specialties.all_specialties().values()),
                   columns=list(roster.COLUMNS), optional_columns=[c for c, ours in roster.COLUMNS.items()
                                                                    if ours in roster.OPTIONAL],
                   max_mb=roster.MAX_ROSTER_BYTES // 1024 // 1024, statuses=EXPERT_STATUSES)


@bp.get("/admin/experts")
@login_required(Role.ADMIN)
def roster_list():
    return _roster_page()


@bp.post("/admin/experts/import")
@login_required(Role.ADMIN)
def roster_import():
    """An .xlsx or CSV roster: the valid rows are saved, every invalid row is listed with its line."""
    upload = request.files.get("file")

    def action():
        if upload is None or not upload.filename:
            raise InvalidInput(N_("请选择专家名册文件（Excel .xlsx 或 CSV）。"), field="file")
        data = upload.stream.read(roster.MAX_ROSTER_BYTES + 1)
        return roster.import_roster(db(), clock(), current_actor(), data, upload.filename)

    def done(result: roster.ImportResult):
        flash(gettext("名册已导入：新增 %(created)s 人，更新 %(updated)s 人，未变 %(unchanged)s 人，有错误的行 %(errors)s 行。",
                      created=len(result.created), updated=len(result.updated), unchanged=result.unchanged,
                      errors=len({e.line for e in result.errors})), "info" if result.errors else "success")
        return _roster_page(result, upload.filename if upload else "")

    return attempt(action, done, _roster_page)


def _expert_page(expert_id: int):
    actor = current_actor()
    expert = roster.get_expert(db(), expert_id)
    users = [u for u in parties.users(db(), actor) if Role.EXPERT in u.roles]
    return _render("experts/admin_expert.html", expert=expert, users=users, masked=id_number.masked,
                   path_name=specialties.path_name, statuses=EXPERT_STATUSES,
                   linked={u.id: u for u in users}.get(expert.user_id) if expert.user_id else None)


@bp.get("/admin/experts/<int:expert_id>")
@login_required(Role.ADMIN)
def expert_detail(expert_id: int):
    return _expert_page(expert_id)


@bp.post("/admin/experts/<int:expert_id>/link")
@login_required(Role.ADMIN)
def link_user(expert_id: int):
    def action():
        user_id = required_id("user_id", N_("只能关联具有评标专家角色的用户。"))
        return roster.link_user(db(), clock(), current_actor(), expert_id, user_id)

    def done(expert):
        flash(gettext("已为专家“%(name)s”关联登录账号。", name=expert.name), "success")
        return redirect(url_for("experts.expert_detail", expert_id=expert.id))

    return attempt(action, done, lambda: _expert_page(expert_id))


@bp.post("/admin/experts/<int:expert_id>/status")
@login_required(Role.ADMIN)
def expert_status(expert_id: int):
    def done(expert):
        flash(gettext("专家“%(name)s”的状态已改为：%(status)s。", name=expert.name,
                      status=gettext(EXPERT_STATUS_LABELS[expert.status])), "success")
        return redirect(url_for("experts.expert_detail", expert_id=expert.id))

    return attempt(lambda: roster.set_status(db(), clock(), current_actor(), expert_id, text("status"), text("note")),
                   done, lambda: _expert_page(expert_id))


# --- the expert -------------------------------------------------------------------------------------------------


def _invitation(pick) -> dict[str, Any]:
    """What the expert is told about a draw: the domain's invitation text (time, place, specialty, deadline; never
    the project or its parties) and the answer still possible."""
    found = draw.get_draw(db(), pick.draw_id)
    due = pick.answer_due_at or found.evaluation_at
    return {"pick": pick, "evaluation_at": found.evaluation_at, "place": pick.group.venue_place or found.place,
            "venue": pick.group.venue, "specialty": specialties.path_name(pick.group.specialty_code),
            "text": draw.invitation_body(found, pick.group, due),
            "open": pick.status == "notified" and (pick.answer_due_at is None or clock().now() <= pick.answer_due_at)}


def _expert_home():
    actor = current_actor()
    try:
        expert = profile.own_expert(db(), actor)
    except NotFound as error:
        return _render("experts/expert_home.html", expert=None, unlinked=translate(error.message, **error.params))
    return _render("experts/expert_home.html", expert=expert, unlinked=None, path_name=specialties.path_name,
                   invitations=[_invitation(p) for p in draw.my_invitations(db(), actor)],
                   messages=draw.my_messages(db(), actor), kinds=CONFLICT_KINDS,
                   max_days=profile.MAX_UNAVAILABLE_DAYS_AHEAD)


def _to_expert_home(message: str, anchor: str | None = None):
    def done(_result: Any):
        flash(message, "success")
        return redirect(url_for("experts.expert_home", _anchor=anchor))

    return done


@bp.get("/expert/")
@login_required(Role.EXPERT)
def expert_home():
    return _expert_home()


@bp.post("/expert/profile")
@login_required(Role.EXPERT)
def update_profile():
    def action():
        message = N_("从业年限“%(value)s”不是 0 至 70 之间的整数。")
        years = _number(text("years_of_practice"), message, "years_of_practice", value=text("years_of_practice")[:20])
        if years is None:
            raise InvalidInput(message, field="years_of_practice", value="")
        return profile.update_profile(db(), clock(), current_actor(), profile.ProfileInput(
            phone=text("phone"), email=text("email"), employer_name=text("employer_name"),
            employer_credit_code=text("employer_credit_code"), region=text("region"), title=text("title"),
            years_of_practice=years))

    return attempt(action, _to_expert_home(gettext("个人信息已保存。"), "profile"), _expert_home)


@bp.post("/expert/unavailable")
@login_required(Role.EXPERT)
def add_unavailable():
    def action():
        return profile.add_unavailable(db(), clock(), current_actor(), _day("day", N_("不能参加评标的日期")), text("note"))

    def done(row):
        flash(gettext("已登记 %(day)s 不能参加评标：这一天的评标不会抽到您。", day=row.day.isoformat()), "success")
        return redirect(url_for("experts.expert_home", _anchor="unavailable"))

    return attempt(action, done, _expert_home)


@bp.post("/expert/unavailable/remove")
@login_required(Role.EXPERT)
def remove_unavailable():
    def action():
        return profile.remove_unavailable(db(), clock(), current_actor(), _day("day", N_("不能参加评标的日期")))

    return attempt(action, _to_expert_home(gettext("已取消该日期的登记。"), "unavailable"), _expert_home)


@bp.post("/expert/conflicts")
@login_required(Role.EXPERT)
def declare_conflict():
    def action():
        return profile.declare_conflict(db(), clock(), current_actor(), profile.ConflictInput(
            kind=text("kind"), org_name=text("org_name"), org_credit_code=text("org_credit_code"), note=text("note")))

    return attempt(action, _to_expert_home(gettext("利害关系已申报：涉及该单位的项目不会抽到您。"), "conflicts"),
                   _expert_home)


@bp.post("/expert/conflicts/<int:conflict_id>/withdraw")
@login_required(Role.EXPERT)
def withdraw_conflict(conflict_id: int):
    return attempt(lambda: profile.withdraw_conflict(db(), clock(), current_actor(), conflict_id),
                   _to_expert_home(gettext("该利害关系申报已撤回（申报记录保留）。"), "conflicts"), _expert_home)


@bp.post("/expert/invitations/<int:pick_id>/respond")
@login_required(Role.EXPERT)
def respond(pick_id: int):
    answer = text("answer")

    def action():
        if answer not in ("accept", "decline"):
            raise InvalidInput(N_("请选择参加或不参加。"), field="answer")
        return draw.respond(db(), clock(), current_actor(), pick_id, answer == "accept", text("note"))

    def done(pick):
        message = (gettext("您已确认参加评标，请按时到达评标地点。") if pick.status == "confirmed"
                   else gettext("您已答复不参加，平台将通知备选专家。"))
        flash(message, "success")
        return redirect(url_for("experts.expert_home", _anchor="invitations"))

    return attempt(action, done, _expert_home)


# --- the agent: drawing a section's committee -----------------------------------------------------------------


def _draw_view(actor, found: ExpertDraw) -> dict[str, Any]:
    return {"draw": found, "view": draw.visible_picks(actor, found),
            "record_visible": found.record_id is not None and draw.names_visible(actor, found)}


def _blank_rows(rows: list[dict[str, str]], blanks: int) -> list[dict[str, str]]:
    return rows + [{} for _ in range(max(0, blanks - len(rows)))] if rows else [{} for _ in range(blanks)]


def _agency_page(tender_id: int, number: int):
    actor = current_actor()
    tender, section = draw_parties.managed_section(db(), actor, tender_id, number)
    found = draw.draws_for_section(db(), section.id)
    active = [d for d in found if d.status in draw.ACTIVE_STATUSES]
    posted = request.method == "POST"
    return _render(
        "experts/agency_draw.html", tender=tender, section=section,
        draws=[_draw_view(actor, d) for d in reversed(found)],
        after_deadline=clock().now() >= tender.bid_deadline,
        can_request=actor.has(Role.AGENT) and not active,
        group_rows=_blank_rows(_group_rows() if posted else [], BLANK_GROUPS),
        exclusion_rows=_blank_rows(_exclusion_rows() if posted else [], BLANK_EXCLUSIONS),
        channels=CHANNELS, chosen_channels=request.form.getlist("channels") if posted else ["sms"],
        venues=VENUES, specialties=list(specialties.all_specialties().values()),
        starved=g.get("starved"), reasons=recusal.REASONS, reason_labels=recusal.REASON_LABELS,
        form=request.form if posted else {})


def _draw_path(tender_id: int, number: int, **extra: Any) -> str:
    return url_for("experts.agency_draw", tender_id=tender_id, number=number, **extra)


@bp.get("/agency/tenders/<int:tender_id>/sections/<int:number>/draw")
@login_required(Role.AGENT, Role.TENDEREE)
def agency_draw(tender_id: int, number: int):
    return _agency_page(tender_id, number)


@bp.post("/agency/tenders/<int:tender_id>/sections/<int:number>/draw")
@login_required(Role.AGENT)
def request_draw(tender_id: int, number: int):
    def action():
        try:
            return draw_parties.request_section_draw(db(), clock(), current_actor(), tender_id, number,
                                                     _draw_request())
        except draw.PoolTooSmall as error:
            g.starved = error  # the page shows which constraint starves the group
            raise

    def done(found: ExpertDraw):
        flash(gettext("已抽取并通知 %(count)s 名专家（正选），等待确认。专家名单在评标结束前保密（法第37条）。",
                      count=sum(g.count for g in found.groups)), "success")
        return redirect(_draw_path(tender_id, number, _anchor=f"draw-{found.id}"))

    return attempt(action, done, lambda: _agency_page(tender_id, number))


@bp.post("/agency/tenders/<int:tender_id>/sections/<int:number>/draws/<int:draw_id>/record")
@login_required(Role.AGENT)
def sign_record(tender_id: int, number: int, draw_id: int):
    def action():
        found = draw_parties.section_draw(db(), current_actor(), tender_id, number, draw_id)
        return draw_record.sign_draw_record(db(), clock(), current_actor(), found.id, signing_settings(), store())

    def done(_record):
        flash(gettext("专家抽取记录已由平台电子签章签署。记录载有专家姓名，评标结束前仅监督人员可以查阅。"), "success")
        return redirect(_draw_path(tender_id, number, _anchor=f"draw-{draw_id}"))

    return attempt(action, done, lambda: _agency_page(tender_id, number))


# --- supervisors ------------------------------------------------------------------------------------------------


@bp.get("/supervisor/draws")
@login_required(Role.SUPERVISOR)
def supervisor_draws():
    page = int_arg("page", 1, MAX_PAGE)
    items, total = draw.supervised_draws(db(), current_actor(), page, PER_PAGE)
    return _render("experts/supervisor_list.html", draws=items,
                   page={"page": page, "pages": max(1, -(-total // PER_PAGE)), "total": total})


def _supervisor_page(draw_id: int, check: draw.DrawVerification | None = None):
    actor = current_actor()
    found = draw.get_draw(db(), draw_id)
    view = draw.visible_picks(actor, found)
    counts = {g.number: recusal.reason_counts(json.loads(g.exclusions)) for g in found.groups}
    exclusions = {number: translate(msg.text, **msg.params) for number, msg in counts.items()}
    return _render("experts/supervisor_draw.html", draw=found, view=view, exclusions=exclusions, check=check,
                   problems=[translate(p.text, **p.params) for p in check.problems] if check else [],
                   path_name=specialties.path_name)


@bp.get("/supervisor/draws/<int:draw_id>")
@login_required(Role.SUPERVISOR)
def supervisor_draw(draw_id: int):
    return _supervisor_page(draw_id)


@bp.post("/supervisor/draws/<int:draw_id>/verify")
@login_required(Role.SUPERVISOR)
def verify_draw(draw_id: int):
    """Re-run the draw from its frozen pool and seed, and show OK or each difference."""
    return _supervisor_page(draw_id, draw.verify_draw(db(), draw_id))
