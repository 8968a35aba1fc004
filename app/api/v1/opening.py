"""The remote opening over the API: the room, the bidder's decryption, and the escrow holders' layers."""

from __future__ import annotations

import base64
import binascii
import json

from flask import jsonify

from app.api.v1 import api
from app.api.v1.common import actor, json_body, token_required
from app.services import clock, db, store
from bidding import opening
from core.errors import N_, InvalidInput
from signing import envelope


def _bytes(value: object, field: str, *, hex_: bool = False) -> bytes:
    try:
        if not isinstance(value, str):
            raise ValueError
        return bytes.fromhex(value) if hex_ else base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise InvalidInput(N_("%(field)s 格式不正确。"), field=field) from exc


@api.get("/tenders/<int:tender_id>/opening")
@token_required
def opening_room(tender_id: int):
    """Who has decrypted, live; bid forms appear as each bid is decrypted (O3, 电子办法第30条)."""
    tender, bids = opening.room(db(), actor(), tender_id)
    return jsonify({
        "status": tender.status,
        "opened_at": tender.opened_at.isoformat() if tender.opened_at else None,
        "decryption_deadline": tender.decryption_deadline.isoformat() if tender.decryption_deadline else None,
        "bids": [{"bid_id": b.id, "section": b.section.number, "bidder": b.bidder.name, "status": b.status,
                  "decrypted_at": b.decrypted_at.isoformat() if b.decrypted_at else None,
                  "bid_form": json.loads(b.bid_form) if b.bid_form else None} for b in bids],
    })


@api.post("/bids/<int:bid_id>/decrypt")
@token_required
def decrypt_bid(bid_id: int):
    """``{"content_key": "<64 hex digits>"}``: the key the bidder unwrapped on its own machine."""
    key = _bytes(json_body().get("content_key"), "content_key", hex_=True)
    bid = opening.decrypt_own_bid(db(), clock(), actor(), store(), bid_id, key)
    db().commit()
    return jsonify({"bid_id": bid.id, "status": bid.status, "files": [f.name for f in bid.files]})


@api.get("/bids/<int:bid_id>/escrow/layer")
@token_required
def escrow_layer(bid_id: int):
    """The layer the calling holder must remove next, and the binding it is bound to."""
    layer = opening.current_layer(db(), actor(), bid_id)
    with store().open(opening.bid_envelope(db(), bid_id)) as sealed:
        binding = envelope.read_header(sealed).binding
    return jsonify({"layer": base64.b64encode(layer).decode(), "binding": binding.as_json()})


@api.post("/bids/<int:bid_id>/escrow/layer")
@token_required
def escrow_peel(bid_id: int):
    """``{"layer": "<base64>"}``: the result of removing this holder's layer locally."""
    layer = _bytes(json_body().get("layer"), "layer")
    bid = opening.peel(db(), clock(), actor(), store(), bid_id, layer)
    db().commit()
    return jsonify({"bid_id": bid.id, "status": bid.status})
