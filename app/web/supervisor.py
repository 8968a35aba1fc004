"""The supervisor's pages: every tender, and each tender's full trail from the ledger; the bid bonds'
statistics (with the Excel export), the refunds overdue and the rigging signals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pandas as pd
from flask import Blueprint, Response, render_template, request
from flask_babel import gettext

from app.auth import current_actor, login_required
from app.filters import money
from app.services import clock, db, signing_settings, store
from bidding import award_state, bond_statistics, participation, supervision, tenders, trail
from core.actor import Role
from signing import ledger, pki

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The chart's drawing area (SVG user units) and its bars per period: waived, guaranteed, cash.
CHART_HEIGHT, BAR, GAP, LEFT = 180, 18, 24, 8
SERIES = (("waived", "#a31d24"), ("guaranteed", "#1f6feb"), ("cash", "#9a6700"))


@bp.get("/")
@login_required(Role.SUPERVISOR)
def index():
    return render_template("supervisor/index.html", tenders=tenders.all_tenders(db(), current_actor()))


@bp.get("/tenders/<int:tender_id>")
@login_required(Role.SUPERVISOR)
def tender(tender_id: int):
    """One workspace per tender: milestones, signed records with their validation, objections, complaints, bonds,
    awards, the full trail and the ledger check."""
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
    )


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
    response = Response(data, mimetype=XLSX)
    # an ASCII name for old clients, the translated one (RFC 6266/5987) for the others
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"bond-statistics{span}.xlsx\"; "
        f"filename*=UTF-8''{quote(gettext('投标保证金统计') + span + '.xlsx')}")
    response.headers["Cache-Control"] = "no-store"
    return response
