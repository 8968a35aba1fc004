"""The platform's certificate authority: the CA, the platform's seal, the timestamp authority, and
every person's signing certificate (DESIGN.md section 4).

Keys never leave the database unsealed: persons' keys are sealed under their signing PIN, the
platform's under the operator's passphrase (``signing.pin``). Certificates carry the key usages
validators insist on: nonRepudiation for pyHanko, emailProtection in the extended key usage for
poppler's ``pdfsig``, and timeStamping (critical) for the TSA.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.actor import Actor
from core.clock import Clock
from core.db import Base, UTCDateTime
from core.errors import N_, Conflict, InvalidInput, NotFound, NotPermitted
from signing import ledger, pin

# documentSigning (RFC 9336); cryptography has no named constant for it.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
SIGNER_EKU = [ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]
CA_YEARS = 20
SIGNER_DAYS = 825
# ECDSA on P-256 everywhere: accepted by pyHanko and by poppler/NSS, and key generation is instant.
CURVE = ec.SECP256R1()


class Certificate(Base):
    __tablename__ = "pki_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    # ca (issues certificates and CRLs), platform (the platform's seal), tsa, person
    purpose: Mapped[str] = mapped_column(String(20), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True, index=True)
    der: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    not_after: Mapped[datetime] = mapped_column(UTCDateTime())
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revocation_reason: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def x509(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.der)

    @property
    def pem(self) -> bytes:
        return self.x509.public_bytes(serialization.Encoding.PEM)


class PublishedCrl(Base):
    """The current CRL and its monotonic number (RFC 5280 section 5.2.3).

    Served as it is until a revocation makes it stale or it is a day old, so fetching the CRL
    (validators do, often) writes nothing.
    """

    __tablename__ = "pki_crl"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, default=0)
    der: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    stale: Mapped[bool] = mapped_column(Boolean, default=True)


@dataclass(frozen=True)
class PlatformSettings:
    """What the operator configures: the passphrase sealing platform keys and the public CRL address."""

    passphrase: str
    crl_url: str
    name: str = "sealbid 电子招标投标交易平台"


def _name(common_name: str, organisation: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(parts)


def _key_usage(*, signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signer, content_commitment=signer, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=not signer, crl_sign=not signer, encipher_only=False, decipher_only=False,
    )


def _store(session: Session, clock: Clock, cert: x509.Certificate, purpose: str, key: PrivateKeyTypes | None,
           secret: str | None, user_id: int | None = None) -> Certificate:
    row = Certificate(
        serial=format(cert.serial_number, "x"),
        purpose=purpose,
        subject=cert.subject.rfc4514_string(),
        user_id=user_id,
        der=cert.public_bytes(serialization.Encoding.DER),
        sealed_key=pin.seal(key, secret) if key is not None and secret is not None else None,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        current=True,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return row


def ca(session: Session) -> Certificate:
    row = session.scalars(select(Certificate).where(Certificate.purpose == "ca", Certificate.current.is_(True))).first()
    if row is None:
        raise NotFound(N_("平台证书体系尚未初始化，请运营人员先执行 flask signing init。"))
    return row


def platform_certificate(session: Session, purpose: str) -> Certificate:
    row = session.scalars(select(Certificate).where(Certificate.purpose == purpose, Certificate.current.is_(True))).first()
    if row is None:
        raise NotFound(N_("平台证书体系尚未初始化，请运营人员先执行 flask signing init。"))
    return row


def is_initialised(session: Session) -> bool:
    return session.scalar(select(Certificate.id).where(Certificate.purpose == "ca")) is not None


def _issue(ca_row: Certificate, ca_key: PrivateKeyTypes, subject: x509.Name, now: datetime, days: int,
           eku: list[x509.ObjectIdentifier], settings: PlatformSettings, *, eku_critical: bool = False):
    key = ec.generate_private_key(CURVE)
    issuer = ca_row.x509
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(min(now + timedelta(days=days), issuer.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signer=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage(eku), critical=eku_critical)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()), critical=False)
        .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(settings.crl_url)], relative_name=None, reasons=None,
            crl_issuer=None)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def init_platform(session: Session, clock: Clock, actor: Actor, settings: PlatformSettings) -> bool:
    """Create the CA, the platform's seal and the TSA once; False when they already exist."""
    if is_initialised(session):
        return False
    pin.check_pin(settings.passphrase)
    now = clock.now()
    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca_name = _name(f"{settings.name} 根证书", settings.name)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signer=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_row = _store(session, clock, ca_cert, "ca", ca_key, settings.passphrase)
    import_platform_keys(session, clock, actor, settings, ca_row, ca_key)
    return True


def import_platform_keys(session: Session, clock: Clock, actor: Actor, settings: PlatformSettings,
                         ca_row: Certificate, ca_key: PrivateKeyTypes) -> None:
    """Issue the platform seal and the TSA certificate from the issuing CA (created or imported)."""
    now = clock.now()
    seal, seal_key = _issue(ca_row, ca_key, _name(f"{settings.name} 电子签章", settings.name), now, 365 * 5,
                            SIGNER_EKU, settings)
    _store(session, clock, seal, "platform", seal_key, settings.passphrase)
    tsa, tsa_key = _issue(ca_row, ca_key, _name(f"{settings.name} 时间戳服务", settings.name), now, 365 * 5,
                          [ExtendedKeyUsageOID.TIME_STAMPING], settings, eku_critical=True)
    _store(session, clock, tsa, "tsa", tsa_key, settings.passphrase)
    ledger.append(session, clock, actor, "pki.init", "certificate", ca_row.id,
                  after={"ca": ca_row.serial, "platform": format(seal.serial_number, "x"),
                         "tsa": format(tsa.serial_number, "x")})


def import_external_ca(session: Session, clock: Clock, actor: Actor, settings: PlatformSettings, ca_pem: bytes,
                       ca_key_pem: bytes, ca_key_password: bytes | None = None) -> None:
    """Use an issuing CA certificate and key from an external authority instead of creating one.

    The rest is the same code path: the platform seal, the TSA and every person's certificate are
    issued by that CA, and validators trust whatever root the operator's CA chains to.
    """
    if is_initialised(session):
        raise Conflict(N_("平台证书体系已初始化。"))
    try:
        cert = x509.load_pem_x509_certificate(ca_pem)
        key = serialization.load_pem_private_key(ca_key_pem, password=ca_key_password)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(N_("无法读取 CA 证书或私钥（需要 PEM 格式）。")) from exc
    if cert.public_key() != key.public_key():
        raise InvalidInput(N_("CA 证书与私钥不匹配。"))
    try:
        is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise InvalidInput(N_("该证书不是 CA 证书。"))
    ca_row = _store(session, clock, cert, "ca", key, settings.passphrase)
    import_platform_keys(session, clock, actor, settings, ca_row, key)


def unseal(row: Certificate, secret: str) -> PrivateKeyTypes:
    if row.sealed_key is None:
        raise NotFound(N_("该证书没有可用的私钥。"))
    if row.purpose in PLATFORM_PURPOSES:
        return _unseal_platform(row.sealed_key, secret)
    return pin.unseal(row.sealed_key, secret)


# The platform's own keys sign every receipt and timestamp: unsealing them (Argon2id, 64 MiB) once per
# process instead of once per signature keeps a deadline rush from queueing on the KDF. Persons' keys
# are never kept: each of their signatures asks for the PIN.
PLATFORM_PURPOSES = {"ca", "platform", "tsa"}


@lru_cache(maxsize=8)
def _unseal_platform(sealed: bytes, secret: str) -> PrivateKeyTypes:
    return pin.unseal(sealed, secret)


def issue_person(session: Session, clock: Clock, actor: Actor, settings: PlatformSettings, user_id: int,
                 display_name: str, organisation: str | None, signing_pin: str) -> Certificate:
    """A new key pair and certificate for a person, the key sealed under their PIN.

    A person has one current certificate; a new one (e.g. after a forgotten PIN) supersedes the old.
    Only the person themselves or an administrator may ask for it.
    """
    if actor.user_id != user_id and "admin" not in actor.roles:
        raise NotPermitted(N_("只能为本人申请签名证书。"))
    pin.check_pin(signing_pin)
    ca_row = ca(session)
    ca_key = unseal(ca_row, settings.passphrase)
    cert, key = _issue(ca_row, ca_key, _name(display_name, organisation), clock.now(), SIGNER_DAYS, SIGNER_EKU,
                       settings)
    for old in session.scalars(select(Certificate).where(Certificate.user_id == user_id, Certificate.current.is_(True))):
        old.current = False
    row = _store(session, clock, cert, "person", key, signing_pin, user_id=user_id)
    ledger.append(session, clock, actor, "pki.issue", "certificate", row.id,
                  after={"serial": row.serial, "user_id": user_id, "subject": row.subject})
    return row


def person_certificate(session: Session, user_id: int) -> Certificate | None:
    return session.scalars(
        select(Certificate).where(Certificate.user_id == user_id, Certificate.current.is_(True))
    ).first()


REVOCATION_REASONS = {
    "key_compromise": x509.ReasonFlags.key_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
}


def revoke(session: Session, clock: Clock, actor: Actor, certificate_id: int, reason: str) -> Certificate:
    """Revoke a person's certificate; it appears on the next CRL and signs nothing more."""
    if actor.user_id is not None and "admin" not in actor.roles:
        raise NotPermitted(N_("只有管理员可以吊销证书。"))
    if reason not in REVOCATION_REASONS:
        raise InvalidInput(N_("吊销原因不正确。"), field="reason")
    row = session.get(Certificate, certificate_id)
    if row is None or row.purpose != "person":  # the CA, seal and TSA are the operator's, not revocable here
        raise NotFound(N_("证书不存在。"))
    if row.revoked_at is not None:
        raise Conflict(N_("该证书已吊销。"))
    # It stays the person's current certificate, so their next signature is refused as revoked
    # rather than as missing; a new certificate supersedes it.
    row.revoked_at = clock.now()
    row.revocation_reason = reason
    published = session.get(PublishedCrl, 1)
    if published is not None:
        published.stale = True
    ledger.append(session, clock, actor, "pki.revoke", "certificate", row.id,
                  after={"serial": row.serial, "reason": reason})
    return row


CRL_REISSUE_AFTER = timedelta(days=1)


def crl(session: Session, clock: Clock, settings: PlatformSettings, *, valid_days: int = 7) -> bytes:
    """The CRL (DER) listing every revoked certificate; re-signed after a revocation or once a day."""
    now = clock.now()
    published = session.scalars(select(PublishedCrl).where(PublishedCrl.id == 1).with_for_update()).one_or_none()
    if published is None:
        published = PublishedCrl(id=1, number=0, stale=True)
        session.add(published)
    if (not published.stale and published.der is not None and published.issued_at is not None
            and now - published.issued_at < CRL_REISSUE_AFTER):
        return published.der
    ca_row = ca(session)
    ca_key = unseal(ca_row, settings.passphrase)
    issuer = ca_row.x509
    published.number += 1
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(now - timedelta(minutes=5))
        .next_update(now + timedelta(days=valid_days))
        .add_extension(x509.CRLNumber(published.number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()), critical=False)
    )
    for row in session.scalars(select(Certificate).where(Certificate.revoked_at.is_not(None))):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(int(row.serial, 16))
            .revocation_date(row.revoked_at)
            .add_extension(x509.CRLReason(REVOCATION_REASONS[row.revocation_reason]), critical=False)
            .build()
        )
    published.der = builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    published.issued_at = now
    published.stale = False
    session.flush()
    return published.der


def person_certificates(session: Session) -> list[Certificate]:
    """Every person's certificate, newest first: the administrator's revocation list."""
    return list(session.scalars(select(Certificate).where(Certificate.purpose == "person").order_by(Certificate.id.desc())))


def trust_roots(session: Session) -> list[x509.Certificate]:
    """The certificates validators should trust: the issuing CA (self-signed or imported)."""
    return [row.x509 for row in session.scalars(select(Certificate).where(Certificate.purpose == "ca"))]
