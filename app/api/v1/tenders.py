"""Tender endpoints: the public list and notice; create, document and publish with an agent's token."""

from __future__ import annotations

from flask import current_app, jsonify, request

from app.api.v1 import api
from app.api.v1.common import actor, json_body, json_value, token_required
from app.api.v1.openapi import document as openapi_document
from app.api.v1.schemas import TenderPage, detail, summary
from app.listing import public_page
from app.services import clock, db, signing_settings, store
from bidding import tenders
from bidding.access import require_role
from bidding.notices import Signing
from bidding.schemas import TenderInput, parse
from core.actor import Role
from core.errors import N_, InvalidInput


@api.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@api.get("/tenders")
def list_tenders():
    page = public_page()
    body = TenderPage(items=[summary(t) for t in page.items], total=page.total, page=page.page, per_page=page.per_page)
    return current_app.response_class(body.model_dump_json(), mimetype="application/json")


@api.get("/tenders/<int:tender_id>")
def get_tender(tender_id: int):
    tender = tenders.get_tender(db(), actor(), tender_id)
    return current_app.response_class(detail(tender).model_dump_json(), mimetype="application/json")


@api.post("/tenders")
@token_required
def create_tender():
    require_role(actor(), Role.AGENT)
    data = parse(TenderInput, json_body())
    tender = tenders.create_tender(db(), clock(), actor(), data)
    db().commit()
    return current_app.response_class(detail(tender).model_dump_json(), status=201, mimetype="application/json",
                                      headers={"Location": f"/api/v1/tenders/{tender.id}"})


@api.post("/tenders/<int:tender_id>/documents")
@token_required
def upload_document(tender_id: int):
    """The raw request body is the file; ``title`` and ``filename`` come as query parameters."""
    filename = request.args.get("filename", "").strip()
    upload = tenders.Upload(title=request.args.get("title", filename), filename=filename,
                            content_type=request.mimetype or "application/octet-stream", stream=request.stream)
    doc = tenders.add_document(db(), clock(), actor(), store(), tender_id, upload,
                               current_app.config["MAX_DOCUMENT_BYTES"])
    db().commit()
    return jsonify({"id": doc.id, "title": doc.title, "version": doc.version, "sha256": doc.sha256,
                    "size": doc.size}), 201


@api.post("/tenders/<int:tender_id>/publish")
@token_required
def publish_tender(tender_id: int):
    """The body carries the agent's signing PIN: ``{"pin": "…"}``; the notice is signed with it."""
    require_role(actor(), Role.AGENT)
    body = json_value()
    pin = body.get("pin") if isinstance(body, dict) else None
    if not isinstance(pin, str):
        raise InvalidInput(N_("请提供签名口令（pin）。"), field="pin")
    tender = tenders.publish_tender(db(), clock(), actor(), tender_id, Signing(signing_settings(), store(), pin))
    db().commit()
    return current_app.response_class(detail(tender).model_dump_json(), mimetype="application/json")
