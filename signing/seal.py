"""Signing as a person (with their PIN) or as the platform, timestamped by the platform TSA."""

from __future__ import annotations

import asyncio

from cryptography import x509
from sqlalchemy.orm import Session

from core.clock import Clock
from core.errors import N_, NotFound, NotPermitted
from signing import pades, pki
from signing.tsa import PlatformTimeStamper


def timestamper(session: Session, clock: Clock, settings: pki.PlatformSettings) -> PlatformTimeStamper:
    row = pki.platform_certificate(session, "tsa")
    ca_row = pki.ca(session)
    return PlatformTimeStamper(pades.signer_for(row.x509, pki.unseal(row, settings.passphrase), [ca_row.x509]), clock)


def chain(session: Session) -> list[x509.Certificate]:
    """The certificates embedded with every signature, so validators need not fetch them."""
    return [pki.ca(session).x509]


def sign_as_platform(session: Session, clock: Clock, settings: pki.PlatformSettings, pdf: bytes, *, field_name: str,
                     reason: str) -> bytes:
    """The platform attests (e.g. a bid receipt): signed with the platform seal."""
    row = pki.platform_certificate(session, "platform")
    signer = pades.signer_for(row.x509, pki.unseal(row, settings.passphrase), chain(session))
    return pades.sign(pdf, signer, timestamper(session, clock, settings), field_name=field_name,
                      signer_name=settings.name, reason=reason)


def _person_signer(session: Session, clock: Clock, user_id: int, signing_pin: str):
    row = pki.person_certificate(session, user_id)
    if row is None:
        raise NotFound(N_("您还没有签名证书，请先在“签名证书”页面设置签名口令并申领证书。"))
    if row.revoked_at is not None:
        raise NotPermitted(N_("您的签名证书已被吊销，不能再签名。"))
    if not row.not_before <= clock.now() <= row.not_after:
        raise NotPermitted(N_("您的签名证书已过期，请重新申领。"))
    return row, pades.signer_for(row.x509, pki.unseal(row, signing_pin), chain(session))


def sign_bytes_as_person(session: Session, clock: Clock, settings: pki.PlatformSettings, user_id: int,
                         signing_pin: str, data: bytes) -> bytes:
    """A detached CAdES signature (DER) by the person over ``data``, e.g. a bid envelope's hash."""
    _, signer = _person_signer(session, clock, user_id, signing_pin)
    signed = asyncio.run(signer.async_sign_general_data(data, "sha256", detached=True, use_cades=True,
                                                        timestamper=timestamper(session, clock, settings)))
    return signed.dump()


def sign_as_person(session: Session, clock: Clock, settings: pki.PlatformSettings, user_id: int, signing_pin: str,
                   pdf: bytes, *, field_name: str, reason: str) -> bytes:
    """A person signs with the key sealed under their PIN; a revoked or expired certificate signs nothing."""
    row, signer = _person_signer(session, clock, user_id, signing_pin)
    return pades.sign(pdf, signer, timestamper(session, clock, settings), field_name=field_name,
                      signer_name=row.x509.subject.rfc4514_string(), reason=reason)
