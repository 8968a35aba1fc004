"""The notice list's query parameters, read the same way by the public page and the API."""

from __future__ import annotations

from flask import current_app, request

from app.services import db
from bidding import tenders
from bidding.access import PUBLIC_STATUSES
from bidding.schemas import CATEGORY_LABELS

# Deeper than this no person pages; larger numbers would overflow the database's OFFSET.
MAX_PAGE = 100_000
MAX_PER_PAGE = 100


def int_arg(name: str, default: int, upper: int) -> int:
    try:
        return min(upper, max(1, int(request.args.get(name, default))))
    except ValueError:
        return default


def public_page() -> tenders.Page:
    """Search text, category, region, status and page from the query string; unknown values are ignored."""
    category = request.args.get("category", "")
    status = request.args.get("status", "")
    return tenders.public_tenders(
        db(),
        q=request.args.get("q", ""),
        category=category if category in CATEGORY_LABELS else "",
        region=request.args.get("region", ""),
        status=status if status in PUBLIC_STATUSES else "",
        page=int_arg("page", 1, MAX_PAGE),
        per_page=int_arg("per_page", current_app.config["PAGE_SIZE"], MAX_PER_PAGE),
    )
