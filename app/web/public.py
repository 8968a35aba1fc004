"""Public pages: the notice list, a notice with its documents and answers, plans, language."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, session, url_for

from app.auth import current_actor
from app.listing import public_page
from app.services import clock, db, store
from bidding import award_rules, notices, participation, publicity, tenders
from bidding.access import PUBLIC_STATUSES, manages
from bidding.lifecycle import STATUS_LABELS
from core.actor import Role
from signing import signed_records

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    statuses = [s for s in STATUS_LABELS if s in PUBLIC_STATUSES]
    return render_template("public/index.html", page=public_page(), statuses=statuses)


@bp.get("/plans")
def plans():
    return render_template("public/plans.html", plans=tenders.public_plans(db()))


def render_tender(tender_id: int):
    """The notice page, shaped by who is looking (also re-shown when a form on it is refused)."""
    session_ = db()
    actor = current_actor()
    tender = tenders.get_tender(session_, actor, tender_id)
    is_manager = manages(actor, tender)
    now = clock().now()
    return render_template(
        "public/tender.html",
        tender=tender,
        documents=tenders.current_documents(tender),
        questions=participation.questions(session_, tender, answered_only=not is_manager),
        objections=participation.objections(session_, actor, tender),
        obtained=participation.obtained(session_, tender.id, actor.org_id) if actor.has(Role.BIDDER) else None,
        is_manager=is_manager,
        sale_open=tender.sale_start <= now <= tender.sale_end,
        notices=signed_records.for_tender(session_, tender.id, notices.KIND),
        award_methods=award_rules.METHOD_LABELS, rule_sets=award_rules.RULE_SETS,
        publicities=publicity.tender_publicities(session_, tender.id),
    )


@bp.get("/tenders/<int:tender_id>")
def tender(tender_id: int):
    return render_tender(tender_id)


@bp.get("/tenders/<int:tender_id>/documents/<int:document_id>")
def download(tender_id: int, document_id: int):
    actor = current_actor()
    if not actor.signed_in:
        return redirect(url_for("auth.login", next=request.full_path))
    doc = participation.document_for_download(db(), actor, tender_id, document_id)
    return send_file(store().open(doc.sha256), mimetype=doc.content_type, as_attachment=True,
                     download_name=doc.filename, etag=doc.sha256)


@bp.get("/lang/<code>")
def language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    target = request.args.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("public.index")
    return redirect(target)
