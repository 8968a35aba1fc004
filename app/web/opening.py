"""The opening room (开标室) in the browser: live status, the bidder's remote decryption, failures,
escrow recovery, objections on the spot, and the signed opening record."""

from __future__ import annotations

import json

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext

from app.auth import current_actor, login_required
from app.services import clock, db, signing_settings, store
from app.web.forms import attempt, text
from bidding import bids, opening, opening_record
from bidding.access import manages
from bidding.notices import Signing
from core.actor import Role
from core.errors import N_, InvalidInput
from signing import signed_records

bp = Blueprint("opening", __name__)


def _room_page(tender_id: int):
    actor = current_actor()
    tender, room_bids = opening.room(db(), actor, tender_id)
    return render_template(
        "opening/room.html",
        tender=tender,
        bids=room_bids,
        forms={b.id: json.loads(b.bid_form) for b in room_bids if b.bid_form},
        is_manager=manages(actor, tender),
        recoveries=opening.recoveries(db(), tender),
        objections=opening.objections(db(), tender),
        records=signed_records.for_tender(db(), tender.id, opening_record.KIND),
        next_holder=opening.next_holder,
    )


@bp.get("/tenders/<int:tender_id>/opening")
@login_required()
def room(tender_id: int):
    return _room_page(tender_id)


@bp.get("/tenders/<int:tender_id>/opening.json")
@login_required()
def room_status(tender_id: int):
    """Polled by the room page every few seconds, so everyone sees decryptions as they happen."""
    tender, room_bids = opening.room(db(), current_actor(), tender_id)
    return jsonify({"status": tender.status, "now": clock().now().isoformat(),
                    "bids": [{"bid_id": b.id, "status": b.status} for b in room_bids]})


def _back(tender_id: int, message: str):
    def done(_result):
        flash(message, "success")
        return redirect(url_for("opening.room", tender_id=tender_id))

    return done


@bp.post("/tenders/<int:tender_id>/opening/bids/<int:bid_id>/decrypt")
@login_required(Role.BIDDER)
def decrypt(tender_id: int, bid_id: int):
    def action():
        try:
            key = bytes.fromhex(text("content_key"))
        except ValueError as exc:
            raise InvalidInput(N_("解密密钥格式不正确（应为 64 位十六进制）。"), field="content_key") from exc
        return opening.decrypt_own_bid(db(), clock(), current_actor(), store(), bid_id, key)

    return attempt(action, _back(tender_id, gettext("解密成功，投标文件与密封清单一致。")), lambda: _room_page(tender_id))


@bp.get("/bidder/bids/<int:bid_id>/envelope")
@login_required(Role.BIDDER)
def own_envelope(bid_id: int):
    """The bidder's own sealed envelope, for unwrapping its key in the browser at the opening."""
    bid = bids.own_bid(db(), current_actor(), bid_id)
    return send_file(store().open(bid.envelope_sha256), mimetype="application/octet-stream",
                     download_name=f"bid-{bid.id}.sealbid")


@bp.post("/tenders/<int:tender_id>/opening/bids/<int:bid_id>/failure")
@login_required(Role.AGENT, Role.TENDEREE)
def failure(tender_id: int, bid_id: int):
    return attempt(lambda: opening.record_failure(db(), clock(), current_actor(), bid_id, text("fault"), text("note")),
                   _back(tender_id, gettext("已认定解密失败的责任。")), lambda: _room_page(tender_id))


@bp.post("/tenders/<int:tender_id>/opening/bids/<int:bid_id>/recovery")
@login_required(Role.AGENT, Role.TENDEREE)
def recovery(tender_id: int, bid_id: int):
    def action():
        holders = [int(v) for v in request.form.getlist("holders") if v.isdigit() and len(v) < 10]
        return opening.request_recovery(db(), clock(), current_actor(), store(), bid_id, holders, text("reason"))

    return attempt(action, _back(tender_id, gettext("已发起托管恢复，待监督人员批准。")), lambda: _room_page(tender_id))


@bp.post("/tenders/<int:tender_id>/opening/bids/<int:bid_id>/approve")
@login_required(Role.SUPERVISOR)
def approve(tender_id: int, bid_id: int):
    return attempt(lambda: opening.approve_recovery(db(), clock(), current_actor(), bid_id),
                   _back(tender_id, gettext("已批准托管恢复。")), lambda: _room_page(tender_id))


@bp.post("/tenders/<int:tender_id>/opening/finish")
@login_required(Role.AGENT, Role.TENDEREE)
def finish(tender_id: int):
    return attempt(lambda: opening.finish_opening(db(), clock(), current_actor(), tender_id),
                   _back(tender_id, gettext("开标结束。")), lambda: _room_page(tender_id))


@bp.post("/tenders/<int:tender_id>/opening/record")
@login_required(Role.AGENT, Role.SUPERVISOR)
def sign_record(tender_id: int):
    return attempt(lambda: opening_record.sign_opening_record(
        db(), clock(), current_actor(), tender_id, Signing(signing_settings(), store(), request.form.get("pin", ""))),
        _back(tender_id, gettext("开标记录已签署。")), lambda: _room_page(tender_id))


@bp.post("/tenders/<int:tender_id>/opening/objections")
@login_required(Role.BIDDER)
def object_(tender_id: int):
    return attempt(lambda: opening.raise_objection(db(), clock(), current_actor(), tender_id, text("body")),
                   _back(tender_id, gettext("异议已提交。")), lambda: _room_page(tender_id))


@bp.post("/tenders/<int:tender_id>/opening/objections/<int:objection_id>/answer")
@login_required(Role.AGENT, Role.TENDEREE)
def answer(tender_id: int, objection_id: int):
    return attempt(lambda: opening.answer_objection(db(), clock(), current_actor(), tender_id, objection_id,
                                                    text("answer")),
                   _back(tender_id, gettext("已答复异议。")), lambda: _room_page(tender_id))
