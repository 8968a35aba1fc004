"""投诉 pages (bidding/complaints.py, 条例第60-62条):

- a bidder of the tender: files a complaint about the tender (about an award's result only after its own objection
  to it was answered or the answer is overdue), follows its status and reads the signed decision;
- supervisors: every complaint, each one's page where they accept it, reject it with the reason, or decide it
  (dismiss, order a re-evaluation or a new award, cancel the tender) with the decision signed by their PIN;
- the tender's managers read their tender's complaints and decisions.

Views only parse, call one domain function and render; every rule and refusal is the domain's (a refusal becomes
a 4xx with the domain's message in the user's language, the page shown again).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.auth import current_actor, login_required
from app.services import clock, db, signing_settings, store
from app.web.forms import attempt, optional_id
from app.web.responses import attachment, flashed
from bidding import award_objections, award_state, complaints, tenders
from bidding.award_models import COMPLAINT_OUTCOMES, AwardObjection, Complaint
from bidding.notices import Signing
from core.actor import Role
from core.errors import N_

bp = Blueprint("complaints", __name__, url_prefix="/complaints")


def _labels() -> dict[str, Any]:
    return {"status": complaints.STATUS_LABELS, "outcome": complaints.OUTCOME_LABELS,
            "award": award_state.STATUS_LABELS}


def _render(template: str, **context: Any) -> str:
    return render_template(template, L=_labels(), outcomes=COMPLAINT_OUTCOMES, overdue=overdue, **context)


def overdue(row: Complaint) -> bool:
    """Not accepted within 3 working days, or not decided within 30 (条例第61条), by the server's clock."""
    now = clock().now()
    return (row.status == "filed" and row.accept_due < now) or (
        row.status == "accepted" and row.decide_due is not None and row.decide_due < now)


# --- supervisors: every complaint ---------------------------------------------------------------------------------


@bp.get("/")
@login_required(Role.SUPERVISOR)
def index():
    """Open complaints first (oldest first: the nearest deadline), then the handled ones, newest first."""
    rows = complaints.all_complaints(db(), current_actor())
    open_rows = [c for c in rows if c.status in ("filed", "accepted")]
    done = sorted((c for c in rows if c.status not in ("filed", "accepted")), key=lambda c: c.filed_at, reverse=True)
    return _render("complaints/index.html", open_rows=open_rows, done=done)


# --- a bidder of the tender: filing -------------------------------------------------------------------------------


def _tender_page(tender_id: int, form: dict[str, str] | None = None):
    session = db()
    actor = current_actor()
    tender = tenders.get_tender(session, actor, tender_id)
    awards = award_state.awards_of_tender(session, tender.id)
    mine = complaints.complaints_of(session, actor, tender.id)
    objections = award_objections.my_objections(session, actor, tender.id)
    return _render("complaints/tender.html", tender=tender, awards=awards, mine=mine, objections=objections,
                   form=form or {}, bidder=complaints.tender_bidder(session, actor, tender.id))


@bp.get("/tenders/<int:tender_id>")
@login_required(Role.BIDDER)
def for_tender(tender_id: int):
    return _tender_page(tender_id)


@bp.post("/tenders/<int:tender_id>")
@login_required(Role.BIDDER)
def file(tender_id: int):
    form = {k: request.form.get(k, "") for k in ("subject", "body", "award_id")}

    def action():
        return complaints.file_complaint(db(), clock(), current_actor(), tender_id, form["subject"], form["body"],
                                         optional_id("award_id", N_("定标不存在。")))

    def done(row: Complaint):
        flash(gettext("投诉已提交。行政监督部门应当自收到投诉之日起 3 个工作日内决定是否受理（%(rule)s）。",
                      rule=gettext("条例第61条")), "success")
        return redirect(url_for("complaints.show", complaint_id=row.id))

    return attempt(action, done, lambda: _tender_page(tender_id, form))


# --- one complaint ------------------------------------------------------------------------------------------------


def _page(complaint_id: int, form: dict[str, str] | None = None):
    session = db()
    actor = current_actor()
    row = complaints.get_complaint(session, complaint_id)
    complaints.visible(session, actor, row)
    objection = session.get(AwardObjection, row.objection_id) if row.objection_id else None
    award = award_state.get_award(session, row.award_id) if row.award_id else None
    return _render("complaints/show.html", row=row, objection=objection, award=award, form=form or {},
                   is_supervisor=actor.has(Role.SUPERVISOR))


@bp.get("/<int:complaint_id>")
@login_required()
def show(complaint_id: int):
    return _page(complaint_id)


@bp.get("/<int:complaint_id>/decision.pdf")
@login_required()
def decision_pdf(complaint_id: int):
    session = db()
    data = complaints.decision_pdf(session, current_actor(), complaint_id, store())
    row = complaints.get_complaint(session, complaint_id)
    return attachment(data, "application/pdf", f"complaint-decision-{row.id}.pdf",
                      f"{gettext('投诉处理决定书')}-{row.tender.code}-{row.id}.pdf")


# --- supervisors: handling ----------------------------------------------------------------------------------------


def _to_page(complaint_id: int, message: str):
    return flashed(message, "complaints.show", complaint_id=complaint_id)


@bp.post("/<int:complaint_id>/accept")
@login_required(Role.SUPERVISOR)
def accept(complaint_id: int):
    return attempt(lambda: complaints.accept_complaint(db(), clock(), current_actor(), complaint_id),
                   _to_page(complaint_id, gettext("已受理投诉，应当自受理之日起 30 个工作日内作出书面处理决定。")),
                   lambda: _page(complaint_id))


@bp.post("/<int:complaint_id>/reject")
@login_required(Role.SUPERVISOR)
def reject(complaint_id: int):
    reason = request.form.get("reason", "")
    return attempt(lambda: complaints.reject_complaint(db(), clock(), current_actor(), complaint_id, reason),
                   _to_page(complaint_id, gettext("已决定不予受理，理由已记录。")),
                   lambda: _page(complaint_id, {"reason": reason}))


@bp.post("/<int:complaint_id>/decide")
@login_required(Role.SUPERVISOR)
def decide(complaint_id: int):
    form = {k: request.form.get(k, "") for k in ("outcome", "decision")}

    def action():
        signing = Signing(signing_settings(), store(), request.form.get("pin", ""))
        return complaints.decide_complaint(db(), clock(), current_actor(), complaint_id, form["outcome"],
                                           form["decision"], signing)

    return attempt(action, _to_page(complaint_id, gettext("投诉处理决定已签署。")), lambda: _page(complaint_id, form))
