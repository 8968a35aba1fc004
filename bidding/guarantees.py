"""Electronic guarantees (电子保函): the signed document an issuer gives a bidder, its verification, and
the issuers the platform trusts.

A guarantee file is JSON: ``{"format": "sealbid-guarantee/1", "terms": {...}, "signature": base64}``
where the signature is a detached CMS (PKCS #7) signature by the issuer over the canonical JSON of
``terms`` (sorted keys, no spaces, UTF-8). The platform accepts it only if the signature is intact,
made with the certificate registered for that issuer, the registration is not revoked and the
certificate was valid; then the terms must name this tender, section, beneficiary (the tenderee) and
bidder, cover the required amount and last at least until the bid validity ends (B6 条例第26条,
domain-rules section 2). The format is documented in docs/bonds.md.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Protocol

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs7
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.access import require_role
from bidding.bond_models import GuaranteeIssuer
from bidding.schemas import GUARANTEE_FORMS, MAX_MONEY, BondForm
from core import credit_code as credit_codes
from core.actor import Actor, Role
from core.clock import SHANGHAI, Clock, shanghai_text
from core.errors import N_, Conflict, InvalidInput, NotFound, Unavailable, phrase
from signing import ledger

FORMAT = "sealbid-guarantee/1"
MAX_DOCUMENT_BYTES = 256 * 1024
ISSUER_KINDS = {"bank": N_("银行"), "insurer": N_("保险机构"), "guarantor": N_("担保机构")}
# The guarantee forms each kind of issuer may issue.
ISSUER_FORMS = {"bank": BondForm.BANK_GUARANTEE, "insurer": BondForm.INSURANCE_GUARANTEE,
                "guarantor": BondForm.GUARANTOR_GUARANTEE}
Number = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-/]{2,63}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
CreditCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=18, max_length=18)]


class GuaranteeTerms(BaseModel):
    """What an electronic guarantee promises, as the issuer signed it."""

    model_config = ConfigDict(extra="forbid")

    number: Number
    kind: BondForm
    issuer_name: Name
    issuer_credit_code: CreditCode
    beneficiary_name: Name
    beneficiary_credit_code: CreditCode
    applicant_name: Name
    applicant_credit_code: CreditCode
    tender_code: Annotated[str, StringConstraints(min_length=3, max_length=60)]
    section: Annotated[int, Field(ge=1, le=50)]
    amount: Annotated[Decimal, Field(gt=0, le=MAX_MONEY, max_digits=15, decimal_places=2)]
    currency: str = "CNY"
    valid_until: date
    issued_at: datetime


def canonical(terms: dict[str, Any]) -> bytes:
    return json.dumps(terms, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def valid_until_instant(day: date) -> datetime:
    """A guarantee "valid until" a day covers that whole day, Beijing time."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI) - timedelta(seconds=1)


def issue_document(terms: dict[str, Any], certificate: x509.Certificate, key: CertificateIssuerPrivateKeyTypes) -> bytes:
    """What an issuer's system does: sign the terms (detached CMS, SHA-256) and wrap them in the file.

    The demo issuer and the tests use it; the platform itself never holds an issuer's key.
    """
    signature = (pkcs7.PKCS7SignatureBuilder().set_data(canonical(terms))
                 .add_signer(certificate, key, hashes.SHA256())
                 .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]))
    return json.dumps({"format": FORMAT, "terms": terms, "signature": base64.b64encode(signature).decode()},
                      ensure_ascii=False, indent=1).encode()


@dataclass(frozen=True)
class VerifiedGuarantee:
    terms: GuaranteeTerms
    issuer: GuaranteeIssuer
    document: bytes


def _not_a_guarantee(detail: str = "") -> InvalidInput:
    return InvalidInput(N_("这不是有效的电子保函文件：%(detail)s"), field="guarantee", detail=detail or "—")


def _parse(document: bytes) -> tuple[dict[str, Any], cms.SignedData]:
    if len(document) > MAX_DOCUMENT_BYTES:
        raise _not_a_guarantee(phrase(N_("文件过大")))
    try:
        data = json.loads(document.decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("terms"), dict):
            raise ValueError("format")
        info = cms.ContentInfo.load(base64.b64decode(str(data.get("signature", "")), validate=True))
        signed = info["content"]
        if info["content_type"].native != "signed_data" or not isinstance(signed, cms.SignedData):
            raise ValueError("signature")
        _ = signed.native  # parse eagerly: a damaged structure fails here, not later
    except (UnicodeDecodeError, json.JSONDecodeError, binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise _not_a_guarantee(phrase(N_("格式不符（应为 sealbid-guarantee/1，附出函机构签名）"))) from exc
    return data["terms"], signed


def _signer_certificate(signed: cms.SignedData) -> asn1_x509.Certificate:
    certificates = [c.chosen for c in signed["certificates"] or [] if c.name == "certificate"]
    infos = list(signed["signer_infos"])
    if len(infos) != 1 or not certificates:
        raise _not_a_guarantee(phrase(N_("应恰有一个出函机构签名")))
    sid = infos[0]["sid"].chosen
    for cert in certificates:
        if isinstance(sid, cms.IssuerAndSerialNumber) and cert.serial_number == sid["serial_number"].native \
                and cert.issuer == sid["issuer"]:
            return cert
    raise _not_a_guarantee(phrase(N_("签名中缺少出函机构证书")))


def verify_document(session: Session, clock: Clock, document: bytes) -> VerifiedGuarantee:
    """Check the issuer's signature and registration; the terms are checked against a bond by the caller."""
    raw_terms, signed = _parse(document)
    signer = _signer_certificate(signed)
    fingerprint = hashlib.sha256(signer.dump()).hexdigest()
    issuer = session.scalars(select(GuaranteeIssuer).where(GuaranteeIssuer.fingerprint == fingerprint)).one_or_none()
    if issuer is None:
        raise InvalidInput(N_("电子保函的签名证书不属于任何在本平台登记的出函机构，平台不予接受。"), field="guarantee")
    if issuer.status != "active":
        raise InvalidInput(N_("出函机构 %(issuer)s 的证书已于 %(when)s 注销（%(reason)s），其保函不予接受。"),
                           field="guarantee", issuer=issuer.name, when=shanghai_text(issuer.revoked_at),
                           reason=issuer.revoke_reason or "—")
    context = ValidationContext(trust_roots=[signer], allow_fetching=False, revocation_mode="soft-fail",
                                moment=clock.now())
    try:
        status = asyncio.run(async_validate_detached_cms(canonical(raw_terms), signed, context))
    except Exception as exc:  # pyHanko raises many kinds for damaged signatures; all mean "not valid"
        raise InvalidInput(N_("电子保函的签名无法核验：%(detail)s"), field="guarantee", detail=type(exc).__name__) from exc
    if not (status.intact and status.valid):
        raise InvalidInput(N_("电子保函的签名与内容不符（文件被改动过），平台不予接受。"), field="guarantee")
    if not status.trusted:
        raise InvalidInput(N_("出函机构的证书已过期或尚未生效，平台不予接受。"), field="guarantee")
    try:
        terms = GuaranteeTerms.model_validate(raw_terms)
    except ValidationError as exc:
        detail = ", ".join(str(part) for part in exc.errors()[0]["loc"])
        raise _not_a_guarantee(detail) from exc
    if terms.issuer_credit_code != issuer.credit_code:
        raise InvalidInput(N_("保函中的出函机构与签名证书登记的机构不一致。"), field="guarantee")
    if terms.kind not in GUARANTEE_FORMS or terms.kind != ISSUER_FORMS[issuer.kind]:
        raise InvalidInput(N_("%(issuer)s 不能出具这种保函。"), field="guarantee", issuer=issuer.name)
    return VerifiedGuarantee(terms, issuer, document)


# --- the issuers the platform trusts (administered by the platform operator) -------------------


def _load_certificate(pem: bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem)
    except ValueError:
        try:
            return x509.load_der_x509_certificate(pem)
        except ValueError as exc:
            raise InvalidInput(N_("证书文件无法读取，请上传 PEM 或 DER 格式的 X.509 证书。"), field="certificate") from exc


def register_issuer(session: Session, clock: Clock, actor: Actor, *, name: str, credit_code: str, kind: str,
                    certificate: bytes, api_url: str = "") -> GuaranteeIssuer:
    """Register a bank, insurer or guarantor with the certificate its guarantees are signed with."""
    require_role(actor, Role.ADMIN)
    name, credit_code, api_url = name.strip(), credit_code.strip().upper(), api_url.strip()
    if not 2 <= len(name) <= 200:
        raise InvalidInput(N_("请填写出函机构名称。"), field="name")
    if not credit_codes.is_valid(credit_code):
        raise InvalidInput(N_("统一社会信用代码不正确（GB 32100-2015 校验失败）。"), field="credit_code")
    if kind not in ISSUER_KINDS:
        raise InvalidInput(N_("请选择出函机构类型。"), field="kind")
    if api_url and not (api_url.startswith(("https://", "http://")) and len(api_url) <= 300):
        raise InvalidInput(N_("接口地址应以 https:// 开头。"), field="api_url")
    cert = _load_certificate(certificate)
    if cert.not_valid_after_utc <= clock.now():
        raise InvalidInput(N_("该证书已过期。"), field="certificate")
    fingerprint = cert.fingerprint(hashes.SHA256()).hex()
    taken = session.scalars(select(GuaranteeIssuer).where(
        (GuaranteeIssuer.credit_code == credit_code) | (GuaranteeIssuer.fingerprint == fingerprint))).first()
    if taken is not None:
        raise Conflict(N_("该出函机构或证书已登记。"), field="credit_code")
    issuer = GuaranteeIssuer(name=name, credit_code=credit_code, kind=kind,
                             certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
                             fingerprint=fingerprint, api_url=api_url, status="active",
                             registered_by=actor.user_id, registered_at=clock.now())
    session.add(issuer)
    session.flush()
    ledger.append(session, clock, actor, "issuer.register", "guarantee_issuer", issuer.id,
                  after={"name": name, "credit_code": credit_code, "kind": kind, "fingerprint": fingerprint})
    return issuer


def revoke_issuer(session: Session, clock: Clock, actor: Actor, issuer_id: int, reason: str) -> GuaranteeIssuer:
    """Stop trusting an issuer's certificate: its guarantees are refused from now on."""
    require_role(actor, Role.ADMIN)
    issuer = session.get(GuaranteeIssuer, issuer_id)
    if issuer is None:
        raise NotFound(N_("出函机构不存在。"))
    reason = reason.strip()
    if not 2 <= len(reason) <= 500:
        raise InvalidInput(N_("请填写注销原因。"), field="reason")
    if issuer.status != "active":
        raise Conflict(N_("该出函机构的证书已注销。"))
    issuer.status, issuer.revoked_at, issuer.revoke_reason = "revoked", clock.now(), reason
    ledger.append(session, clock, actor, "issuer.revoke", "guarantee_issuer", issuer.id,
                  before={"status": "active"}, after={"status": "revoked", "reason": reason})
    return issuer


def issuers(session: Session) -> list[GuaranteeIssuer]:
    return list(session.scalars(select(GuaranteeIssuer).order_by(GuaranteeIssuer.id)))


# --- asking the issuer (its adapter) ----------------------------------------------------------


class IssuerAdapter(Protocol):
    """How the platform talks to an issuer's system: ask whether a guarantee stands, or release it."""

    def ask(self, issuer: GuaranteeIssuer, action: str, number: str) -> str:
        """``action`` is "verify" or "release"; returns the guarantee's status at the issuer."""


ISSUER_STATUSES = {"valid", "cancelled", "released", "unknown"}


class HttpIssuerAdapter:
    """POSTs ``{"action", "number"}`` as JSON to the issuer's registered ``api_url`` and reads
    ``{"number", "status"}`` back (status: valid, cancelled, released or unknown)."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def ask(self, issuer: GuaranteeIssuer, action: str, number: str) -> str:
        if not issuer.api_url:
            raise Unavailable(N_("出函机构 %(issuer)s 未登记核验接口，请联系出函机构人工核验。"), issuer=issuer.name)
        request = urllib.request.Request(issuer.api_url, data=json.dumps({"action": action, "number": number}).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read(64 * 1024))
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise Unavailable(N_("出函机构 %(issuer)s 的接口暂时无法访问，请稍后再试。"), issuer=issuer.name) from exc
        status = answer.get("status") if isinstance(answer, dict) and answer.get("number") == number else None
        if status not in ISSUER_STATUSES:
            raise Unavailable(N_("出函机构 %(issuer)s 的接口答复无法识别。"), issuer=issuer.name)
        return status
