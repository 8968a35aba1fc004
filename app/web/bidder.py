"""The bidder's pages: tenders it takes part in, obtaining documents, questions and objections, the award and
result notices addressed to it (opening one marks it received) and its complaints."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from sqlalchemy import select

from app.auth import current_actor, login_required
from app.services import clock, db, store
from app.web.forms import attempt, text
from app.web.public import render_tender
from app.web.responses import attachment
from bidding import award_notice, bids, complaints, participation
from bidding.award_models import Award
from bidding.models import DocumentObtained, Tender
from core.actor import Role
from core.identity import Organisation

bp = Blueprint("bidder", __name__, url_prefix="/bidder")


@bp.get("/")
@login_required(Role.BIDDER)
def dashboard():
    actor = current_actor()
    rows = db().execute(
        select(Tender, DocumentObtained)
        .join(DocumentObtained, DocumentObtained.tender_id == Tender.id)
        .where(DocumentObtained.bidder_org_id == actor.org_id)
        .order_by(Tender.bid_deadline)
    ).all()
    org = db().get(Organisation, actor.org_id) if actor.org_id else None
    notices = award_notice.my_notices(db(), actor) if actor.org_id else []
    return render_template("bidder/dashboard.html", rows=rows, org=org, bids=bids.bids_of(db(), actor),
                           notices=[(n, db().get(Award, n.award_id)) for n in notices],
                           notice_labels=award_notice.KIND_LABELS,
                           complaints=complaints.my_complaints(db(), actor), complaint_labels=complaints.STATUS_LABELS,
                           outcome_labels=complaints.OUTCOME_LABELS)


@bp.get("/notices/<int:notice_id>/pdf")
@login_required(Role.BIDDER)
def notice_pdf(notice_id: int):
    """The signed notice; the addressed bidder's first download records its receipt (电子签名法第11条)."""
    session = db()
    notice = award_notice.mark_read(session, clock(), current_actor(), notice_id)
    session.commit()
    data = award_notice.notice_pdf(session, current_actor(), notice_id, store())
    kind = "award-notice" if notice.kind == "award" else "result-notice"
    code = session.get(Tender, notice.tender_id).code
    name = f"{gettext(award_notice.KIND_LABELS[notice.kind])}-{code}-{notice.id}.pdf"
    return attachment(data, "application/pdf", f"{kind}-{notice.id}.pdf", name)


@bp.post("/tenders/<int:tender_id>/obtain")
@login_required(Role.BIDDER)
def obtain(tender_id: int):
    def done(_record):
        flash(gettext("已获取招标文件，现在可以下载。"), "success")
        return redirect(url_for("public.tender", tender_id=tender_id))

    return attempt(lambda: participation.obtain_documents(db(), clock(), current_actor(), tender_id), done,
                   lambda: render_tender(tender_id))


@bp.post("/tenders/<int:tender_id>/questions")
@login_required(Role.BIDDER)
def ask(tender_id: int):
    def done(_q):
        flash(gettext("问题已提交，答复后将公开（不公开提问单位）。"), "success")
        return redirect(url_for("public.tender", tender_id=tender_id))

    return attempt(lambda: participation.ask_question(db(), clock(), current_actor(), tender_id, text("body")), done,
                   lambda: render_tender(tender_id))


@bp.post("/tenders/<int:tender_id>/objections")
@login_required(Role.BIDDER)
def object(tender_id: int):
    def done(_o):
        flash(gettext("异议已提交，招标人答复前项目暂停。"), "success")
        return redirect(url_for("public.tender", tender_id=tender_id))

    return attempt(lambda: participation.raise_objection(db(), clock(), current_actor(), tender_id, text("body")),
                   done, lambda: render_tender(tender_id))
