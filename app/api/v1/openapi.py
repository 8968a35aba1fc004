"""The OpenAPI 3.1 document, generated from the same pydantic models that validate input."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from app.api.v1.schemas import Error, TenderOut, TenderPage
from bidding.schemas import TenderInput


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": _ref(name)}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): {"description": "error", **_json("Error")} for code in codes}


def _object(**properties: str) -> dict[str, Any]:
    return {"type": "object", "required": list(properties), "properties": {k: {"type": v} for k, v in properties.items()}}


BINARY = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
PIN_HEADER = {"name": "X-Sealbid-Pin", "in": "header", "required": True, "schema": {"type": "string"},
              "description": "the bidder's signing PIN: signs the envelope hash"}
OFFSET_HEADER = {"name": "Upload-Offset", "in": "header", "required": True, "schema": {"type": "integer"}}

# The sealed-bid endpoints (docs/envelope.md): (path, method, summary, request body, extra parameters, errors).
SEALED_BID_OPERATIONS: list[tuple[str, str, str, dict[str, Any] | None, list[dict[str, Any]], tuple[int, ...]]] = [
    ("/keys/encryption", "post", "Register the caller's X25519 encryption public key (base64 of 32 bytes)",
     {"application/json": {"schema": _object(public_key="string")}}, [], (400, 401, 403)),
    ("/tenders/{tender_id}/escrow", "get", "The tender's opening escrow: k and the holders' public keys", None, [],
     (404,)),
    ("/tenders/{tender_id}/escrow", "put", "Set a draft's escrow holders (user ids) and threshold k (agent)",
     {"application/json": {"schema": {"type": "object", "required": ["holders", "k"], "properties": {
         "holders": {"type": "array", "items": {"type": "integer"}}, "k": {"type": "integer"}}}}}, [],
     (400, 401, 403, 404, 409)),
    ("/tenders/{tender_id}/obtain", "post", "Obtain the tender's documents (bidder; in the sale period)", None, [],
     (401, 403, 404, 409, 422)),
    ("/tenders/{tender_id}/sections/{section}/bids", "post", "Submit a sealed envelope (the body); answers the receipt",
     BINARY, [PIN_HEADER], (400, 401, 403, 404, 409, 413, 422)),
    ("/tenders/{tender_id}/sections/{section}/uploads", "post", "Open a resumable upload of an envelope",
     {"application/json": {"schema": _object(size="integer")}}, [], (400, 401, 403, 404, 409, 422)),
    ("/uploads/{upload_id}", "get", "Where a resumable upload stands (offset)", None, [], (401, 404)),
    ("/uploads/{upload_id}", "put", "Append a piece at Upload-Offset (409 with the offset to resume from)", BINARY,
     [OFFSET_HEADER], (400, 401, 404, 409, 413)),
    ("/uploads/{upload_id}/finish", "post", "Finish an upload: submit the assembled envelope", None, [PIN_HEADER],
     (400, 401, 404, 409, 422)),
    ("/bids/{bid_id}", "get", "The caller's own bid and its history", None, [], (401, 404)),
    ("/bids/{bid_id}", "delete", "Withdraw the caller's own bid before the deadline", None, [], (401, 404, 409, 422)),
    ("/bids/{bid_id}/receipt.pdf", "get", "The signed PDF receipt of the caller's own bid", None, [], (401, 404)),
    ("/tenders/{tender_id}/opening", "get", "The opening room: bids, decryption status, bid forms once decrypted",
     None, [], (401, 403, 404)),
    ("/bids/{bid_id}/decrypt", "post", "At the opening: the bid's content key, unwrapped on the bidder's machine",
     {"application/json": {"schema": _object(content_key="string")}}, [], (400, 401, 404, 409, 422)),
    ("/bids/{bid_id}/escrow/layer", "get", "Escrow recovery: the layer the calling holder removes next", None, [],
     (401, 403, 404)),
    ("/bids/{bid_id}/escrow/layer", "post", "Escrow recovery: the layer with the holder's part removed",
     {"application/json": {"schema": _object(layer="string")}}, [], (400, 401, 403, 404, 409)),
]

GUARANTEE_FILE = {"type": "object", "required": ["format", "terms", "signature"],
                  "description": "the electronic guarantee file exactly as the issuer gave it (docs/bonds.md)",
                  "properties": {"format": {"const": "sealbid-guarantee/1"}, "terms": {"type": "object"},
                                 "signature": {"type": "string", "description": "base64 of a detached CMS signature"}}}
TRANSFER = {"type": "object", "required": ["serial", "received_at", "payer_name", "payer_account", "virtual_account",
                                           "amount"],
            "properties": {"serial": {"type": "string"},
                           "received_at": {"type": "string", "description": "ISO 8601; without an offset: Beijing time"},
                           "payer_name": {"type": "string"}, "payer_account": {"type": "string"},
                           "payer_bank": {"type": "string"}, "virtual_account": {"type": "string"},
                           "amount": {"type": ["string", "number"], "description": "yuan, at most two decimals"},
                           "memo": {"type": "string"}}}
# Bid bonds (bidding/bonds.py, bank_transfers.py), in the same shape as the sealed-bid table.
BOND_OPERATIONS: list[tuple[str, str, str, dict[str, Any] | None, list[dict[str, Any]], tuple[int, ...]]] = [
    ("/tenders/{tender_id}/bonds", "get", "Bid bonds: the calling bidder's own with the requirements and its basic "
     "account; every bond of the tender for its agent, tenderee and supervisors once the opening started", None, [],
     (401, 403, 404)),
    ("/tenders/{tender_id}/sections/{section}/bond/cash", "post", "Choose a cash bond (bidder): answers the "
     "sub-account to pay into from the basic account before the deadline", None, [], (400, 401, 403, 404, 409, 422)),
    ("/tenders/{tender_id}/sections/{section}/bond/guarantee", "post", "Submit an electronic guarantee (bidder): the "
     "body is the guarantee file, at most 256 KiB", {"application/json": {"schema": GUARANTEE_FILE}}, [],
     (400, 401, 403, 404, 409, 422)),
    ("/tenders/{tender_id}/sections/{section}/bond/commitment", "post", "Sign the credit commitment letter where it "
     "replaces the bond (bidder, signing PIN)", {"application/json": {"schema": _object(pin="string")}}, [],
     (400, 401, 403, 404, 409, 422, 503)),
    ("/account/basic-account", "put", "Record or update the bidder's basic account (cash bonds must come from it)",
     {"application/json": {"schema": _object(bank_name="string", account_no="string")}}, [], (400, 401, 403)),
    ("/bank/transfers", "post", "The bond account's bank adapter posts transfers (admin): each is accepted, refused "
     "with its reason, skipped as already seen, or reported by index as malformed",
     {"application/json": {"schema": {"type": "array", "items": TRANSFER}}}, [], (400, 401, 403)),
    ("/bank/statements", "post", "Import the bond account's CSV statement (admin): accepted, refused, skipped, and "
     "each malformed row by line", {"text/csv": {"schema": {"type": "string", "format": "binary"}}}, [],
     (400, 401, 403)),
]


def _path_parameters(path: str) -> list[dict[str, Any]]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [{"name": n, "in": "path", "required": True,
             "schema": {"type": "string" if n == "upload_id" else "integer"}} for n in names]


def _sealed_bid_paths() -> dict[str, dict[str, Any]]:
    paths: dict[str, dict[str, Any]] = {}
    for path, method, summary, body, parameters, errors in SEALED_BID_OPERATIONS + BOND_OPERATIONS:
        operation: dict[str, Any] = {"summary": summary, "parameters": _path_parameters(path) + parameters,
                                     "responses": {"200": {"description": "done"}, **_errors(*errors)}}
        if not (method == "get" and path.endswith("/escrow")):
            operation["security"] = [{"bearer": []}]
        if body is not None:
            operation["requestBody"] = {"required": True, "content": body}
        paths.setdefault(path, {})[method] = operation
    return paths


@cache
def document() -> dict[str, Any]:
    _, schemas = models_json_schema(
        [(TenderInput, "validation"), (TenderOut, "serialization"), (TenderPage, "serialization"),
         (Error, "serialization")],
        ref_template="#/components/schemas/{model}",
    )
    secured = [{"bearer": []}]
    tender_id = {"name": "tender_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "sealbid API", "version": "1.0.0",
                 "description": "电子招标投标交易平台 JSON API. Errors: {\"error\": {\"code\", \"message\"}}."},
        "servers": [{"url": "/api/v1"}],
        "components": {"schemas": schemas["$defs"],
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/tenders": {
                "get": {
                    "summary": "Public notice list",
                    "parameters": [
                        {"name": n, "in": "query", "required": False, "schema": {"type": t}}
                        for n, t in (("q", "string"), ("category", "string"), ("region", "string"),
                                     ("status", "string"), ("page", "integer"), ("per_page", "integer"))
                    ],
                    "responses": {"200": {"description": "a page of published tenders", **_json("TenderPage")}},
                },
                "post": {
                    "summary": "Create a draft tender (agent)",
                    "security": secured,
                    "requestBody": {"required": True, **_json("TenderInput")},
                    "responses": {"201": {"description": "the draft", **_json("TenderOut")},
                                  **_errors(400, 401, 403, 409, 422)},
                },
            },
            "/tenders/{tender_id}": {
                "get": {
                    "summary": "A published tender's notice",
                    "parameters": [tender_id],
                    "responses": {"200": {"description": "the notice", **_json("TenderOut")}, **_errors(404)},
                }
            },
            "/tenders/{tender_id}/documents": {
                "post": {
                    "summary": "Upload a tender document to a draft (request body is the file)",
                    "security": secured,
                    "parameters": [tender_id,
                                   {"name": "filename", "in": "query", "required": True, "schema": {"type": "string"}},
                                   {"name": "title", "in": "query", "required": False, "schema": {"type": "string"}}],
                    "requestBody": {"required": True,
                                    "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                         "format": "binary"}}}},
                    "responses": {"201": {"description": "stored document with its SHA-256"},
                                  **_errors(400, 401, 403, 404, 409, 413)},
                }
            },
            "/tenders/{tender_id}/publish": {
                "post": {
                    "summary": "Publish a draft tender (agent); the notice is signed with the agent's PIN",
                    "security": secured,
                    "parameters": [tender_id],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["pin"], "properties": {"pin": {"type": "string"}}}}}},
                    "responses": {"200": {"description": "the published tender", **_json("TenderOut")},
                                  **_errors(400, 401, 403, 404, 409, 422)},
                }
            },
        },
    }
    doc["paths"].update(_sealed_bid_paths())
    return doc
