"""The supervisor's pages: every tender with what is overdue (awards, publicities started late, objections and
complaints not handled in time, contracts not signed) and the savings rate of each contract; each tender's
workspace and full trail, where the supervisor suspends and resumes it (条例第62条); the bid bonds' statistics
(with the Excel export), the refunds overdue and the rigging signals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
from flask import Blueprint, render_template, request
from flask_babel import gettext

from app.auth import current_actor, login_required
from app.filters import money
from app.services import clock, db, signing_settings, store
from app.web.forms import attempt
from app.web.responses import attachment, flashed
from bidding import (
    award,
    award_objections,
    award_state,
    bond_release,
    bond_statistics,
    complaints,
    participation,
    publicity,
    supervision,
    tenders,
    trail,
)
from core.actor import Role
from core.errors import N_
from signing import ledger, pki

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")
# What each kind of signed record is, for the workspace (the record's own title is in the record's language).
RECORD_KIND_LABELS = {
    "tender_notice": N_("招标公告"), "bond_waiver": N_("免收投标保证金决定"), "credit_commitment": N_("信用承诺书"),
    "bid_receipt": N_("投标回执"), "opening_record": N_("开标记录"), "draw_record": N_("专家抽取记录"),
    "evaluation_report": N_("评标报告"), "publicity": N_("公示"), "award_record": N_("定标报告"),
    "award_notice": N_("中标通知书"), "result_notice": N_("中标结果通知书"), "complaint_decision": N_("投诉处理决定书"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The chart's drawing area (SVG user units) and its bars per period: waived, guaranteed, cash.
CHART_HEIGHT, BAR, GAP, LEFT = 180, 18, 24, 8
SERIES = (("waived", "#a31d24"), ("guaranteed", "#1f6feb"), ("cash", "#9a6700"))


@bp.get("/")
@login_required(Role.SUPERVISOR)
def index():
    actor = current_actor()
    session = db()
    objections = award_objections.overdue_objections(session, clock(), actor)
    return render_template(
        "supervisor/index.html",
        tenders=tenders.all_tenders(session, actor),
        overdue_awards=award.overdue_awards(session, clock()),
        award_due=award.award_due,
        late_publicities=publicity.late_publicities(session, clock(), actor),
        overdue_objections=[(o, award_state.get_award(session, o.award_id)) for o in objections],
        overdue_complaints=complaints.overdue_complaints(session, clock(), actor),
        overdue_contracts=[c for c in bond_release.contracts_due(session, clock(), actor) if c.overdue],
        savings=bond_statistics.contract_savings(session, actor),
        award_labels=award_state.STATUS_LABELS,
        complaint_labels=complaints.STATUS_LABELS,
    )


def _workspace(tender_id: int, form: dict[str, str] | None = None):
    """One workspace per tender: milestones, signed records with their validation, objections, complaints, bonds,
    awards, the full trail and the ledger check, with the suspension's forms (also re-shown on a refusal)."""
    actor = current_actor()
    session = db()
    item = tenders.get_tender(session, actor, tender_id)
    crl = pki.crl(session, clock(), signing_settings())
    session.commit()
    return render_template(
        "supervisor/tender.html",
        tender=item,
        ws=supervision.workspace(session, actor, store(), item, pki.trust_roots(session), crl, clock().now()),
        entries=trail.tender_trail(session, actor, item),
        obtainers=participation.obtainers(session, clock(), actor, item.id),
        chain=ledger.verify(session),
        award_labels=award_state.STATUS_LABELS,
        complaint_labels=complaints.STATUS_LABELS,
        outcome_labels=complaints.OUTCOME_LABELS,
        record_labels=RECORD_KIND_LABELS,
        suspendable=item.status not in complaints.NOT_SUSPENDABLE,
        form=form or {},
    )


@bp.get("/tenders/<int:tender_id>")
@login_required(Role.SUPERVISOR)
def tender(tender_id: int):
    return _workspace(tender_id)


def _to_workspace(tender_id: int, message: str):
    return flashed(message, "supervisor.tender", tender_id=tender_id, _anchor="suspension")


@bp.post("/tenders/<int:tender_id>/suspend")
@login_required(Role.SUPERVISOR)
def suspend(tender_id: int):
    reason = request.form.get("reason", "")
    return attempt(lambda: complaints.suspend(db(), clock(), current_actor(), tender_id, reason),
                   _to_workspace(tender_id, gettext("已暂停本项目的招标投标活动（条例第62条）。")),
                   lambda: _workspace(tender_id, {"reason": reason}))


@bp.post("/tenders/<int:tender_id>/resume")
@login_required(Role.SUPERVISOR)
def resume(tender_id: int):
    return attempt(lambda: complaints.resume(db(), clock(), current_actor(), tender_id),
                   _to_workspace(tender_id, gettext("已恢复本项目的招标投标活动。")),
                   lambda: _workspace(tender_id))


def _filters() -> bond_statistics.Filters:
    """The query string's period range and grouping; a bad one is refused with a 400 saying why."""
    return bond_statistics.parse_filters(request.args.get("start"), request.args.get("end"), request.args.getlist("by"))


def _cells(frame: pd.DataFrame) -> list[list[tuple[str, bool]]]:
    """Each cell as (text, is a number), money to the fen."""
    rows = []
    for row in frame.itertuples(index=False):
        rows.append([(money(v), True) if isinstance(v, Decimal) else (str(v), not isinstance(v, str)) for v in row])
    return rows


def _chart(bars: list[bond_statistics.PeriodBar]) -> dict[str, Any]:
    """Bar heights scaled to the largest amount, so the SVG needs no script."""
    top = max([getattr(b, name) for b in bars for name, _ in SERIES] + [Decimal(1)])
    groups = []
    for i, bar in enumerate(bars):
        x = LEFT + i * (len(SERIES) * BAR + GAP)
        rects = []
        for j, (name, colour) in enumerate(SERIES):
            value = getattr(bar, name)
            height = round(float(value / top) * CHART_HEIGHT, 1)
            rects.append({"x": x + j * BAR, "y": CHART_HEIGHT - height, "height": height, "colour": colour,
                          "name": name, "value": value})
        groups.append({"period": bar.period, "x": x, "rects": rects})
    width = LEFT * 2 + max(1, len(bars)) * (len(SERIES) * BAR + GAP)
    return {"groups": groups, "width": width, "height": CHART_HEIGHT + 24, "base": CHART_HEIGHT, "bar": BAR,
            "series": SERIES}


@bp.get("/bonds")
@login_required(Role.SUPERVISOR)
def bonds():
    actor = current_actor()
    chosen = _filters()
    frame = bond_statistics.for_supervisor(db(), clock(), actor)
    table = bond_statistics.summary(frame, chosen.by, chosen.start, chosen.end, gettext)
    return render_template(
        "supervisor/bonds.html",
        filters=chosen,
        groups=bond_statistics.GROUPS,
        totals=bond_statistics.totals(frame, chosen.start, chosen.end),
        headers=list(table.columns),
        rows=_cells(table),
        chart=_chart(bond_statistics.period_bars(frame, chosen.start, chosen.end)),
        overdue=bond_statistics.overdue_list(db(), clock(), actor),
        signals=bond_statistics.signal_list(db(), actor),
        export_args={k: v for k, v in (("start", chosen.start), ("end", chosen.end), ("by", list(chosen.by))) if v},
    )


@bp.get("/bonds.xlsx")
@login_required(Role.SUPERVISOR)
def bonds_excel():
    chosen = _filters()
    frame = bond_statistics.for_supervisor(db(), clock(), current_actor())
    data = bond_statistics.to_excel(frame, chosen.by, chosen.start, chosen.end, gettext)
    span = "".join(f"-{p}" for p in (chosen.start, chosen.end) if p)
    return attachment(data, XLSX, f"bond-statistics{span}.xlsx", gettext("投标保证金统计") + span + ".xlsx")
