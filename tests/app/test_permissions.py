"""The permission matrix (DESIGN.md section 6): every route, every role, every method the route allows.

Every rule in ``app.url_map`` must be classified in ``CASES``; a new route fails
``test_every_route_is_classified`` until its expected answers per role are written down here.

Answer classes: anonymous on a protected page is sent to /login (302); a role without access gets 403
(or 404 where the tender itself is hidden from it); an allowed role never gets 401/403; nobody ever
gets a 5xx.

A real sealed bid (bidder1's) is in the world: before the opening it exists only for its own bidder.
No answer to anyone else carries its envelope hash or its receipt's id (``test_permission_matrix`` and
``test_nobody_reads_a_bid_early``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest
from asn1crypto import tsp
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from flask import url_for
from sqlalchemy import func, select

from bidding import bids, escrow, notices, participation, tenders, uploads
from bidding.models import Bid, Tender, TenderPlan
from core.clock import SHANGHAI
from core.identity import issue_api_token
from signing import encryption_keys, envelope, pki, signed_records
from signing.ledger import LedgerEntry
from tests.app.helpers import csrf, login, post
from tests.bidding.sealing import sealed
from tests.world import (
    ESCROW_HOLDERS,
    SIGNING,
    SIGNING_PIN,
    draft_with_escrow,
    encryption_key,
    ensure_signing,
    pdf_bytes,
    published_tender,
    tender_data,
    tender_input,
)

# "bidder" (bidder1) holds the sealed bid; "bidder2" is another approved bidder of the same tender.
ROLES = ("anonymous", "admin", "agent", "tenderee", "bidder", "bidder2", "expert", "supervisor", "agent2")
USERNAMES = {"admin": "admin", "agent": "agent", "tenderee": "tenderee", "bidder": "bidder1", "bidder2": "bidder2",
             "expert": "expert", "supervisor": "supervisor", "agent2": "agent2"}
CSRF_MESSAGE = "表单已过期或缺少安全令牌，请返回刷新页面后重试。"

# Expected answers.
LOGIN = "login"        # 302 to /login
ALLOWED = "allowed"    # not 401/403, not a login redirect (a refusal on the merits is fine: 400/404/409/422)
REDIRECT = "redirect"  # 302 elsewhere than /login
F = 403
NF = 404
NO_SUCH = 999999       # ids of questions/objections that do not exist
NO_SUCH_UPLOAD = "0" * 32


def every(default: Any, **by_role: Any) -> dict[str, Any]:
    """``default`` for every role, ``by_role`` where it differs."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    return {role: by_role.get(role, default) for role in ROLES}


def only(allowed: Any, *roles: str, **by_role: Any) -> dict[str, Any]:
    """A signed-in page: strangers to /login, ``roles`` get ``allowed``, everyone else 403."""
    table = {role: (allowed if role in roles else F) for role in ROLES}
    table["anonymous"] = LOGIN
    table.update(by_role)
    return table


def api(allowed: Any, *roles: str, **by_role: Any) -> dict[str, Any]:
    """A token endpoint: no token 401, ``roles`` get ``allowed``, everyone else 403."""
    table = {role: (allowed if role in roles else F) for role in ROLES}
    table["anonymous"] = 401
    table.update(by_role)
    return table


def json_page(allowed: Any, *roles: str, **by_role: Any) -> dict[str, Any]:
    """A page's JSON route (session cookie + CSRF header): strangers 401 (not /login), ``roles`` get ``allowed``,
    everyone else 403."""
    table = {role: (allowed if role in roles else F) for role in ROLES}
    table["anonymous"] = 401
    table.update(by_role)
    return table


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    # formatted with the objects: {published}, {draft}, {api_draft}, {document}, {other_org}, {other_user},
    # {notice} (the published tender's signed notice), {draft_record} (a record of the draft), {certificate},
    # {bid} (bidder1's sealed bid on the published tender) and {receipt} (its receipt's record id)
    path: str
    expect: dict[str, Any]
    data: Callable[[dict[str, Any]], dict[str, Any]] | None = field(default=None, compare=False)
    json: Callable[[dict[str, Any]], Any] | None = field(default=None, compare=False)
    # a raw request body (with ``content_type``) instead of a form or JSON; a callable gets the objects
    raw: bytes | Callable[[dict[str, Any]], bytes] | None = field(default=None, compare=False)
    content_type: str = "application/pdf"
    headers: tuple[tuple[str, str], ...] = ()
    last: bool = False  # run after everything else (signing out)
    # a page's JSON/raw route (the bid page's upload): the session's CSRF token goes in ``X-CSRFToken``
    csrf_header: bool = False

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")


def _upload(_objects: dict[str, Any]) -> dict[str, Any]:
    return {"title": "补充文件", "file": (io.BytesIO(pdf_bytes("补充")), "extra.pdf", "application/pdf")}


def _api_tender(objects: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in objects["tender_json"].items()}


def _pin(_objects: dict[str, Any]) -> dict[str, Any]:
    return {"pin": SIGNING_PIN}


def _notice_pdf(objects: dict[str, Any]) -> dict[str, Any]:
    return {"file": (io.BytesIO(objects["notice_pdf"]), "notice.pdf", "application/pdf")}


TIMESTAMP_QUERY = tsp.TimeStampReq({
    "version": "v1", "cert_req": True,
    "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": hashlib.sha256(b"bid").digest()},
}).dump()


def _unsigned_pdf(_objects: dict[str, Any]) -> dict[str, Any]:
    return {"file": (io.BytesIO(pdf_bytes("未签名")), "plain.pdf", "application/pdf")}


def _new_public_key() -> str:
    """A fresh X25519 public key, base64 of its 32 raw bytes, as the bidder client or the browser sends it."""
    return base64.b64encode(envelope.raw_public(X25519PrivateKey.generate().public_key())).decode()


def _key_form(_objects: dict[str, Any]) -> dict[str, Any]:
    return {"public_key": _new_public_key()}


def _key_json(_objects: dict[str, Any]) -> dict[str, Any]:
    return {"public_key": _new_public_key()}


SHORT_KEY = base64.b64encode(b"\x01" * 31).decode()  # base64, but not 32 bytes


def _escrow_form(objects: dict[str, Any], k: int = 2, holders: str = "holders") -> dict[str, Any]:
    return {"holders": [str(i) for i in objects[holders]], "k": str(k)}


def _escrow_json(objects: dict[str, Any], k: int = 2, holders: str = "holders") -> dict[str, Any]:
    return {"holders": objects[holders], "k": k}


PIN_HEADER = (("X-Sealbid-Pin", SIGNING_PIN),)
ENVELOPE = "application/octet-stream"


MANAGERS = ("agent", "tenderee")
BIDDERS = ("bidder", "bidder2")
CASES: list[Case] = [
    # --- public ---
    Case("public.index", "GET", "/", every(200)),
    Case("public.plans", "GET", "/plans", every(200)),
    Case("public.tender", "GET", "/tenders/{published}", every(200)),
    Case("public.tender", "GET", "/tenders/{draft}", every(NF, agent=200, tenderee=200, supervisor=200)),
    # bidder1 obtained the documents to bid; bidder2 has not (yet: it does during the POSTs)
    Case("public.download", "GET", "/tenders/{published}/documents/{document}",
         every(F, anonymous=LOGIN, agent=200, tenderee=200, supervisor=200, bidder=200)),
    Case("public.download", "GET", "/tenders/{draft}/documents/{document}",
         every(NF, anonymous=LOGIN)),
    Case("public.language", "GET", "/lang/zh", every(REDIRECT)),
    Case("static", "GET", "/static/site.css", every(200)),
    # --- sign-in ---
    Case("auth.login", "GET", "/login", every(200)),
    Case("auth.login", "POST", "/login", every(401), data=lambda o: {"username": "", "password": ""}),
    Case("auth.register", "GET", "/register", every(REDIRECT, anonymous=200)),
    Case("auth.register", "POST", "/register", every(REDIRECT, anonymous=400), data=lambda o: {}),
    Case("auth.logout", "POST", "/logout", every(REDIRECT), data=lambda o: {}, last=True),
    # --- agency ---
    Case("agency.dashboard", "GET", "/agency/", only(200, "agent", "tenderee", "agent2")),
    Case("agency.new_plan", "GET", "/agency/plans/new", only(200, "agent", "agent2")),
    Case("agency.new_plan", "POST", "/agency/plans/new", only(ALLOWED, "agent", "agent2"), data=lambda o: {}),
    Case("agency.new_tender", "GET", "/agency/tenders/new", only(200, "agent", "agent2")),
    Case("agency.new_tender", "POST", "/agency/tenders/new", only(ALLOWED, "agent", "agent2"), data=lambda o: {}),
    Case("agency.manage", "GET", "/agency/tenders/{published}", only(200, *MANAGERS)),
    Case("agency.manage", "GET", "/agency/tenders/{draft}", only(200, *MANAGERS, agent2=NF)),
    Case("agency.edit_tender", "GET", "/agency/tenders/{draft}/edit", only(200, "agent", agent2=NF)),
    Case("agency.edit_tender", "POST", "/agency/tenders/{draft}/edit", only(ALLOWED, "agent", agent2=NF),
         data=lambda o: {}),
    Case("agency.upload_document", "POST", "/agency/tenders/{draft}/documents",
         only(REDIRECT, *MANAGERS, agent2=NF), data=_upload),
    Case("agency.upload_document", "POST", "/agency/tenders/{published}/documents", only(ALLOWED, *MANAGERS),
         data=_upload),
    # The opening escrow of the draft (a 2-of-3 of agent, tenderee, supervisor): managers only, drafts only,
    # k of at least 2, holders only from the tendering side.
    Case("agency.set_escrow", "POST", "/agency/tenders/{draft}/escrow", only(400, *MANAGERS, agent2=NF),
         data=lambda o: _escrow_form(o, k=1)),
    Case("agency.set_escrow", "POST", "/agency/tenders/{draft}/escrow", only(400, *MANAGERS, agent2=NF),
         data=lambda o: _escrow_form(o, holders="bidder_holders")),
    Case("agency.set_escrow", "POST", "/agency/tenders/{published}/escrow", only(409, *MANAGERS),
         data=_escrow_form),
    Case("agency.set_escrow", "POST", "/agency/tenders/{draft}/escrow", only(REDIRECT, *MANAGERS, agent2=NF),
         data=_escrow_form),
    # By now the draft has its document and escrow (set again just above), so the agent's PIN publishes it.
    Case("agency.publish", "POST", "/agency/tenders/{draft}/publish", only(REDIRECT, "agent", agent2=NF),
         data=_pin),
    Case("agency.amend", "POST", "/agency/tenders/{published}/amendments", only(ALLOWED, *MANAGERS),
         data=lambda o: {}),
    Case("agency.answer_question", "POST", f"/agency/tenders/{{published}}/questions/{NO_SUCH}/answer",
         only(NF, *MANAGERS), data=lambda o: {"answer": "答复内容"}),
    Case("agency.answer_objection", "POST", f"/agency/tenders/{{published}}/objections/{NO_SUCH}/answer",
         only(NF, *MANAGERS), data=lambda o: {"answer": "答复内容"}),
    # --- own signing certificate (every signed-in person) ---
    Case("account.signing", "GET", "/account/signing", every(200, anonymous=LOGIN)),
    Case("account.request_certificate", "POST", "/account/signing", every(REDIRECT, anonymous=LOGIN),
         data=lambda o: {"pin": SIGNING_PIN, "pin_again": SIGNING_PIN}),
    Case("account.request_certificate", "POST", "/account/signing", every(400, anonymous=LOGIN),
         data=lambda o: {"pin": SIGNING_PIN, "pin_again": "246802"}),
    # --- own encryption public key (every signed-in person; only for oneself) ---
    Case("account.register_encryption_key", "POST", "/account/encryption-key", every(REDIRECT, anonymous=LOGIN),
         data=_key_form),
    Case("account.register_encryption_key", "POST", "/account/encryption-key", every(400, anonymous=LOGIN),
         data=lambda o: {"public_key": "not base64!"}),
    Case("account.register_encryption_key", "POST", "/account/encryption-key", every(400, anonymous=LOGIN),
         data=lambda o: {"public_key": SHORT_KEY}),
    # bidder1's key is bidder1's: registering it again is a no-op for bidder1, refused for anyone else
    Case("account.register_encryption_key", "POST", "/account/encryption-key",
         every(F, anonymous=LOGIN, bidder=REDIRECT), data=lambda o: {"public_key": o["bidder_public_key"]}),
    # --- signed records and the platform's PKI (public; tender records as visible as their tender) ---
    Case("records.download", "GET", "/records/{notice}.pdf", every(200)),
    Case("records.download", "GET", "/records/{draft_record}.pdf",
         every(NF, agent=200, tenderee=200, supervisor=200)),
    Case("records.download", "GET", "/records/no-such-record.pdf", every(NF)),
    # a bid receipt is its bidder's own: to everybody else it does not exist before the opening
    Case("records.download", "GET", "/records/{receipt}.pdf", every(NF, bidder=200)),
    Case("records.verify", "GET", "/records/verify", every(200)),
    Case("records.verify", "POST", "/records/verify", every(200), data=_notice_pdf),
    Case("records.verify", "POST", "/records/verify", every(422), data=_unsigned_pdf),
    Case("records.verify", "POST", "/records/verify", every(400), data=lambda o: {}),
    Case("records.ca_certificate", "GET", "/pki/ca.pem", every(200)),
    Case("records.crl", "GET", "/pki/crl.der", every(200)),
    Case("records.timestamp", "POST", "/tsa", every(200), raw=TIMESTAMP_QUERY,
         content_type="application/timestamp-query"),
    Case("records.timestamp", "POST", "/tsa", every(400), raw=b"not a timestamp request",
         content_type="application/timestamp-query"),
    # --- bidder ---
    Case("bidder.dashboard", "GET", "/bidder/", only(200, *BIDDERS)),
    Case("bidder.obtain", "POST", "/bidder/tenders/{published}/obtain", only(REDIRECT, *BIDDERS),
         data=lambda o: {}),
    Case("bidder.ask", "POST", "/bidder/tenders/{published}/questions", only(ALLOWED, *BIDDERS),
         data=lambda o: {}),
    Case("bidder.object", "POST", "/bidder/tenders/{published}/objections", only(ALLOWED, *BIDDERS),
         data=lambda o: {}),
    # --- supervisor ---
    Case("supervisor.index", "GET", "/supervisor/", only(200, "supervisor")),
    Case("supervisor.tender", "GET", "/supervisor/tenders/{published}", only(200, "supervisor")),
    Case("supervisor.tender", "GET", "/supervisor/tenders/{draft}", only(200, "supervisor")),
    Case("supervisor.bonds", "GET", "/supervisor/bonds", only(200, "supervisor")),
    Case("supervisor.bonds_excel", "GET", "/supervisor/bonds.xlsx", only(200, "supervisor")),
    # --- admin ---
    Case("admin.organisations", "GET", "/admin/organisations", only(200, "admin")),
    Case("admin.create_organisation", "POST", "/admin/organisations", only(ALLOWED, "admin"), data=lambda o: {}),
    Case("admin.review", "POST", "/admin/organisations/{other_org}/review", only(ALLOWED, "admin"),
         data=lambda o: {"decision": "approve"}),
    Case("admin.organisation_status", "POST", "/admin/organisations/{other_org}/status", only(ALLOWED, "admin"),
         data=lambda o: {}),
    Case("admin.users", "GET", "/admin/users", only(200, "admin")),
    Case("admin.create_user", "POST", "/admin/users", only(ALLOWED, "admin"), data=lambda o: {}),
    Case("admin.update_user", "POST", "/admin/users/{other_user}", only(ALLOWED, "admin"),
         data=lambda o: {"roles": ["agent"], "active": "on"}),
    Case("admin.certificates", "GET", "/admin/certificates", only(200, "admin")),
    Case("admin.revoke_certificate", "POST", "/admin/certificates/{certificate}/revoke", only(REDIRECT, "admin"),
         data=lambda o: {"reason": "key_compromise"}),
    Case("admin.revoke_certificate", "POST", f"/admin/certificates/{NO_SUCH}/revoke", only(NF, "admin"),
         data=lambda o: {"reason": "key_compromise"}),
    # --- API (bearer tokens; the session cookie is ignored there) ---
    Case("api_v1.openapi", "GET", "/api/v1/openapi.json", every(200)),
    Case("api_v1.list_tenders", "GET", "/api/v1/tenders", every(200)),
    Case("api_v1.get_tender", "GET", "/api/v1/tenders/{published}", every(200)),
    Case("api_v1.get_tender", "GET", "/api/v1/tenders/{draft}", every(NF, agent=200, tenderee=200, supervisor=200)),
    Case("api_v1.create_tender", "POST", "/api/v1/tenders", api(201, "agent", "agent2"), json=_api_tender),
    Case("api_v1.upload_document", "POST", "/api/v1/tenders/{api_draft}/documents?filename=api.pdf&title=API",
         api(201, *MANAGERS, admin=NF, bidder=NF, bidder2=NF, expert=NF, agent2=NF), raw=pdf_bytes("API")),
    # the escrow: public as the tender (what a bidder's client seals to), set by the managers of a draft
    Case("api_v1.get_escrow", "GET", "/api/v1/tenders/{published}/escrow", every(200)),
    Case("api_v1.get_escrow", "GET", "/api/v1/tenders/{api_draft}/escrow",
         every(NF, agent=200, tenderee=200, supervisor=200)),
    Case("api_v1.get_escrow", "GET", f"/api/v1/tenders/{NO_SUCH}/escrow", every(NF)),
    Case("api_v1.set_escrow", "PUT", "/api/v1/tenders/{published}/escrow", api(409, *MANAGERS),
         json=_escrow_json),
    Case("api_v1.set_escrow", "PUT", "/api/v1/tenders/{api_draft}/escrow",
         api(400, *MANAGERS, admin=NF, bidder=NF, bidder2=NF, expert=NF, agent2=NF),
         json=lambda o: _escrow_json(o, k=1)),
    Case("api_v1.set_escrow", "PUT", "/api/v1/tenders/{api_draft}/escrow",
         api(400, *MANAGERS, admin=NF, bidder=NF, bidder2=NF, expert=NF, agent2=NF),
         json=lambda o: _escrow_json(o, holders="bidder_holders")),
    Case("api_v1.publish_tender", "POST", "/api/v1/tenders/{published}/publish", api(409, "agent"), json=_pin),
    # Without its escrow the API draft cannot be published yet (409 for the agent) ...
    Case("api_v1.publish_tender", "POST", "/api/v1/tenders/{api_draft}/publish",
         api(409, "agent", agent2=NF), json=_pin),
    Case("api_v1.set_escrow", "PUT", "/api/v1/tenders/{api_draft}/escrow",
         api(200, *MANAGERS, admin=NF, bidder=NF, bidder2=NF, expert=NF, agent2=NF), json=_escrow_json),
    # ... after the upload and the escrow above, the agent's PIN publishes it; only agents get past the role
    # check, and another agency's agent cannot see the draft.
    Case("api_v1.publish_tender", "POST", "/api/v1/tenders/{api_draft}/publish",
         api(200, "agent", agent2=NF), json=_pin),
    # encryption keys: every token holder registers its own
    Case("api_v1.register_encryption_key", "POST", "/api/v1/keys/encryption", every(201, anonymous=401),
         json=_key_json),
    Case("api_v1.register_encryption_key", "POST", "/api/v1/keys/encryption", every(400, anonymous=401),
         json=lambda o: {"public_key": "not base64!"}),
    Case("api_v1.register_encryption_key", "POST", "/api/v1/keys/encryption", every(400, anonymous=401),
         json=lambda o: {"public_key": SHORT_KEY}),
    Case("api_v1.register_encryption_key", "POST", "/api/v1/keys/encryption", every(400, anonymous=401),
         json=lambda o: {"public_key": 12345}),
    Case("api_v1.register_encryption_key", "POST", "/api/v1/keys/encryption",
         every(F, anonymous=401, bidder=201), json=lambda o: {"public_key": o["bidder_public_key"]}),
    # --- bid bonds: the bidder's page and actions, the managers' page after the deadline, the operator's ---
    Case("bonds.bidder_page", "GET", "/bidder/tenders/{published}/bonds", only(200, *BIDDERS)),
    Case("bonds.bidder_page", "GET", "/bidder/tenders/{draft}/bonds", only(NF, *BIDDERS)),
    Case("bonds.basic_account", "GET", "/bidder/basic-account", only(200, *BIDDERS)),
    Case("bonds.basic_account", "POST", "/bidder/basic-account", only(ALLOWED, *BIDDERS), data=lambda o: {}),
    Case("bonds.choose_cash", "POST", "/bidder/tenders/{published}/sections/1/bond/cash", only(ALLOWED, *BIDDERS),
         data=lambda o: {}),
    Case("bonds.submit_guarantee", "POST", "/bidder/tenders/{published}/sections/1/bond/guarantee",
         only(ALLOWED, *BIDDERS), data=lambda o: {}),
    Case("bonds.sign_commitment", "POST", "/bidder/tenders/{published}/sections/1/bond/commitment",
         only(ALLOWED, *BIDDERS), data=lambda o: {"pin": "000000"}),
    Case("bonds.bidder_check", "POST", f"/bidder/tenders/{{published}}/bonds/{NO_SUCH}/check", only(ALLOWED, *BIDDERS),
         data=lambda o: {}),
    Case("bonds.agency_page", "GET", "/agency/tenders/{published}/bonds", only(200, *MANAGERS)),
    Case("bonds.record_contract", "POST", "/agency/tenders/{published}/sections/1/contract",
         only(ALLOWED, *MANAGERS), data=lambda o: {}),
    Case("bonds.refund", "POST", f"/agency/tenders/{{published}}/bonds/{NO_SUCH}/refund", only(ALLOWED, *MANAGERS),
         data=lambda o: {"reference": "RF1"}),
    Case("bonds.convert", "POST", f"/agency/tenders/{{published}}/bonds/{NO_SUCH}/convert", only(ALLOWED, *MANAGERS),
         data=lambda o: {}),
    Case("bonds.forfeit", "POST", f"/agency/tenders/{{published}}/bonds/{NO_SUCH}/forfeit", only(ALLOWED, *MANAGERS),
         data=lambda o: {"reason": "撤销"}),
    Case("bonds.agency_check", "POST", f"/agency/tenders/{{published}}/bonds/{NO_SUCH}/check",
         only(ALLOWED, *MANAGERS), data=lambda o: {}),
    Case("bonds.issuers", "GET", "/admin/issuers", only(200, "admin")),
    Case("bonds.issuers", "POST", "/admin/issuers", only(ALLOWED, "admin"), data=lambda o: {}),
    Case("bonds.revoke_issuer", "POST", f"/admin/issuers/{NO_SUCH}/revoke", only(ALLOWED, "admin"),
         data=lambda o: {"reason": "私钥泄露"}),
    Case("bonds.bank", "GET", "/admin/bank", only(200, "admin")),
    Case("bonds.bank", "POST", "/admin/bank", only(ALLOWED, "admin"), data=lambda o: {}),
    Case("api_v1.list_bonds", "GET", "/api/v1/tenders/{published}/bonds",
         every(NF, anonymous=401, bidder=200, bidder2=200, agent=200, tenderee=200, supervisor=200, admin=200)),
    Case("api_v1.choose_cash", "POST", "/api/v1/tenders/{published}/sections/1/bond/cash", api(ALLOWED, *BIDDERS)),
    Case("api_v1.submit_guarantee", "POST", "/api/v1/tenders/{published}/sections/1/bond/guarantee",
         api(ALLOWED, *BIDDERS), raw=b"{}", content_type="application/json"),
    Case("api_v1.sign_commitment", "POST", "/api/v1/tenders/{published}/sections/1/bond/commitment",
         api(ALLOWED, *BIDDERS), json=lambda o: {"pin": "000000"}),
    Case("api_v1.set_basic_account", "PUT", "/api/v1/account/basic-account", api(ALLOWED, *BIDDERS),
         json=lambda o: {"bank_name": "中国工商银行", "account_no": "6222020200112233441"}),
    Case("api_v1.post_transfers", "POST", "/api/v1/bank/transfers", api(ALLOWED, "admin"), json=lambda o: []),
    Case("api_v1.post_statement", "POST", "/api/v1/bank/statements", api(ALLOWED, "admin"), raw=b"",
         content_type="text/csv"),
    # --- the expert pool and the draw ---
    Case("experts.roster_list", "GET", "/admin/experts", only(200, "admin")),
    Case("experts.roster_import", "POST", "/admin/experts/import", only(ALLOWED, "admin"), data=lambda o: {}),
    Case("experts.expert_detail", "GET", f"/admin/experts/{NO_SUCH}", only(NF, "admin")),
    Case("experts.link_user", "POST", f"/admin/experts/{NO_SUCH}/link", only(ALLOWED, "admin"), data=lambda o: {}),
    Case("experts.expert_status", "POST", f"/admin/experts/{NO_SUCH}/status", only(ALLOWED, "admin"),
         data=lambda o: {}),
    Case("experts.expert_home", "GET", "/expert/", only(200, "expert")),
    Case("experts.update_profile", "POST", "/expert/profile", only(ALLOWED, "expert"), data=lambda o: {}),
    Case("experts.add_unavailable", "POST", "/expert/unavailable", only(ALLOWED, "expert"), data=lambda o: {}),
    Case("experts.remove_unavailable", "POST", "/expert/unavailable/remove", only(ALLOWED, "expert"),
         data=lambda o: {}),
    Case("experts.declare_conflict", "POST", "/expert/conflicts", only(ALLOWED, "expert"), data=lambda o: {}),
    Case("experts.withdraw_conflict", "POST", f"/expert/conflicts/{NO_SUCH}/withdraw", only(ALLOWED, "expert"),
         data=lambda o: {}),
    Case("experts.respond", "POST", f"/expert/invitations/{NO_SUCH}/respond", only(ALLOWED, "expert"),
         data=lambda o: {"answer": "accept"}),
    Case("experts.agency_draw", "GET", "/agency/tenders/{published}/sections/1/draw", only(ALLOWED, *MANAGERS)),
    Case("experts.request_draw", "POST", "/agency/tenders/{published}/sections/1/draw", only(ALLOWED, "agent"),
         data=lambda o: {}),
    Case("experts.sign_record", "POST", f"/agency/tenders/{{published}}/sections/1/draws/{NO_SUCH}/record",
         only(ALLOWED, "agent"), data=lambda o: {}),
    Case("experts.supervisor_draws", "GET", "/supervisor/draws", only(200, "supervisor")),
    Case("experts.supervisor_draw", "GET", f"/supervisor/draws/{NO_SUCH}", only(NF, "supervisor")),
    Case("experts.verify_draw", "POST", f"/supervisor/draws/{NO_SUCH}/verify", only(ALLOWED, "supervisor"),
         data=lambda o: {}),
    # --- the evaluation: members (experts, tenderee representatives) in the room; managers outside it ---
    Case("evaluation.manage", "GET", "/agency/tenders/{published}/sections/1/evaluation", only(200, *MANAGERS)),
    Case("evaluation.set_up", "POST", "/agency/tenders/{published}/sections/1/evaluation", only(ALLOWED, "agent"),
         data=lambda o: {}),
    Case("evaluation.representatives", "POST", "/agency/tenders/{published}/sections/1/evaluation/representatives",
         only(ALLOWED, "tenderee"), data=lambda o: {}),
    Case("evaluation.rate", "POST", f"/evaluation/{NO_SUCH}/ratings", only(ALLOWED, *MANAGERS, "supervisor", "agent2"),
         data=lambda o: {}),
    Case("evaluation.mine", "GET", "/evaluation/", only(200, "expert", "tenderee")),
    Case("evaluation.room", "GET", f"/evaluation/{NO_SUCH}", only(NF, "expert", "tenderee")),
    Case("evaluation.sign_in", "POST", f"/evaluation/{NO_SUCH}/sign-in", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.heartbeat", "POST", f"/evaluation/{NO_SUCH}/heartbeat", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.declare", "POST", f"/evaluation/{NO_SUCH}/declaration", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.vote", "POST", f"/evaluation/{NO_SUCH}/vote", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.mark", "POST", f"/evaluation/{NO_SUCH}/review", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.close_review", "POST", f"/evaluation/{NO_SUCH}/review/close", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.ask", "POST", f"/evaluation/{NO_SUCH}/clarifications", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.low_price", "POST", f"/evaluation/{NO_SUCH}/low-price", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.save_scores", "POST", f"/evaluation/{NO_SUCH}/scoring", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.submit_scores", "POST", f"/evaluation/{NO_SUCH}/scoring/submit", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.adjust_price", "POST", f"/evaluation/{NO_SUCH}/prices", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.finish_pricing", "POST", f"/evaluation/{NO_SUCH}/prices/finish", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.explain", "POST", f"/evaluation/{NO_SUCH}/deviations", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.dissent", "POST", f"/evaluation/{NO_SUCH}/dissent", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.refusal", "POST", f"/evaluation/{NO_SUCH}/refusals", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.sign_report", "POST", f"/evaluation/{NO_SUCH}/report/sign", only(ALLOWED, "expert", "tenderee"),
         data=lambda o: {}),
    Case("evaluation.review", "GET", f"/evaluation/{NO_SUCH}/review", every(NF, anonymous=LOGIN)),
    Case("evaluation.scoring", "GET", f"/evaluation/{NO_SUCH}/scoring", every(NF, anonymous=LOGIN)),
    Case("evaluation.report_pdf", "GET", f"/evaluation/{NO_SUCH}/report.pdf", every(NF, anonymous=LOGIN)),
    Case("evaluation.score_sheet", "GET", f"/evaluation/{NO_SUCH}/scores.xlsx", every(NF, anonymous=LOGIN)),
    Case("evaluation.bid_document", "GET", f"/evaluation/{NO_SUCH}/documents/{NO_SUCH}", every(NF, anonymous=LOGIN)),
    Case("evaluation.bidder_clarifications", "GET", "/bidder/clarifications", only(200, *BIDDERS)),
    Case("evaluation.answer", "POST", f"/bidder/clarifications/{NO_SUCH}/answer", only(ALLOWED, *BIDDERS),
         data=lambda o: {}),
    Case("evaluation.supervisor_list", "GET", "/supervisor/evaluations", only(200, "supervisor")),
    Case("evaluation.supervisor_detail", "GET", f"/supervisor/evaluations/{NO_SUCH}", only(NF, "supervisor")),
    Case("evaluation.recompute", "POST", f"/supervisor/evaluations/{NO_SUCH}/recompute", only(ALLOWED, "supervisor"),
         data=lambda o: {}),
    Case("evaluation.sanction", "POST", f"/supervisor/evaluations/{NO_SUCH}/sanction", only(ALLOWED, "supervisor"),
         data=lambda o: {}),
    # --- the opening: before it starts, its room and every action in it refuse everybody ---
    # (the pages show a refusal in the room, which itself answers 403 "尚未开标" until the opening)
    Case("opening.room", "GET", "/tenders/{published}/opening", only(F)),
    Case("opening.room", "GET", "/tenders/{draft}/opening",
         every(NF, anonymous=LOGIN, agent=F, tenderee=F, supervisor=F)),
    Case("opening.room_status", "GET", "/tenders/{published}/opening.json", only(F)),
    Case("opening.own_envelope", "GET", "/bidder/bids/{bid}/envelope", only(200, "bidder", bidder2=NF)),
    Case("opening.decrypt", "POST", "/tenders/{published}/opening/bids/{bid}/decrypt", only(F),
         data=lambda o: {"content_key": "00" * 32}),
    Case("opening.failure", "POST", "/tenders/{published}/opening/bids/{bid}/failure", only(F),
         data=lambda o: {"fault": "other", "note": "网络故障"}),
    Case("opening.recovery", "POST", "/tenders/{published}/opening/bids/{bid}/recovery", only(F),
         data=lambda o: {"holders": [str(i) for i in o["holders"][:2]], "reason": "网络故障"}),
    Case("opening.approve", "POST", "/tenders/{published}/opening/bids/{bid}/approve", only(F), data=lambda o: {}),
    Case("opening.finish", "POST", "/tenders/{published}/opening/finish", only(F), data=lambda o: {}),
    Case("opening.sign_record", "POST", "/tenders/{published}/opening/record", only(F), data=_pin),
    Case("opening.object_", "POST", "/tenders/{published}/opening/objections", only(F),
         data=lambda o: {"body": "开标异议内容"}),
    Case("opening.answer", "POST", f"/tenders/{{published}}/opening/objections/{NO_SUCH}/answer", only(F),
         data=lambda o: {"answer": "答复内容"}),
    Case("api_v1.opening_room", "GET", "/api/v1/tenders/{published}/opening", api(F)),
    Case("api_v1.opening_room", "GET", "/api/v1/tenders/{draft}/opening",
         every(NF, anonymous=401, agent=F, tenderee=F, supervisor=F)),
    Case("api_v1.decrypt_bid", "POST", "/api/v1/bids/{bid}/decrypt", api(F, bidder=409, bidder2=NF),
         json=lambda o: {"content_key": "00" * 32}),
    Case("api_v1.decrypt_bid", "POST", f"/api/v1/bids/{NO_SUCH}/decrypt", api(F, bidder=NF, bidder2=NF),
         json=lambda o: {"content_key": "00" * 32}),
    Case("api_v1.escrow_layer", "GET", "/api/v1/bids/{bid}/escrow/layer", every(NF, anonymous=401)),
    Case("api_v1.escrow_peel", "POST", "/api/v1/bids/{bid}/escrow/layer", every(NF, anonymous=401),
         json=lambda o: {"layer": base64.b64encode(bytes(64)).decode()}),
    # --- the sealed bid: it exists only for its own bidder before the opening ---
    Case("api_v1.bid_status", "GET", "/api/v1/bids/{bid}", every(NF, anonymous=401, bidder=200)),
    Case("api_v1.bid_status", "GET", f"/api/v1/bids/{NO_SUCH}", every(NF, anonymous=401)),
    Case("api_v1.bid_receipt", "GET", "/api/v1/bids/{bid}/receipt.pdf", every(NF, anonymous=401, bidder=200)),
    Case("api_v1.bid_receipt", "GET", f"/api/v1/bids/{NO_SUCH}/receipt.pdf", every(NF, anonymous=401)),
    # 获取招标文件 over the API: bidders only (recorded once, so a second call is the same 200)
    Case("api_v1.obtain_documents", "POST", "/api/v1/tenders/{published}/obtain", api(200, *BIDDERS), json=lambda o: {}),
    Case("api_v1.obtain_documents", "POST", "/api/v1/tenders/{draft}/obtain",
         every(NF, anonymous=401, agent=F, tenderee=F, supervisor=F), json=lambda o: {}),
    # Only bidders submit; bidder1 sending its envelope again is the same bid (200); bidder2 (which has obtained
    # the documents by now) cannot submit bidder1's envelope: it is bound to bidder1.
    Case("api_v1.submit_bid", "POST", "/api/v1/tenders/{published}/sections/1/bids",
         api(200, "bidder", bidder2=400), raw=lambda o: o["envelope"], content_type=ENVELOPE, headers=PIN_HEADER),
    Case("api_v1.submit_bid", "POST", "/api/v1/tenders/{published}/sections/1/bids",
         api(401, "bidder", bidder2=400), raw=lambda o: o["replacement"], content_type=ENVELOPE,
         headers=(("X-Sealbid-Pin", "wrong-pin"),)),
    Case("api_v1.submit_bid", "POST", "/api/v1/tenders/{published}/sections/2/bids",
         api(NF, *BIDDERS), raw=lambda o: o["replacement"], content_type=ENVELOPE, headers=PIN_HEADER),
    Case("api_v1.submit_bid", "POST", "/api/v1/tenders/{draft}/sections/1/bids",
         every(NF, anonymous=401, agent=F, tenderee=F, supervisor=F), raw=lambda o: o["replacement"],
         content_type=ENVELOPE, headers=PIN_HEADER),
    Case("api_v1.submit_bid", "POST", "/api/v1/tenders/{published}/sections/1/bids",
         api(201, "bidder", bidder2=400), raw=lambda o: o["replacement"], content_type=ENVELOPE,
         headers=PIN_HEADER),
    # Only its bidder withdraws it (once); for everybody else it does not exist.
    Case("api_v1.withdraw_bid", "DELETE", "/api/v1/bids/{bid}", every(NF, anonymous=401, bidder=200)),
    Case("api_v1.withdraw_bid", "DELETE", "/api/v1/bids/{bid}", every(NF, anonymous=401, bidder=409)),
    Case("api_v1.withdraw_bid", "DELETE", f"/api/v1/bids/{NO_SUCH}", every(NF, anonymous=401)),
    # --- 递交投标文件 in the browser, and the resumable upload behind it (after the withdrawal above, so the
    # upload's finish is a new submission). {upload} is bidder1's open upload of {upload_envelope}; an upload is its
    # user's own: to everybody else it does not exist. bidder2 obtains the documents during the POSTs.
    Case("bid.page", "GET", "/bidder/tenders/{published}/sections/1/bid", only(200, "bidder", bidder2=F)),
    Case("bid.page", "GET", "/bidder/tenders/{published}/sections/2/bid", only(F, bidder=NF)),
    Case("bid.page", "GET", "/bidder/tenders/{draft}/sections/1/bid", only(F, bidder=NF, bidder2=NF)),
    Case("bid.upload_status", "GET", "/bidder/uploads/{upload}", json_page(F, bidder=200, bidder2=NF)),
    Case("bid.upload_status", "GET", f"/bidder/uploads/{NO_SUCH_UPLOAD}", json_page(NF, *BIDDERS)),
    Case("api_v1.upload_status", "GET", "/api/v1/uploads/{upload}", every(NF, anonymous=401, bidder=200)),
    # a piece must start where the upload stands (409 with the offset), then the whole envelope in one piece
    Case("bid.append_upload", "PUT", "/bidder/uploads/{upload}", json_page(F, bidder=409, bidder2=NF), raw=b"x",
         content_type=ENVELOPE, headers=(("Upload-Offset", "5"),), csrf_header=True),
    Case("bid.append_upload", "PUT", "/bidder/uploads/{upload}", json_page(F, bidder=200, bidder2=NF),
         raw=lambda o: o["upload_envelope"], content_type=ENVELOPE, headers=(("Upload-Offset", "0"),),
         csrf_header=True),
    Case("bid.finish_upload", "POST", "/bidder/uploads/{upload}/finish", json_page(F, bidder=201, bidder2=NF),
         raw=b"", content_type=ENVELOPE, headers=PIN_HEADER, csrf_header=True),
    Case("bid.finish_upload", "POST", "/bidder/uploads/{upload}/finish", json_page(F, bidder=409, bidder2=NF),
         raw=b"", content_type=ENVELOPE, headers=PIN_HEADER, csrf_header=True),
    # finished: no more pieces, no second finish, through the API either
    Case("api_v1.append_upload", "PUT", "/api/v1/uploads/{upload}", every(NF, anonymous=401, bidder=409),
         raw=b"x", content_type=ENVELOPE, headers=(("Upload-Offset", "0"),)),
    Case("api_v1.finish_upload", "POST", "/api/v1/uploads/{upload}/finish", every(NF, anonymous=401, bidder=409),
         raw=b"", content_type=ENVELOPE, headers=PIN_HEADER),
    Case("api_v1.finish_upload", "POST", f"/api/v1/uploads/{NO_SUCH_UPLOAD}/finish", every(NF, anonymous=401),
         raw=b"", content_type=ENVELOPE, headers=PIN_HEADER),
    # opening an upload: bidders who obtained the documents, within the size limit, on a tender they can see
    Case("bid.create_upload", "POST", "/bidder/tenders/{published}/sections/1/uploads",
         json_page(201, *BIDDERS), json=lambda o: {"size": 1000}, csrf_header=True),
    Case("bid.create_upload", "POST", "/bidder/tenders/{published}/sections/1/uploads",
         json_page(400, *BIDDERS), json=lambda o: {"size": 2**62}, csrf_header=True),
    Case("bid.create_upload", "POST", "/bidder/tenders/{draft}/sections/1/uploads",
         json_page(NF, *BIDDERS), json=lambda o: {"size": 1000}, csrf_header=True),
    Case("api_v1.create_upload", "POST", "/api/v1/tenders/{published}/sections/1/uploads",
         api(201, *BIDDERS), json=lambda o: {"size": 1000}),
    Case("api_v1.create_upload", "POST", "/api/v1/tenders/{draft}/sections/1/uploads",
         every(NF, anonymous=401, agent=F, tenderee=F, supervisor=F), json=lambda o: {"size": 1000}),
    # --- the award (定标): the managers' page per tender, the tenderee's pool, the award committee's room, the
    # evaluation chair's answer to a returned report; unknown awards are 404 for whoever may use the route ---
    Case("award.manage", "GET", "/award/tenders/{published}", only(200, *MANAGERS)),
    Case("award.manage", "GET", "/award/tenders/{draft}", only(200, *MANAGERS, agent2=NF)),
    Case("award.accept", "POST", f"/award/{NO_SUCH}/accept", only(NF, "tenderee"), data=lambda o: {}),
    Case("award.send_back", "POST", f"/award/{NO_SUCH}/send-back", only(NF, "tenderee"), data=lambda o: {}),
    Case("award.publish", "POST", f"/award/{NO_SUCH}/publicity", only(NF, *MANAGERS, "agent2"),
         data=lambda o: {"days": "3", **_pin(o)}),
    Case("award.close_publicity", "POST", f"/award/{NO_SUCH}/publicity/close", only(NF, *MANAGERS, "agent2"),
         data=lambda o: {}),
    Case("award.decide", "POST", f"/award/{NO_SUCH}/decide", only(NF, "tenderee"), data=lambda o: {}),
    Case("award.draw", "POST", f"/award/{NO_SUCH}/committee", only(NF, "tenderee"), data=lambda o: {}),
    Case("award.commit_lottery", "POST", f"/award/{NO_SUCH}/lottery/commit", only(NF, "tenderee"), data=lambda o: {}),
    Case("award.draw_lottery", "POST", f"/award/{NO_SUCH}/lottery/draw", only(NF, "tenderee"), data=lambda o: {}),
    Case("award.by_price", "POST", f"/award/{NO_SUCH}/price", only(NF, "tenderee"), data=lambda o: {}),
    Case("award.seal", "POST", f"/award/{NO_SUCH}/seal", only(NF, "tenderee"), data=_pin),
    Case("award.publish_result", "POST", f"/award/{NO_SUCH}/result-publicity", only(NF, *MANAGERS, "agent2"),
         data=_pin),
    Case("award.notices", "POST", f"/award/{NO_SUCH}/notices", only(NF, "tenderee"), data=_pin),
    Case("award.record_pdf", "GET", f"/award/{NO_SUCH}/record.pdf", every(NF, anonymous=LOGIN)),
    Case("award.verification", "GET", f"/award/{NO_SUCH}/verification", only(NF, *MANAGERS, "supervisor", "agent2")),
    Case("award.pool", "GET", "/award/pool", only(200, "tenderee")),
    Case("award.add_to_pool", "POST", "/award/pool", only(400, "tenderee"), data=lambda o: {}),
    Case("award.remove_from_pool", "POST", f"/award/pool/{NO_SUCH}/remove", only(NF, "tenderee"), data=lambda o: {}),
    Case("award.mine", "GET", "/award/mine", only(200, "tenderee")),
    Case("award.room", "GET", f"/award/{NO_SUCH}/room", only(NF, "tenderee")),
    Case("award.declare", "POST", f"/award/{NO_SUCH}/declaration", only(NF, "tenderee"),
         data=lambda o: {"declaration": "none"}),
    Case("award.vote", "POST", f"/award/{NO_SUCH}/vote", only(NF, "tenderee"), data=lambda o: {"bidder_id": "1"}),
    Case("award.opinion", "POST", f"/award/{NO_SUCH}/opinion", only(NF, "tenderee"), data=lambda o: {}),
    Case("award.chair_decision", "POST", f"/award/{NO_SUCH}/chair-decision", only(NF, "tenderee"), data=lambda o: {}),
    Case("award.sign", "POST", f"/award/{NO_SUCH}/sign", only(NF, "tenderee"), data=_pin),
    Case("award.answer_page", "GET", f"/award/{NO_SUCH}/answer", only(NF, "expert", "tenderee")),
    Case("award.answer", "POST", f"/award/{NO_SUCH}/answer", only(NF, "expert", "tenderee"),
         data=lambda o: {"corrected": "yes", "answer": "已核对"}),
    # --- publicity (public), objections (the section's bidders; answered by the managers), complaints (bidders of
    # the tender; handled by supervisors), notices (the addressed bidder), suspension (supervisors) ---
    Case("publicity.index", "GET", "/publicity/", every(200)),
    Case("publicity.index", "GET", "/publicity/?status=ended", every(200)),
    Case("publicity.show", "GET", f"/publicity/{NO_SUCH}", every(NF)),
    Case("publicity.pdf", "GET", f"/publicity/{NO_SUCH}/record.pdf", every(NF)),
    Case("publicity.raise_objection", "POST", f"/publicity/{NO_SUCH}/objections", only(NF, *BIDDERS),
         data=lambda o: {"body": "评标结果有误。"}),
    Case("publicity.objections", "GET", f"/publicity/awards/{NO_SUCH}/objections",
         only(NF, *MANAGERS, "supervisor", "agent2")),
    Case("publicity.answer", "POST", f"/publicity/objections/{NO_SUCH}/answer", only(NF, *MANAGERS, "agent2"),
         data=lambda o: {"answer": "经核实，评标结果无误。"}),
    Case("complaints.index", "GET", "/complaints/", only(200, "supervisor")),
    Case("complaints.for_tender", "GET", "/complaints/tenders/{published}", only(200, *BIDDERS)),
    Case("complaints.for_tender", "GET", "/complaints/tenders/{draft}", only(NF, *BIDDERS)),
    Case("complaints.file", "POST", "/complaints/tenders/{published}", only(400, "bidder", bidder2=F),
         data=lambda o: {}),
    Case("complaints.show", "GET", f"/complaints/{NO_SUCH}", every(NF, anonymous=LOGIN)),
    Case("complaints.decision_pdf", "GET", f"/complaints/{NO_SUCH}/decision.pdf", every(NF, anonymous=LOGIN)),
    Case("complaints.accept", "POST", f"/complaints/{NO_SUCH}/accept", only(NF, "supervisor"), data=lambda o: {}),
    Case("complaints.reject", "POST", f"/complaints/{NO_SUCH}/reject", only(NF, "supervisor"),
         data=lambda o: {"reason": "不属于投诉受理范围。"}),
    Case("complaints.decide", "POST", f"/complaints/{NO_SUCH}/decide", only(NF, "supervisor"),
         data=lambda o: {"outcome": "dismissed", "decision": "投诉缺乏事实根据。", **_pin(o)}),
    Case("bidder.notice_pdf", "GET", f"/bidder/notices/{NO_SUCH}/pdf", only(NF, *BIDDERS)),
    Case("supervisor.suspend", "POST", "/supervisor/tenders/{published}/suspend", only(400, "supervisor"),
         data=lambda o: {}),
    Case("supervisor.resume", "POST", "/supervisor/tenders/{published}/resume", only(409, "supervisor"),
         data=lambda o: {}),
]


def _phase(case: Case) -> int:
    return 2 if case.last else (0 if case.method == "GET" else 1)


@pytest.fixture
def objects(app, session, clock, world) -> dict[str, Any]:
    """A published tender with its document, signed notice and bidder1's sealed bid (with its receipt) and an open
    upload of another envelope of bidder1's (``upload``, of ``upload_envelope``); a draft
    with its document and escrow (pages) and a bare draft (API); a signed record of the page draft; another
    agency and its user (with a certificate to revoke).

    The agent and bidder1 have signing certificates (PIN ``SIGNING_PIN``); the escrow holders and bidder1 have
    encryption keys. The clock is moved past the start of the document sale, so a bidder can obtain the
    documents and bid.
    """
    store = app.extensions["sealbid"].store
    published = published_tender(session, clock, store, world)
    ensure_signing(session, clock, world, "agent", "agent2", "bidder1")
    clock.advance(timedelta(hours=2))
    draft = draft_with_escrow(session, clock, store, world, code="BJ-2026-DRAFT", title="草稿项目")
    api_draft = tenders.create_tender(session, clock, world.agent,
                                      tender_input(world, clock, code="BJ-2026-API", title="接口草稿"))
    draft_record = signed_records.register(
        session, clock, world.agent, store, record_id=signed_records.new_record_id(), kind="test_record",
        title="草稿的记录", content_sha256="0" * 64, pdf=pdf_bytes("草稿的记录"), tender_id=draft.id)
    notice = signed_records.for_tender(session, published.id, notices.KIND)[0]
    participation.obtain_documents(session, clock, world.bidders[0], published.id)
    bidder_key = encryption_key(session, clock, world, "bidder1")
    envelope_bytes = sealed(session, world, published)
    submission, _ = bids.submit(session, clock, world.bidders[0], SIGNING, store, published.id, 1,
                                io.BytesIO(envelope_bytes), pin=SIGNING_PIN, max_bytes=10**7)
    upload_envelope = sealed(session, world, published, plaintext=b"uploaded in pieces " * 100)
    upload = uploads.create(session, clock, world.bidders[0],
                            uploads.UploadArea(Path(app.config["SEALBID_INSTANCE"]) / "uploads"), published.id, 1,
                            len(upload_envelope), max_bytes=10**7)
    session.commit()
    with store.open(notice.pdf_sha256) as f:
        notice_pdf = f.read()
    return {
        "notice": notice.id,
        "notice_pdf": notice_pdf,
        "draft_record": draft_record.id,
        "certificate": pki.person_certificate(session, world.users["agent2"].id).id,
        "published": published.id,
        "draft": draft.id,
        "api_draft": api_draft.id,
        "document": tenders.current_documents(published)[0].id,
        "other_org": world.other_agent.org_id,
        "other_user": world.users["agent2"].id,
        "tender_json": tender_data(world, clock, code="API-2026-001", title="接口创建的项目"),
        "holders": [world.users[name].id for name in ESCROW_HOLDERS],
        "bidder_holders": [world.users["agent"].id, world.users["bidder1"].id],
        "bidder_public_key": base64.b64encode(envelope.raw_public(bidder_key.public_key())).decode(),
        "envelope": envelope_bytes,
        "replacement": sealed(session, world, published, plaintext=b"replacement bid " * 100),
        "bid": submission.bid_id,
        "receipt": submission.receipt_record_id,
        "upload": upload.id,
        "upload_envelope": upload_envelope,
        "secrets": _secrets(submission.envelope_sha256, submission.receipt_record_id),
    }


def _secrets(envelope_sha256: str, receipt_id: str) -> tuple[bytes, ...]:
    """How a bid's envelope hash (even shortened to 12 hex digits) or receipt id could show up in an answer."""
    digest = bytes.fromhex(envelope_sha256)
    forms = {envelope_sha256[:12], envelope_sha256[:12].upper(), base64.b64encode(digest).decode(),
             base64.urlsafe_b64encode(digest).decode().rstrip("="), receipt_id, receipt_id.replace("-", "")}
    return tuple(form.encode() for form in forms)


def _leaks(objects: dict[str, Any], response, path: str = "") -> list[bytes]:
    """The secrets in an answer, apart from an echo of the asked path (e.g. in a language link's ``next``)."""
    body = response.get_data()
    if path:
        for echo in {path, quote(path), quote(path, safe=""), html.escape(quote(path, safe=""))}:
            body = body.replace(echo.encode(), b"")
    return [s for s in objects["secrets"] if s in body]


def _judge(expected: Any, response) -> str | None:
    status = response.status_code
    location = urlparse(response.headers.get("Location", "")).path
    if status >= 500:
        return f"server error {status}"
    if expected == LOGIN:
        return None if status == 302 and location == "/login" else f"expected a redirect to /login, got {status}"
    if expected == REDIRECT:
        return None if status in (302, 303) and location != "/login" else f"expected a redirect, got {status} {location}"
    if expected == ALLOWED:
        if status in (401, 403) or (status == 302 and location == "/login"):
            return f"expected access, got {status} {location}"
        return None
    if isinstance(expected, tuple):
        return None if status in expected else f"expected one of {expected}, got {status}"
    return None if status == expected else f"expected {expected}, got {status}"


def _send(client, case: Case, objects: dict[str, Any], token: str | None, csrf_token: str | None):
    path = case.path.format(**objects)
    headers = dict(case.headers)
    if token and case.api:  # the API reads bearer tokens only
        headers["Authorization"] = f"Bearer {token}"
    if case.csrf_header and csrf_token:
        headers["X-CSRFToken"] = csrf_token
    if case.raw is not None:  # machine endpoints and envelopes: no form (and no CSRF token unless csrf_header)
        raw = case.raw(objects) if callable(case.raw) else case.raw
        return client.open(path, method=case.method, data=raw, headers=headers, content_type=case.content_type)
    if case.json is not None and not case.api:  # a page's JSON route
        return client.open(path, method=case.method, json=case.json(objects), headers=headers)
    if case.api:
        if case.method == "GET":
            return client.get(path, headers=headers)
        return client.open(path, method=case.method, json=case.json(objects) if case.json else None,
                           headers=headers)
    if case.method == "GET":
        return client.get(path)
    data = case.data(objects) if case.data else {}
    data["csrf_token"] = csrf_token
    return client.post(path, data=data)


def test_every_route_is_classified(app):
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    classified = {(case.endpoint, case.method) for case in CASES}
    assert not routes - classified, f"routes missing from the permission matrix: {sorted(routes - classified)}"
    assert not classified - routes, f"the matrix names routes that do not exist: {sorted(classified - routes)}"
    for case in CASES:
        assert set(case.expect) == set(ROLES), case


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, app, client, session, clock, world, objects):
    token = None
    if role != "anonymous":
        login(client, USERNAMES[role])
        token = issue_api_token(session, world.users[USERNAMES[role]], "matrix", clock)
        session.commit()
    csrf_token = csrf(client)
    problems = []
    for case in sorted(CASES, key=_phase):
        response = _send(client, case, objects, token, csrf_token)
        problem = _judge(case.expect[role], response)
        if problem:
            problems.append(f"{role:10} {case.method:4} {case.path.format(**objects):55} {problem}")
        if case.api and response.status_code >= 400:
            body = response.get_json(silent=True)
            if not (isinstance(body, dict) and {"code", "message"} <= set(body.get("error", {}))):
                problems.append(f"{role:10} {case.method:4} {case.path}: API error is not JSON {{error: {{code, message}}}}")
        if role != "bidder" and _leaks(objects, response, case.path.format(**objects)):
            problems.append(f"{role:10} {case.method:4} {case.path}: shows bidder1's envelope hash or receipt id")
    if role != "bidder":  # nobody else withdrew, replaced or otherwise touched bidder1's bid
        session.expire_all()
        bid = session.get(Bid, objects["bid"])
        assert (bid.status, len(bid.submissions)) == ("submitted", 1), [s.action for s in bid.submissions]
    assert not problems, "\n" + "\n".join(problems)


# --- focused checks ------------------------------------------------------------------------------


# Every GET route's arguments, filled with the world's objects (bidder1's bid and receipt among them).
ROUTE_ARGUMENTS = {
    "tender_id": ("published", "draft", "api_draft"),
    "document_id": ("document",),
    "record_id": ("receipt", "notice", "draft_record"),
    "bid_id": ("bid",),
    "upload_id": ("upload",),
    "section": (1,),
    "number": (1,),
    "expert_id": (NO_SUCH,),
    "draw_id": (NO_SUCH,),
    "evaluation_id": (NO_SUCH,),
    "file_id": (NO_SUCH,),
    "award_id": (NO_SUCH,),
    "pool_member_id": (NO_SUCH,),
    "publicity_id": (NO_SUCH,),
    "complaint_id": (NO_SUCH,),
    "notice_id": (NO_SUCH,),
    "objection_id": (NO_SUCH,),
    "code": ("zh",),
    "filename": ("site.css",),
}
_LINK = re.compile(r"""(?:href|action|src)=["'](/[^"'#]*)""")


def _get_routes(app, objects: dict[str, Any]) -> list[str]:
    """Every GET route, once for each combination of the objects that fill its arguments."""
    paths = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods:
                continue
            unknown = set(rule.arguments) - set(ROUTE_ARGUMENTS)
            assert not unknown, f"{rule.rule}: say which objects fill {unknown} in ROUTE_ARGUMENTS"
            names = sorted(rule.arguments)
            for values in itertools.product(*(ROUTE_ARGUMENTS[n] for n in names)):
                args = {n: objects.get(v, v) if isinstance(v, str) else v for n, v in zip(names, values, strict=True)}
                paths.append(url_for(rule.endpoint, **args))
    return paths


@pytest.mark.parametrize("role", ROLES)
def test_nobody_reads_a_bid_early(role, app, client, session, clock, world, objects):
    """Before the opening no page and no API answer shows bidder1's envelope hash or receipt id to anyone
    but bidder1, the operator (admin) included: every GET route with every object, signed in and with a
    token, and every page linked from what was seen."""
    headers = {}
    if role != "anonymous":
        login(client, USERNAMES[role])
        headers["Authorization"] = "Bearer " + issue_api_token(session, world.users[USERNAMES[role]], "crawl", clock)
        session.commit()
    queue = _get_routes(app, objects)
    seen: set[str] = set()
    leaks, errors = [], []
    while queue and len(seen) < 400:
        path = queue.pop(0)
        if path in seen or path.startswith(("/lang/", "/static/")) or path == "/logout":
            continue
        seen.add(path)
        response = client.get(path, headers=headers)
        if response.status_code >= 500:
            errors.append(f"{path}: {response.status_code}")
        if role != "bidder" and _leaks(objects, response, path):
            leaks.append(f"{path} ({response.status_code})")
        if response.mimetype == "text/html":
            queue.extend(html.unescape(link) for link in _LINK.findall(response.get_data(as_text=True)))
    assert not errors, errors
    assert not leaks, f"{role} reads bidder1's bid early on: {leaks}"
    if role == "bidder":  # the control: bidder1 does see its own bid and receipt
        status = client.get(f"/api/v1/bids/{objects['bid']}", headers=headers)
        assert status.status_code == 200 and _leaks(objects, status)
        assert client.get(f"/records/{objects['receipt']}.pdf").status_code == 200
    else:
        assert client.get(f"/records/{objects['receipt']}.pdf").status_code == 404
        assert client.get(f"/api/v1/bids/{objects['bid']}", headers=headers).status_code in (401, 404)



def _status(session, tender_id: int) -> str:
    session.expire_all()
    return session.get(Tender, tender_id).status


def _ledger_size(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(LedgerEntry))


@pytest.fixture
def ready_draft(app, session, clock, world) -> int:
    """A draft with its tender document and opening escrow, and the agent with a signing certificate:
    ready to publish."""
    draft = draft_with_escrow(session, clock, app.extensions["sealbid"].store, world, code="BJ-2026-READY")
    session.commit()
    return draft.id


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, session, world, ready_draft):
    login(client, "agent")
    before = _ledger_size(session)
    response = client.post(f"/agency/tenders/{ready_draft}/publish", data={})
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert _status(session, ready_draft) == "draft"
    assert _ledger_size(session) == before
    response = client.post("/agency/plans/new", data={"csrf_token": "forged", "title": "计划"})
    assert response.status_code == 400
    assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(TenderPlan)) == 0
    # The same request with the page's token goes through.
    response = post(client, f"/agency/tenders/{ready_draft}/publish", {"pin": SIGNING_PIN},
                    form_page=f"/agency/tenders/{ready_draft}")
    assert response.status_code == 302
    assert _status(session, ready_draft) == "published"


def test_csrf_token_of_another_session_is_refused(app, client, session, world, ready_draft):
    other = app.test_client()
    stolen = csrf(other)
    login(client, "agent")
    response = client.post(f"/agency/tenders/{ready_draft}/publish", data={"csrf_token": stolen, "pin": SIGNING_PIN})
    assert response.status_code == 400
    assert _status(session, ready_draft) == "draft"


def test_bidder_cannot_publish_and_the_tender_is_unchanged(client, session, world, ready_draft):
    login(client, "bidder1")
    before = _ledger_size(session)
    response = post(client, f"/agency/tenders/{ready_draft}/publish", {"pin": SIGNING_PIN}, form_page="/bidder/")
    assert response.status_code == 403
    assert "您没有访问此页面的权限。" in response.get_data(as_text=True)
    assert _status(session, ready_draft) == "draft"
    assert _ledger_size(session) == before


def test_tenderee_cannot_publish_through_the_api(client, session, clock, world, ready_draft):
    token = issue_api_token(session, world.users["tenderee"], "t", clock)
    session.commit()
    response = client.post(f"/api/v1/tenders/{ready_draft}/publish", json={"pin": SIGNING_PIN},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_permitted"
    assert _status(session, ready_draft) == "draft"


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer "},
    {"Authorization": "Bearer sb_not-a-real-token"},
    {"Authorization": "Basic YWdlbnQ6cGFzc3dvcmQ="},
], ids=["none", "empty", "unknown", "basic"])
def test_api_token_endpoints_refuse_without_a_valid_token(client, session, world, ready_draft, headers):
    for method, path in (("POST", "/api/v1/tenders"), ("POST", f"/api/v1/tenders/{ready_draft}/documents?filename=a.pdf"),
                         ("POST", f"/api/v1/tenders/{ready_draft}/publish"), ("PUT", f"/api/v1/tenders/{ready_draft}/escrow"),
                         ("POST", "/api/v1/keys/encryption"), ("POST", f"/api/v1/tenders/{ready_draft}/sections/1/bids"),
                         ("GET", "/api/v1/bids/1"), ("DELETE", "/api/v1/bids/1"), ("GET", "/api/v1/bids/1/receipt.pdf")):
        response = client.open(path, method=method, json={}, headers=headers)
        assert response.status_code == 401, (method, path)
        assert response.is_json
        assert response.get_json()["error"]["code"] == "unauthorized"
    assert _status(session, ready_draft) == "draft"


def test_api_ignores_the_session_cookie(client, session, world, ready_draft):
    """A signed-in browser cannot be made to call the API (no CSRF through the API)."""
    login(client, "agent")
    response = client.post(f"/api/v1/tenders/{ready_draft}/publish", json={"pin": SIGNING_PIN})
    assert response.status_code == 401
    assert _status(session, ready_draft) == "draft"


def test_revoked_user_token_is_refused(client, session, clock, world, ready_draft):
    user = world.users["agent"]
    token = issue_api_token(session, user, "t", clock)
    user.active = False
    session.commit()
    response = client.post(f"/api/v1/tenders/{ready_draft}/publish", json={"pin": SIGNING_PIN},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert _status(session, ready_draft) == "draft"


def test_wrong_pin_publishes_nothing(client, session, world, ready_draft):
    login(client, "agent")
    before = _ledger_size(session)
    response = post(client, f"/agency/tenders/{ready_draft}/publish", {"pin": "wrong-pin"},
                    form_page=f"/agency/tenders/{ready_draft}")
    assert response.status_code == 401
    assert "签名口令不正确。" in response.get_data(as_text=True)
    assert _status(session, ready_draft) == "draft"
    assert _ledger_size(session) == before
    response = post(client, f"/agency/tenders/{ready_draft}/publish", {}, form_page=f"/agency/tenders/{ready_draft}")
    assert response.status_code == 401
    assert _status(session, ready_draft) == "draft"


def test_agent_without_a_certificate_cannot_publish(app, client, session, clock, world):
    """agent2 has no certificate: the refusal names the signing-certificate page, nothing is published."""
    ensure_signing(session, clock, world)  # the platform CA and the agent's certificate, none for agent2
    draft = tenders.create_tender(session, clock, world.other_agent, tender_input(world, clock, code="BJ-2026-NOCERT"))
    tenders.add_document(session, clock, world.other_agent, app.extensions["sealbid"].store, draft.id,
                         tenders.Upload("招标文件", "doc.pdf", "application/pdf", io.BytesIO(pdf_bytes())), 10**6)
    holders = ("agent2", "tenderee", "supervisor")
    for name in holders:
        encryption_key(session, clock, world, name)
    escrow.set_escrow(session, clock, world.other_agent, draft.id, [world.users[n].id for n in holders], 2)
    session.commit()
    login(client, "agent2")
    before = _ledger_size(session)
    response = post(client, f"/agency/tenders/{draft.id}/publish", {"pin": SIGNING_PIN}, form_page="/agency/")
    assert response.status_code == 404
    assert "您还没有签名证书" in response.get_data(as_text=True)
    assert _status(session, draft.id) == "draft"
    assert _ledger_size(session) == before


def test_draft_without_escrow_cannot_be_published(app, client, session, clock, world):
    """Page and API: 409 naming the missing escrow; nothing is published or signed."""
    ensure_signing(session, clock, world)
    draft = tenders.create_tender(session, clock, world.agent, tender_input(world, clock, code="BJ-2026-NOESCROW"))
    tenders.add_document(session, clock, world.agent, app.extensions["sealbid"].store, draft.id,
                         tenders.Upload("招标文件", "doc.pdf", "application/pdf", io.BytesIO(pdf_bytes())), 10**6)
    token = issue_api_token(session, world.users["agent"], "t", clock)
    session.commit()
    before = _ledger_size(session)
    login(client, "agent")
    response = post(client, f"/agency/tenders/{draft.id}/publish", {"pin": SIGNING_PIN},
                    form_page=f"/agency/tenders/{draft.id}")
    assert response.status_code == 409
    assert "本项目尚未设置开标密钥托管人。" in response.get_data(as_text=True)
    response = client.post(f"/api/v1/tenders/{draft.id}/publish", json={"pin": SIGNING_PIN},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 409
    assert response.get_json()["error"] == {"code": "conflict", "message": "本项目尚未设置开标密钥托管人。"}
    assert _status(session, draft.id) == "draft"
    assert _ledger_size(session) == before


def test_escrow_is_fixed_at_publication(client, session, clock, world, ready_draft):
    """Once published, nobody changes who holds the opening keys (page or API), the managers included."""
    login(client, "agent")
    response = post(client, f"/agency/tenders/{ready_draft}/publish", {"pin": SIGNING_PIN},
                    form_page=f"/agency/tenders/{ready_draft}")
    assert response.status_code == 302
    session.expire_all()
    holders = [h.key_id for h in session.get(Tender, ready_draft).escrow_holders]
    encryption_key(session, clock, world, "agent2")
    token = issue_api_token(session, world.users["tenderee"], "t", clock)
    session.commit()
    ids = [world.users[n].id for n in ("agent", "tenderee")]
    response = post(client, f"/agency/tenders/{ready_draft}/escrow", {"holders": [str(i) for i in ids], "k": "2"},
                    form_page=f"/agency/tenders/{ready_draft}")
    assert response.status_code == 409
    response = client.put(f"/api/v1/tenders/{ready_draft}/escrow", json={"holders": ids, "k": 2},
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 409
    session.expire_all()
    tender = session.get(Tender, ready_draft)
    assert ([h.key_id for h in tender.escrow_holders], tender.escrow_k) == (holders, 2)


def test_nobody_registers_an_encryption_key_for_someone_else(client, session, clock, world):
    """The form and the API register the caller's own key, whatever fields are added."""
    token = issue_api_token(session, world.users["bidder2"], "t", clock)
    session.commit()
    agent = world.users["agent"].id
    login(client, "bidder1")
    response = post(client, "/account/encryption-key", {"public_key": _new_public_key(), "user_id": str(agent)},
                    form_page="/account/signing")
    assert response.status_code == 302
    response = client.post("/api/v1/keys/encryption", json={"public_key": _new_public_key(), "user_id": agent},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    session.expire_all()
    assert encryption_keys.current(session, agent) is None
    assert encryption_keys.current(session, world.users["bidder1"].id) is not None
    assert encryption_keys.current(session, world.users["bidder2"].id).key_id == response.get_json()["key_id"]


def test_odd_escrow_and_key_input_never_answers_5xx(client, session, clock, world, ready_draft):
    """Holder ids beyond the id columns, booleans, odd thresholds, odd keys: refused, never a server error."""
    token = issue_api_token(session, world.users["agent"], "t", clock)
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    agent = world.users["agent"].id
    for body in ({"holders": [agent, BIG_ID], "k": 2}, {"holders": [agent, 2**70], "k": 2},
                 {"holders": [agent, -1], "k": 2}, {"holders": [True, agent], "k": 2},
                 {"holders": [agent, world.users["tenderee"].id], "k": 2**70}, {"holders": "1,2", "k": "2"},
                 {"holders": [agent] * 1000, "k": 2}, {"holders": list(range(1, 1000)), "k": 2}):
        response = client.put(f"/api/v1/tenders/{ready_draft}/escrow", json=body, headers=headers)
        assert response.status_code == 400, (body, response.status_code)
    for key in ("", "=" * 5000, base64.b64encode(b"\x00" * 5000).decode(), "AAAA" * 11):
        response = client.post("/api/v1/keys/encryption", json={"public_key": key}, headers=headers)
        assert response.status_code == 400, (key[:20], response.status_code)
    login(client, "agent")
    for form in ({"holders": [str(agent), HUGE], "k": "2"}, {"holders": [str(agent), "-1"], "k": "2"},
                 {"holders": [str(agent)], "k": "1e400"}, {"holders": [str(agent)], "k": HUGE}, {"k": ""}):
        response = post(client, f"/agency/tenders/{ready_draft}/escrow", form, form_page=f"/agency/tenders/{ready_draft}")
        assert response.status_code == 400, (form, response.status_code)
    session.expire_all()
    assert session.get(Tender, ready_draft).escrow_k == 2


def test_revoked_certificate_cannot_publish(client, session, clock, world, ready_draft):
    certificate = pki.person_certificate(session, world.users["agent"].id)
    pki.revoke(session, clock, world.admin, certificate.id, "key_compromise")
    session.commit()
    login(client, "agent")
    response = post(client, f"/agency/tenders/{ready_draft}/publish", {"pin": SIGNING_PIN},
                    form_page=f"/agency/tenders/{ready_draft}")
    assert response.status_code == 403
    assert "您的签名证书已被吊销，不能再签名。" in response.get_data(as_text=True)
    assert _status(session, ready_draft) == "draft"


def test_nobody_requests_a_certificate_for_someone_else(client, session, clock, world):
    """The form only ever issues the signed-in person's own certificate, whatever fields are added."""
    ensure_signing(session, clock, world)
    session.commit()
    agents = pki.person_certificate(session, world.users["agent"].id).id
    login(client, "bidder1")
    response = post(client, "/account/signing", {"pin": "246802", "pin_again": "246802",
                                                 "user_id": str(world.users["agent"].id)})
    assert response.status_code == 302
    session.expire_all()
    assert pki.person_certificate(session, world.users["agent"].id).id == agents
    assert pki.person_certificate(session, world.users["bidder1"].id) is not None


def test_admin_revocation_needs_a_known_reason(client, session, clock, world):
    ensure_signing(session, clock, world)
    session.commit()
    certificate = pki.person_certificate(session, world.users["agent"].id)
    login(client, "admin")
    response = post(client, f"/admin/certificates/{certificate.id}/revoke", {"reason": "because"},
                    form_page="/admin/certificates")
    assert response.status_code == 400
    session.expire_all()
    assert pki.person_certificate(session, world.users["agent"].id).revoked_at is None
    response = post(client, f"/admin/certificates/{certificate.id}/revoke", {"reason": "superseded"},
                    form_page="/admin/certificates")
    assert response.status_code == 302
    response = post(client, f"/admin/certificates/{certificate.id}/revoke", {"reason": "superseded"},
                    form_page="/admin/certificates")
    assert response.status_code == 409


def test_only_personal_certificates_can_be_revoked_through_the_page(client, session, clock, world):
    """The page lists people's certificates; the platform's CA, seal and TSA are not revocable through it."""
    ensure_signing(session, clock, world)
    session.commit()
    login(client, "admin")
    for purpose in ("ca", "platform", "tsa"):
        certificate = session.scalars(select(pki.Certificate).where(pki.Certificate.purpose == purpose)).one()
        response = post(client, f"/admin/certificates/{certificate.id}/revoke", {"reason": "superseded"},
                        form_page="/admin/certificates")
        assert response.status_code == 404, purpose
        session.expire_all()
        assert session.get(pki.Certificate, certificate.id).revoked_at is None, purpose


def test_pki_before_the_platform_ca_exists(client, world):
    """Nothing signed yet: the CA and CRL are not found, a check cannot run, a certificate cannot be issued."""
    assert client.get("/pki/ca.pem").status_code == 404
    assert client.get("/pki/crl.der").status_code == 404
    assert client.post("/tsa", data=TIMESTAMP_QUERY, content_type="application/timestamp-query").status_code == 404
    response = post(client, "/records/verify",
                    {"file": (io.BytesIO(pdf_bytes()), "plain.pdf", "application/pdf")}, form_page="/records/verify")
    assert response.status_code == 404
    login(client, "agent")
    assert client.get("/account/signing").status_code == 200
    response = post(client, "/account/signing", {"pin": SIGNING_PIN, "pin_again": SIGNING_PIN})
    assert response.status_code == 404


def test_signed_in_pages_send_strangers_to_login_with_next(client, world):
    response = client.get("/agency/tenders/new")
    assert response.status_code == 302
    location = urlparse(response.headers["Location"])
    assert location.path == "/login"
    assert "next=/agency/tenders/new" in location.query.replace("%2F", "/")


# --- odd input never answers 5xx -----------------------------------------------------------------

BIG_ID = 2**40  # beyond PostgreSQL's integer columns
HUGE = "99999999999999999999"  # beyond 64 bits





def _tender_json(world, clock, **overrides):
    data = tender_data(world, clock, code="ODD-001")
    body = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}
    body.update(overrides)
    return body


def _tender_form(world, clock, **overrides):
    def local(value):
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")

    data = tender_data(world, clock, code="ODD-002")
    form = {k: local(v) if hasattr(v, "astimezone") else str(v) for k, v in data.items() if k != "sections"}
    form.update({"is_compulsory": "on", "is_state_funded": "on", "sections-0-name": "一标段",
                 "sections-0-estimated_price": "10000000.00", "sections-0-bond_amount": "200000.00",
                 "sections-0-bond_forms": "bank_guarantee"})
    form.update(overrides)
    return form


ODD = [
    pytest.param("anonymous", "GET", "/?page=abc", None, id="page-text"),
    pytest.param("anonymous", "GET", "/?page=-3", None, id="page-negative"),
    pytest.param("anonymous", "GET", "/?page=9223372036854775807", None, id="page-huge"),
    pytest.param("anonymous", "GET", "/api/v1/tenders?page=" + HUGE + "&per_page=abc", None, id="api-page-huge"),
    pytest.param("anonymous", "GET", "/tenders/0", None, id="tender-0"),
    pytest.param("anonymous", "GET", "/tenders/" + HUGE, None, id="tender-huge"),
    pytest.param("anonymous", "GET", f"/tenders/{BIG_ID}", None, id="tender-big"),
    pytest.param("anonymous", "GET", "/api/v1/tenders/" + HUGE, None, id="api-tender-huge"),
    pytest.param("supervisor", "GET", f"/supervisor/tenders/{BIG_ID}", None, id="supervisor-big"),
    pytest.param("anonymous", "GET", "/records/" + "x" * 300 + ".pdf", None, id="record-id-long"),
    pytest.param("anonymous", "GET", "/records/%00%27%22.pdf", None, id="record-id-odd"),
    pytest.param("admin", "POST", f"/admin/certificates/{BIG_ID}/revoke", lambda w, c: {"reason": "superseded"},
                 id="admin-certificate-big"),
    pytest.param("agent", "POST", "/account/signing", lambda w, c: {"pin": "x" * 5000, "pin_again": "x" * 5000},
                 id="pin-huge"),
    pytest.param("admin", "POST", f"/admin/users/{BIG_ID}", lambda w, c: {"roles": ["agent"]}, id="admin-user-big"),
    pytest.param("admin", "POST", "/admin/users", lambda w, c: {
        "username": "newuser", "display_name": "新用户", "password": "long-password-1", "roles": ["agent"],
        "organisation_id": str(BIG_ID)}, id="admin-user-org-big"),
    pytest.param("agent", "POST", "/agency/tenders/new", lambda w, c: _tender_form(w, c, sale_start="0001-01-01T00:00"),
                 id="form-year-1"),
    pytest.param("agent", "POST", "/agency/tenders/new", lambda w, c: _tender_form(w, c, tenderee_org_id=str(BIG_ID)),
                 id="form-tenderee-big"),
    pytest.param("agent", "POST", "/agency/tenders/new",
                 lambda w, c: _tender_form(w, c, **{"sections-0-estimated_price": "1e400"}), id="form-price-huge"),
    pytest.param("agent", "POST", "/api/v1/tenders", lambda w, c: _tender_json(w, c, sale_start="0001-01-01T00:00:00"),
                 id="api-year-1"),
    pytest.param("agent", "POST", "/api/v1/tenders", lambda w, c: _tender_json(w, c, plan_id=BIG_ID),
                 id="api-plan-big"),
    pytest.param("agent", "POST", "/api/v1/tenders", lambda w, c: _tender_json(w, c, bid_validity_days=BIG_ID),
                 id="api-validity-big"),
    pytest.param("agent", "POST", "/api/v1/tenders", lambda w, c: ["not", "an", "object"], id="api-list-body"),
    pytest.param("bidder", "GET", f"/api/v1/bids/{BIG_ID}", None, id="api-bid-big"),
    pytest.param("bidder", "GET", "/api/v1/bids/" + HUGE + "/receipt.pdf", None, id="api-receipt-huge"),
    pytest.param("bidder", "GET", f"/bidder/bids/{BIG_ID}/envelope", None, id="envelope-big"),
    pytest.param("anonymous", "GET", f"/api/v1/tenders/{BIG_ID}/escrow", None, id="api-escrow-big"),
    pytest.param("bidder", "POST", f"/api/v1/tenders/{BIG_ID}/sections/1/bids", lambda w, c: {}, id="api-bid-tender-big"),
    pytest.param("bidder", "POST", "/api/v1/keys/encryption", lambda w, c: {"public_key": "A" * 100_000},
                 id="api-key-huge"),
    pytest.param("bidder", "POST", "/api/v1/keys/encryption", lambda w, c: {"public_key": ["AAAA"]},
                 id="api-key-list"),
    pytest.param("bidder", "POST", "/account/encryption-key", lambda w, c: {"public_key": "\x00" * 5000},
                 id="key-form-odd"),
    pytest.param("agent", "POST", f"/agency/tenders/{BIG_ID}/escrow", lambda w, c: {"holders": ["1", "2"], "k": "2"},
                 id="escrow-tender-big"),
    pytest.param("bidder", "GET", "/bidder/uploads/" + "x" * 300, None, id="upload-id-long"),
    pytest.param("bidder", "GET", "/api/v1/uploads/..%2F..%2Fetc", None, id="api-upload-id-odd"),
    pytest.param("bidder", "GET", f"/bidder/tenders/{BIG_ID}/sections/{BIG_ID}/bid", None, id="bid-page-big"),
    pytest.param("bidder", "POST", f"/bidder/tenders/{BIG_ID}/sections/1/uploads", lambda w, c: {"size": "1"},
                 id="upload-form-not-json"),
    pytest.param("bidder", "POST", f"/api/v1/tenders/{BIG_ID}/sections/1/uploads", lambda w, c: {"size": 10},
                 id="api-upload-tender-big"),
    pytest.param("bidder", "POST", "/api/v1/tenders/1/sections/1/uploads", lambda w, c: {"size": 2**70},
                 id="api-upload-size-huge"),
    pytest.param("bidder", "POST", "/api/v1/tenders/1/sections/1/uploads", lambda w, c: {"size": [1]},
                 id="api-upload-size-list"),
]


@pytest.mark.parametrize(("role", "method", "path", "payload"), ODD)
def test_odd_input_never_answers_5xx(role, method, path, payload, client, session, clock, world):
    headers = {}
    if role != "anonymous":
        login(client, USERNAMES[role])
        if path.startswith("/api/"):
            headers["Authorization"] = "Bearer " + issue_api_token(session, world.users[USERNAMES[role]], "t", clock)
            session.commit()
    if method == "GET":
        response = client.get(path, headers=headers)
    elif path.startswith("/api/"):
        response = client.post(path, json=payload(world, clock), headers=headers)
    else:
        response = post(client, path, payload(world, clock), form_page="/")
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.status_code in (200, 302, 400, 404, 409, 422), response.status_code


def test_api_refuses_a_non_agent_before_reading_the_body(client, session, clock, world):
    token = issue_api_token(session, world.users["bidder1"], "t", clock)
    session.commit()
    response = client.post("/api/v1/tenders", json={}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_api_creator_can_read_its_new_draft(client, session, clock, world):
    token = issue_api_token(session, world.users["agent"], "t", clock)
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/v1/tenders", json=_tender_json(world, clock), headers=headers)
    assert created.status_code == 201
    assert client.get(created.headers["Location"], headers=headers).status_code == 200


def test_api_refuses_a_non_agent_publisher_before_reading_the_pin(client, session, clock, world, ready_draft):
    token = issue_api_token(session, world.users["tenderee"], "t", clock)
    session.commit()
    response = client.post(f"/api/v1/tenders/{ready_draft}/publish", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert _status(session, ready_draft) == "draft"
