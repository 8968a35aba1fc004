"""The supervisor's pages: every tender, and each tender's full trail from the ledger."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.auth import current_actor, login_required
from app.services import clock, db
from bidding import participation, tenders, trail
from core.actor import Role
from signing import ledger

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")


@bp.get("/")
@login_required(Role.SUPERVISOR)
def index():
    return render_template("supervisor/index.html", tenders=tenders.all_tenders(db(), current_actor()))


@bp.get("/tenders/<int:tender_id>")
@login_required(Role.SUPERVISOR)
def tender(tender_id: int):
    actor = current_actor()
    item = tenders.get_tender(db(), actor, tender_id)
    return render_template(
        "supervisor/tender.html",
        tender=item,
        entries=trail.tender_trail(db(), actor, item),
        obtainers=participation.obtainers(db(), clock(), actor, item.id),
        chain=ledger.verify(db()),
    )
