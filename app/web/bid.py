"""递交投标文件 in the browser: the bid page, and the resumable upload behind it for the signed-in bidder.

The page seals the bid on the bidder's machine (app/static/js/bid.js, with envelope.js) and sends
only the envelope, in pieces, to the routes below. They are the API's upload routes
(app/api/v1/uploads.py, the same domain functions in bidding/uploads.py) for the session cookie:
every PUT and POST carries the page's CSRF token in ``X-CSRFToken``, and answers are JSON.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, url_for
from flask_babel import gettext

from app.api.v1 import uploads as adapter
from app.api.v1.bids import _submission_json
from app.auth import current_actor, login_required
from app.errors import status_for
from app.i18n import error_message
from app.services import clock, db
from bidding import uploads
from core.actor import Role
from core.errors import DomainError

bp = Blueprint("bid", __name__, url_prefix="/bidder")

# Envelope bytes per PUT from the page (BID_UPLOAD_CHUNK_BYTES overrides it).
CHUNK_BYTES = 4 * 1024 * 1024


def _json(view: Callable) -> Callable:
    """Bidders only, answering in JSON: 401/403 instead of the sign-in page, domain refusals as errors."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        actor = current_actor()
        if not actor.signed_in:
            return _error(401, "unauthorized", gettext("请先登录。"))
        if not actor.has(Role.BIDDER):
            return _error(403, "forbidden", gettext("您没有访问此页面的权限。"))
        try:
            return view(*args, **kwargs)
        except uploads.UploadConflict as error:
            return adapter.conflict_json(error)
        except DomainError as error:
            db().rollback()
            return _error(status_for(error), error.code, error_message(error), error.field)

    return wrapped


def _error(status: int, code: str, message: str, field: str | None = None):
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if field:
        body["error"]["field"] = field
    return jsonify(body), status


def _state(upload: uploads.BidUpload, status: int = 200):
    return adapter.with_offset(adapter.state_json(upload, "bid.append_upload", "bid.finish_upload"), status,
                               upload.received)


@bp.get("/tenders/<int:tender_id>/sections/<int:section>/bid")
@login_required(Role.BIDDER)
def page(tender_id: int, section: int):
    facts = uploads.bid_page(db(), clock(), current_actor(), tender_id, section)
    tender = facts.tender
    config = {
        "binding": {"tender_code": tender.code, "section": facts.section.number, "bidder": facts.bidder.credit_code},
        "escrow": {"k": tender.escrow_k,
                   "holders": [base64.b64encode(h.public_raw).decode() for h in tender.escrow_holders]},
        "keyId": facts.key_id,
        "createUrl": url_for("bid.create_upload", tender_id=tender.id, section=facts.section.number),
        "chunkBytes": int(current_app.config.get("BID_UPLOAD_CHUNK_BYTES", CHUNK_BYTES)),
    }
    return render_template("bidder/bid.html", facts=facts, tender=tender, section=facts.section, config=config)


@bp.post("/tenders/<int:tender_id>/sections/<int:section>/uploads")
@_json
def create_upload(tender_id: int, section: int):
    """``{"size": <envelope bytes>}`` → the new upload, where to send its pieces and how to finish it."""
    return _state(adapter.create(current_actor(), tender_id, section), 201)


@bp.get("/uploads/<upload_id>")
@_json
def upload_status(upload_id: str):
    return _state(uploads.get(db(), clock(), current_actor(), upload_id))


@bp.put("/uploads/<upload_id>")
@_json
def append_upload(upload_id: str):
    """One piece of the envelope; ``Upload-Offset`` says where it starts."""
    return _state(adapter.append(current_actor(), upload_id))


@bp.post("/uploads/<upload_id>/finish")
@_json
def finish_upload(upload_id: str):
    """``X-Sealbid-Pin`` signs the envelope's hash; the answer is the bid's, with the receipt at /records/…"""
    bid, submission, new = adapter.finish(current_actor(), upload_id)
    body = _submission_json(bid, submission)
    if submission.receipt_record_id:
        body["receipt_url"] = url_for("records.download", record_id=submission.receipt_record_id)
    return jsonify(body), 201 if new else 200
