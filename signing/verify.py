"""Checking a signed record without trusting sealbid's database: each signature's signer, time,
integrity, later changes, chain to the platform CA and revocation (pyHanko as the validator)."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from core.errors import N_, Msg, phrase

# pyHanko logs every failed check with a traceback; the report says what failed instead.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

# What the signed revision may have had added after it without the document counting as changed:
# further signatures and their validation data (form filling of signature fields).
ALLOWED_LATER_CHANGES = {"NONE", "LTA_UPDATES", "FORM_FILLING"}


@dataclass
class SignatureCheck:
    field: str
    signer: str
    signing_time: datetime | None
    timestamp: datetime | None
    intact: bool
    trusted: bool
    revoked: bool
    changed_after: bool
    problems: list[Msg] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class RecordCheck:
    signatures: list[SignatureCheck]
    problems: list[Msg]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.signatures) and all(s.ok for s in self.signatures)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _revoked_serials(crls: list[bytes]) -> set[int]:
    serials: set[int] = set()
    for der in crls:
        try:
            serials.update(entry.serial_number for entry in x509.load_der_x509_crl(der))
        except ValueError:
            continue
    return serials


def verify_pdf(data: bytes, roots: list[x509.Certificate], crls: list[bytes], at: datetime | None = None) -> RecordCheck:
    """Every signature of ``data`` checked against ``roots`` and ``crls`` as of ``at`` (default: now).

    Never raises on bad input: what is wrong is in the result.
    """
    if not data.startswith(b"%PDF-"):
        return RecordCheck([], [phrase(N_("不是 PDF 文件。"))])
    if b"%%EOF" not in data[-1024:]:
        return RecordCheck([], [phrase(N_("PDF 文件不完整（可能被截断）。"))])
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        return RecordCheck([], [Msg(N_("PDF 文件已损坏，无法读取：%(detail)s"), {"detail": str(exc)})])
    if not embedded:
        return RecordCheck([], [phrase(N_("该 PDF 没有电子签名。"))])
    revoked_serials = _revoked_serials(crls)
    checks = []
    for sig in embedded:
        context = ValidationContext(trust_roots=[_asn1(r) for r in roots], crls=crls, allow_fetching=False,
                                    revocation_mode="hard-fail", moment=at)
        try:
            status = validate_pdf_signature(sig, context)
        except (PdfError, ValueError, KeyError, TypeError) as exc:
            checks.append(SignatureCheck(sig.field_name, "", None, None, False, False, False, True,
                                         [Msg(N_("签名无法解析：%(detail)s"), {"detail": str(exc)})]))
            continue
        level = status.modification_level.name if status.modification_level else "OTHER"
        stamp = status.timestamp_validity
        check = SignatureCheck(
            field=sig.field_name,
            signer=status.signing_cert.subject.human_friendly,
            signing_time=status.signer_reported_dt,
            timestamp=stamp.timestamp if stamp else None,
            intact=bool(status.intact and status.valid),
            trusted=bool(status.trusted),
            # Revoked now, even if after the timestamp: the verifier should know (key compromise is retroactive).
            revoked=bool(status.revoked) or status.signing_cert.serial_number in revoked_serials,
            changed_after=level not in ALLOWED_LATER_CHANGES or not status.docmdp_ok,
        )
        if not check.intact:
            check.problems.append(phrase(N_("签名后文件内容被改动，签名无效。")))
        if check.revoked:
            check.problems.append(phrase(N_("签名证书已被吊销。")))
        elif not check.trusted:
            check.problems.append(phrase(N_("签名证书不是由平台 CA 签发，或证书链无法验证。")))
        if check.changed_after:
            check.problems.append(phrase(N_("签名之后文件被修改（不只是追加签名）。")))
        if stamp is None:
            check.problems.append(phrase(N_("签名没有时间戳。")))
        elif not (stamp.intact and stamp.valid and stamp.trusted):
            check.problems.append(phrase(N_("时间戳无效或不可信。")))
        checks.append(check)
    return RecordCheck(checks, [])
