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


@cache
def document() -> dict[str, Any]:
    _, schemas = models_json_schema(
        [(TenderInput, "validation"), (TenderOut, "serialization"), (TenderPage, "serialization"),
         (Error, "serialization")],
        ref_template="#/components/schemas/{model}",
    )
    secured = [{"bearer": []}]
    tender_id = {"name": "tender_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {
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
