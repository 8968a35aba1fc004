"""Encryption keys and the opening escrow: what a sealing client needs, and what an agent sets."""

from __future__ import annotations

import base64
import binascii

from flask import jsonify

from app.api.v1 import api
from app.api.v1.common import actor, json_body, token_required
from app.services import clock, db
from bidding import escrow, tenders
from core.errors import N_, InvalidInput
from signing import encryption_keys


def _b64(value: object, field: str) -> bytes:
    if not isinstance(value, str):
        raise InvalidInput(N_("请提供 base64 编码的公钥。"), field=field)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(N_("请提供 base64 编码的公钥。"), field=field) from exc


@api.post("/keys/encryption")
@token_required
def register_encryption_key():
    """``{"public_key": "<base64 of the 32-byte X25519 public key>"}``: only the public half is ever sent."""
    row = encryption_keys.register(db(), clock(), actor(), _b64(json_body().get("public_key"), "public_key"))
    db().commit()
    return jsonify({"key_id": row.key_id}), 201


@api.put("/tenders/<int:tender_id>/escrow")
@token_required
def set_escrow(tender_id: int):
    """``{"holders": [user ids], "k": 2}`` for a draft: who together can open bids when a bidder cannot."""
    body = json_body()
    holders, k = body.get("holders"), body.get("k")
    if not isinstance(holders, list) or not all(isinstance(h, int) for h in holders) or not isinstance(k, int):
        raise InvalidInput(N_("请提供托管人用户编号列表 holders 和门限 k。"), field="holders")
    tender = escrow.set_escrow(db(), clock(), actor(), tender_id, holders, k)
    db().commit()
    return jsonify(_escrow_json(tender))


@api.get("/tenders/<int:tender_id>/escrow")
def get_escrow(tender_id: int):
    """What a bidder's client seals to: the binding values and the escrow holders' public keys."""
    return jsonify(_escrow_json(tenders.get_tender(db(), actor(), tender_id)))


def _escrow_json(tender) -> dict:
    return {
        "tender_code": tender.code,
        "sections": [{"number": s.number, "name": s.name} for s in tender.sections],
        "k": tender.escrow_k,
        "holders": [{"key_id": h.key_id, "public_key": base64.b64encode(h.public_raw).decode()}
                    for h in tender.escrow_holders],
    }
