"""Bonds in tests: an issuer's keys and guarantees as its own system would make them, and a bank's
CSV statement as the bond account's bank exports it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from bidding import bonds, guarantees, rules
from bidding.bond_models import GuaranteeIssuer
from bidding.models import Tender
from core.clock import Clock, to_shanghai
from core.credit_code import check_character
from core.identity import Organisation
from tests.world import World

BASIC_ACCOUNTS = {1: "6222020200112233441", 2: "6222020200112233442", 3: "6222020200112233443"}


def credit_code(n: int) -> str:
    """A valid unified social credit code for an issuer (GB 32100-2015 check character)."""
    first17 = f"9133010{n:010d}"
    return first17 + check_character(first17)


def issuer_keys(clock: Clock, name: str = "杭州银行股份有限公司", days: int = 730
                ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A self-signed certificate as an issuer's own CA would give its signing system."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} 电子保函签章"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)])
    now = clock.now()
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=max(1, 1 - days)))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


class Issuer:
    """A registered issuer and its signing key (which the platform never holds)."""

    def __init__(self, row: GuaranteeIssuer, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
        self.row, self.cert, self.key = row, cert, key

    def sign(self, terms: dict[str, Any]) -> bytes:
        return guarantees.issue_document(terms, self.cert, self.key)


def register_issuer(session: Session, clock: Clock, world: World, *, kind: str = "bank", n: int = 1,
                    name: str = "杭州银行股份有限公司", api_url: str = "") -> Issuer:
    cert, key = issuer_keys(clock, name)
    row = guarantees.register_issuer(session, clock, world.admin, name=name, credit_code=credit_code(n), kind=kind,
                                     certificate=pem(cert), api_url=api_url)
    session.commit()
    return Issuer(row, cert, key)


def guarantee_terms(session: Session, world: World, tender: Tender, issuer: Issuer, *, bidder: int = 1,
                    section: int = 1, **overrides: Any) -> dict[str, Any]:
    """Terms that satisfy the section: its amount, valid 30 days past the bid validity."""
    org = session.get(Organisation, world.bidders[bidder - 1].org_id)
    sec = next(s for s in tender.sections if s.number == section)
    end = to_shanghai(rules.bid_validity_end(tender.bid_deadline, tender.bid_validity_days)).date()
    terms = {
        "number": f"BH{tender.id:04d}{section:02d}{bidder:02d}{issuer.row.id:03d}",
        "kind": guarantees.ISSUER_FORMS[issuer.row.kind].value,
        "issuer_name": issuer.row.name, "issuer_credit_code": issuer.row.credit_code,
        "beneficiary_name": tender.tenderee.name, "beneficiary_credit_code": tender.tenderee.credit_code,
        "applicant_name": org.name, "applicant_credit_code": org.credit_code,
        "tender_code": tender.code, "section": section, "amount": str(sec.bond_amount), "currency": "CNY",
        "valid_until": (end + dt.timedelta(days=30)).isoformat(), "issued_at": "2026-03-02T10:00:00+08:00",
    }
    terms.update(overrides)
    return terms


def set_basic_accounts(session: Session, clock: Clock, world: World) -> None:
    for i, bidder in enumerate(world.bidders, start=1):
        bonds.set_basic_account(session, clock, bidder, "中国工商银行杭州分行", BASIC_ACCOUNTS[i])
    session.commit()


STATEMENT_HEADER = "交易流水号,交易时间,付款人名称,付款人账号,付款人开户行,收款子账号,金额,摘要"


def statement_row(serial: str, when: dt.datetime, payer: str, account: str, sub_account: str, amount: Decimal | str,
                  memo: str = "投标保证金") -> str:
    when_text = to_shanghai(when).strftime("%Y-%m-%d %H:%M:%S")
    return f"{serial},{when_text},{payer},{account},中国工商银行,{sub_account},{amount},{memo}"


def statement(*rows: str, encoding: str = "utf-8") -> bytes:
    return "\n".join([STATEMENT_HEADER, *rows, ""]).encode(encoding)
