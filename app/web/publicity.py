"""公示 pages (bidding/publicity.py, award_objections.py):

- everyone: the publicity list (running and past, newest first) and each publicity with its signed PDF, the
  candidates (or the winner), the period and how to object (条例第54条);
- a bidder of the section: its objection (异议) while the publicity runs, and its objections with their answers;
- the tender's managers (tenderee and agent): the award's objections with an answer form; supervisors read them.

Views only parse, call one domain function and render; every rule and refusal is the domain's (a refusal becomes
a 4xx with the domain's message in the user's language, the page shown again).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.auth import current_actor, login_required
from app.services import clock, db, store
from app.web.forms import attempt
from app.web.responses import attachment
from bidding import award_objections, award_rules, award_state, publicity
from bidding.access import manages
from bidding.award_models import Award, Publicity
from core.actor import Role
from core.errors import N_, NotPermitted

bp = Blueprint("publicity", __name__, url_prefix="/publicity")

FILTERS = {"running": True, "ended": False}
STATUS_LABELS = {"running": N_("公示中"), "ended": N_("已结束")}


def _labels() -> dict[str, Any]:
    return {"kind": publicity.KIND_LABELS, "status": STATUS_LABELS, "award": award_state.STATUS_LABELS,
            "method": award_rules.METHOD_LABELS}


def _render(template: str, **context: Any) -> str:
    return render_template(template, L=_labels(), **context)


def _candidates(award: Award) -> list[dict[str, Any]]:
    """The candidates with their prices as numbers (the award keeps them as JSON text)."""
    return [{**c, "price": None if c.get("price") is None else Decimal(str(c["price"]))}
            for c in publicity.candidates_of(award)]


def running(row: Publicity) -> bool:
    """Running by the server's clock (the scheduler may not have marked its end yet)."""
    return row.status == "running" and row.starts_at <= clock().now() < row.ends_at


# --- everyone -------------------------------------------------------------------------------------------------------


@bp.get("/")
def index():
    chosen = request.args.get("status", "")
    rows = publicity.public_publicities(db(), running=FILTERS.get(chosen))
    return _render("publicity/index.html", rows=rows, chosen=chosen if chosen in FILTERS else "", running=running)


def _page(publicity_id: int, form: dict[str, str] | None = None):
    """One publicity, shaped by who is looking (also re-shown when the objection form is refused)."""
    session = db()
    actor = current_actor()
    row = publicity.get_publicity(session, publicity_id)
    award = row.award
    bidder = award_objections.section_bidder(session, actor, award.section_id)
    is_manager = manages(actor, award.tender)
    mine = []
    if bidder:
        mine = [o for o in award_objections.objections_of(session, actor, award.id) if o.publicity_id == row.id]
    return _render("publicity/show.html", row=row, award=award, candidates=_candidates(award),
                   winning_price=publicity.winning_price(award), is_running=running(row), bidder=bidder,
                   is_manager=is_manager, mine=mine, form=form or {},
                   answer_days=award_rules.OBJECTION_ANSWER_DAYS, complaint_days=award_rules.COMPLAINT_DAYS)


@bp.get("/<int:publicity_id>")
def show(publicity_id: int):
    return _page(publicity_id)


@bp.get("/<int:publicity_id>/record.pdf")
def pdf(publicity_id: int):
    session = db()
    data = publicity.publicity_pdf(session, publicity_id, store())
    row = publicity.get_publicity(session, publicity_id)
    name = f"{gettext(publicity.KIND_LABELS[row.kind])}-{row.award.tender.code}-{row.award.section.number}.pdf"
    return attachment(data, "application/pdf", f"publicity-{row.id}.pdf", name, no_store=False)  # public


# --- a bidder of the section -------------------------------------------------------------------------------------


@bp.post("/<int:publicity_id>/objections")
@login_required(Role.BIDDER)
def raise_objection(publicity_id: int):
    body = request.form.get("body", "")

    def done(_row):
        flash(gettext("异议已提交。招标人应当自收到异议之日起 %(days)s 日内答复，答复前暂停招标投标活动。",
                      days=award_rules.OBJECTION_ANSWER_DAYS), "success")
        return redirect(url_for("publicity.show", publicity_id=publicity_id, _anchor="objections"))

    return attempt(lambda: award_objections.raise_objection(db(), clock(), current_actor(), publicity_id, body),
                   done, lambda: _page(publicity_id, {"body": body}))


# --- the tender's managers: answering -----------------------------------------------------------------------------


def _objections_page(award_id: int, answers: dict[int, str] | None = None):
    session = db()
    actor = current_actor()
    award = award_state.get_award(session, award_id)
    is_manager = manages(actor, award.tender)
    if not (is_manager or actor.has(Role.SUPERVISOR)):
        raise NotPermitted(N_("只有本项目的招标代理或招标人可以答复异议。"))
    return _render("publicity/objections.html", award=award, is_manager=is_manager,
                   objections=award_objections.objections_of(session, actor, award.id),
                   publicities=publicity.publicities_of(session, award.id), answers=answers or {},
                   answer_days=award_rules.OBJECTION_ANSWER_DAYS)


@bp.get("/awards/<int:award_id>/objections")
@login_required(Role.AGENT, Role.TENDEREE, Role.SUPERVISOR)
def objections(award_id: int):
    return _objections_page(award_id)


@bp.post("/objections/<int:objection_id>/answer")
@login_required(Role.AGENT, Role.TENDEREE)
def answer(objection_id: int):
    text = request.form.get("answer", "")

    def done(row):
        flash(gettext("异议已答复。"), "success")
        return redirect(url_for("publicity.objections", award_id=row.award_id, _anchor=f"objection-{row.id}"))

    def again():
        row = award_objections.get_objection(db(), objection_id)
        return _objections_page(row.award_id, {row.id: text})

    return attempt(lambda: award_objections.answer_objection(db(), clock(), current_actor(), objection_id, text),
                   done, again)
