"""Resumable bid uploads over the API (bidding/uploads.py): open, append pieces, ask, finish.

    POST /tenders/<id>/sections/<n>/uploads  {"size": bytes}      → 201 {"upload_id", "offset": 0, "size", …}
    PUT  /uploads/<id>   Upload-Offset: <n>, body = the piece     → 200 {"offset", "size"}; 409 {"error", "offset"}
    GET  /uploads/<id>                                            → 200 {"offset", "size"}
    POST /uploads/<id>/finish   X-Sealbid-Pin: <PIN>              → as POST …/bids (the bid and its receipt)

The helpers below are shared with the bid page's cookie adapter (app/web/bid.py).
"""

from __future__ import annotations

from flask import current_app, jsonify, request, url_for

from app.api.v1 import api
from app.api.v1.bids import _submission_json
from app.api.v1.common import actor, json_body, token_required
from app.i18n import error_message
from app.services import clock, db, signing_settings, store
from bidding import bids, uploads
from bidding.models import Bid, BidSubmission
from core.actor import Actor

OFFSET_HEADER = "Upload-Offset"


def upload_area() -> uploads.UploadArea:
    return uploads.UploadArea.in_instance(current_app.config["SEALBID_INSTANCE"])


def offset_header() -> int | None:
    """The piece's start from ``Upload-Offset``; None when missing or not a plain non-negative integer."""
    value = request.headers.get(OFFSET_HEADER, "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def state_json(upload: uploads.BidUpload, endpoint: str, finish_endpoint: str) -> dict:
    return {"upload_id": upload.id, "offset": upload.received, "size": upload.size, "status": upload.status,
            "expires_at": upload.expires_at.isoformat(), "upload_url": url_for(endpoint, upload_id=upload.id),
            "finish_url": url_for(finish_endpoint, upload_id=upload.id)}


def with_offset(body: dict, status: int, offset: int):
    response = jsonify(body)
    response.status_code = status
    response.headers[OFFSET_HEADER] = str(offset)
    response.headers["Cache-Control"] = "no-store"
    return response


def conflict_json(error: uploads.UploadConflict):
    """409 with where the upload stands, so the sender resumes from there."""
    return with_offset({"error": {"code": error.code, "message": error_message(error)}, "offset": error.offset},
                       409, error.offset)


def create(who: Actor, tender_id: int, section: int) -> uploads.BidUpload:
    return uploads.create(db(), clock(), who, upload_area(), tender_id, section, json_body().get("size"),
                          max_bytes=current_app.config["MAX_BID_BYTES"])


def append(who: Actor, upload_id: str) -> uploads.BidUpload:
    return uploads.append(db(), clock(), who, upload_area(), upload_id, offset_header(), request.stream,
                          request.content_length)


def finish(who: Actor, upload_id: str) -> tuple[Bid, BidSubmission, bool]:
    submission, new = uploads.finish(
        db(), clock(), who, signing_settings(), store(), upload_area(), upload_id,
        pin=request.headers.get("X-Sealbid-Pin", ""), max_bytes=current_app.config["MAX_BID_BYTES"],
        signals=bids.Signals(source_ip=request.remote_addr or "",
                             client_fingerprint=request.headers.get("X-Client-Fingerprint", "")))
    return db().get(Bid, submission.bid_id), submission, new


# --- the routes ---------------------------------------------------------------------------------------------


@api.post("/tenders/<int:tender_id>/sections/<int:section>/uploads")
@token_required
def create_upload(tender_id: int, section: int):
    upload = create(actor(), tender_id, section)
    body = state_json(upload, "api_v1.append_upload", "api_v1.finish_upload")
    return with_offset(body, 201, upload.received)


@api.get("/uploads/<upload_id>")
@token_required
def upload_status(upload_id: str):
    upload = uploads.get(db(), clock(), actor(), upload_id)
    return with_offset(state_json(upload, "api_v1.append_upload", "api_v1.finish_upload"), 200, upload.received)


@api.put("/uploads/<upload_id>")
@token_required
def append_upload(upload_id: str):
    try:
        upload = append(actor(), upload_id)
    except uploads.UploadConflict as error:
        return conflict_json(error)
    return with_offset({"offset": upload.received, "size": upload.size}, 200, upload.received)


@api.post("/uploads/<upload_id>/finish")
@token_required
def finish_upload(upload_id: str):
    try:
        bid, submission, new = finish(actor(), upload_id)
    except uploads.UploadConflict as error:
        return conflict_json(error)
    return jsonify(_submission_json(bid, submission)), 201 if new else 200
