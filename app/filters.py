"""Template helpers: times in Asia/Shanghai, money, labels of domain codes, the signed-in person."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Flask, request, url_for
from flask_babel import get_locale, gettext

from app.auth import current_actor, current_user
from app.services import clock
from bidding.bids import BID_STATUS_LABELS
from bidding.bonds import BOND_STATUS_LABELS
from bidding.lifecycle import STATUS_LABELS
from bidding.parties import ORG_KIND_LABELS, ORG_STATUS_LABELS, ROLE_LABELS
from bidding.schemas import (
    AMENDMENT_LABELS,
    BOND_FORM_LABELS,
    BOND_POLICY_LABELS,
    CATEGORY_LABELS,
    EVALUATION_LABELS,
    METHOD_LABELS,
)
from core.actor import Role
from core.clock import shanghai_text, to_shanghai

LABELS = {
    "status": STATUS_LABELS,
    "category": CATEGORY_LABELS,
    "method": METHOD_LABELS,
    "evaluation": EVALUATION_LABELS,
    "amendment": AMENDMENT_LABELS,
    "org_kind": ORG_KIND_LABELS,
    "org_status": ORG_STATUS_LABELS,
    "role": ROLE_LABELS,
    "bid_status": BID_STATUS_LABELS,
    "bond_policy": BOND_POLICY_LABELS,
    "bond_form": BOND_FORM_LABELS,
    "bond_status": BOND_STATUS_LABELS,
}


def dt(value: datetime | None) -> str:
    """Shown in Asia/Shanghai to the second: deadlines are exact to the second."""
    return shanghai_text(value) if value else ""


def dt_input(value: datetime | None) -> str:
    """For <input type=datetime-local>."""
    return to_shanghai(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def money(value: Decimal | None) -> str:
    return f"{value:,.2f}" if value is not None else ""


def filesize(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def label(value: str | None, kind: str) -> str:
    text = LABELS[kind].get(value or "", value or "")
    return gettext(text) if text else ""


def page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(page)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register(app: Flask) -> None:
    app.jinja_env.filters.update(dt=dt, dt_input=dt_input, money=money, filesize=filesize, label=label)
    app.jinja_env.globals.update(
        current_actor=current_actor,
        current_user=current_user,
        Role=Role,
        page_url=page_url,
        LABELS=LABELS,
        get_locale=get_locale,
    )
    app.context_processor(lambda: {"now": clock().now()})
