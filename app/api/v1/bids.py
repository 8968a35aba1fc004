"""Sealed bids over the API: the bidder client submits envelopes, reads its receipts, withdraws."""

from __future__ import annotations

from flask import current_app, jsonify, request, send_file, url_for

from app.api.v1 import api
from app.api.v1.common import actor, token_required
from app.services import clock, db, signing_settings, store
from bidding import bids, participation
from bidding.models import Bid, BidSubmission
from core.errors import N_, NotFound
from signing import signed_records


def _submission_json(bid: Bid, submission: BidSubmission) -> dict:
    return {
        "bid_id": bid.id,
        "status": bid.status,
        "action": submission.action,
        "envelope_sha256": submission.envelope_sha256,
        "size": submission.size,
        "received_at": submission.at.isoformat(),
        "ledger_seq": submission.ledger_seq,
        "receipt_record_id": submission.receipt_record_id,
        "receipt_url": url_for("api_v1.bid_receipt", bid_id=bid.id) if submission.receipt_record_id else None,
    }


@api.post("/tenders/<int:tender_id>/obtain")
@token_required
def obtain_documents(tender_id: int):
    """获取招标文件 for the token's company (recorded once; only in the sale period)."""
    record = participation.obtain_documents(db(), clock(), actor(), tender_id)
    db().commit()
    return jsonify({"tender_id": tender_id, "obtained_at": record.obtained_at.isoformat()})


@api.post("/tenders/<int:tender_id>/sections/<int:section>/bids")
@token_required
def submit_bid(tender_id: int, section: int):
    """The request body is the envelope (docs/envelope.md), streamed; ``X-Sealbid-Pin`` signs its hash."""
    submission, new = bids.submit(
        db(), clock(), actor(), signing_settings(), store(), tender_id, section, request.stream,
        pin=request.headers.get("X-Sealbid-Pin", ""), max_bytes=current_app.config["MAX_BID_BYTES"],
        signals=bids.Signals(source_ip=request.remote_addr or "",
                             client_fingerprint=request.headers.get("X-Client-Fingerprint", "")),
    )
    db().commit()
    return jsonify(_submission_json(db().get(Bid, submission.bid_id), submission)), 201 if new else 200


@api.get("/bids/<int:bid_id>")
@token_required
def bid_status(bid_id: int):
    bid = bids.own_bid(db(), actor(), bid_id)
    body = _submission_json(bid, bid.submissions[-1])
    body["history"] = [{"action": s.action, "envelope_sha256": s.envelope_sha256, "at": s.at.isoformat()}
                       for s in bid.submissions]
    return jsonify(body)


@api.get("/bids/<int:bid_id>/receipt.pdf")
@token_required
def bid_receipt(bid_id: int):
    """The signed PDF receipt of the bid's current envelope (the bidder's own)."""
    bid = bids.own_bid(db(), actor(), bid_id)
    if bid.receipt_record_id is None:
        raise NotFound(N_("该投标没有回执。"))
    record = signed_records.get(db(), bid.receipt_record_id)
    return send_file(store().open(record.pdf_sha256), mimetype="application/pdf",
                     download_name=f"receipt-{record.id}.pdf", etag=record.pdf_sha256)


@api.delete("/bids/<int:bid_id>")
@token_required
def withdraw_bid(bid_id: int):
    bid = bids.withdraw(db(), clock(), actor(), bid_id)
    db().commit()
    return jsonify({"bid_id": bid.id, "status": bid.status})
