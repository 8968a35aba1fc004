"""Organisations, people and their roles, and how a person proves who they are.

Kept in the kernel because every layer acts for a person of an organisation; the workflows that
manage them (company registration, administration) live in ``bidding.parties``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.actor import Actor, Role
from core.clock import Clock
from core.db import Base, UTCDateTime
from core.errors import N_, AuthenticationFailed, Throttled

# Argon2id (RFC 9106 second recommended profile, 64 MiB): memory-hard password storage.
_hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)

# Failed sign-ins before the account name is slowed down, and the longest wait imposed.
THROTTLE_FREE_ATTEMPTS = 5
THROTTLE_BASE_SECONDS = 30
THROTTLE_MAX_SECONDS = 15 * 60


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    legal_representative: Mapped[str] = mapped_column(String(100), default="")
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    # pending -> approved | rejected; approved -> suspended
    status: Mapped[str] = mapped_column(String(20), default="pending")
    review_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    certificates: Mapped[list[OrganisationCertificate]] = relationship(
        back_populates="organisation", order_by="OrganisationCertificate.id"
    )


class OrganisationCertificate(Base):
    """A qualification certificate (资质证书) uploaded at registration; the file is in the store."""

    __tablename__ = "organisation_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(back_populates="certificates")


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def actor(self) -> Actor:
        return Actor(user_id=self.id, org_id=self.organisation_id, roles=self.roles, name=self.display_name)


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))


class ApiToken(Base):
    """A bearer token for API clients; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class SignInThrottle(Base):
    """Failed sign-ins per account name (known or not), so guessing slows down on every worker."""

    __tablename__ = "sign_in_throttle"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified against when the account does not exist, so timing does not reveal which names exist.
_DUMMY_HASH = hash_password("sealbid-no-such-user")


def authenticate(session: Session, username: str, password: str, clock: Clock) -> User:
    """The user for these credentials; repeated failures make the name wait longer each time."""
    key = username.strip().lower()[:80]
    now = clock.now()
    throttle = session.get(SignInThrottle, key)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        wait = int((throttle.locked_until - now).total_seconds()) + 1
        raise Throttled(N_("登录失败次数过多，请 %(seconds)s 秒后再试。"), seconds=wait)
    user = session.scalars(select(User).where(User.username == key)).one_or_none()
    ok = _password_matches(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        throttle = throttle or SignInThrottle(username=key, failures=0)
        session.add(throttle)
        throttle.failures += 1
        excess = throttle.failures - THROTTLE_FREE_ATTEMPTS
        if excess >= 0:
            seconds = min(THROTTLE_BASE_SECONDS * 2**excess, THROTTLE_MAX_SECONDS)
            throttle.locked_until = now + timedelta(seconds=seconds)
        session.commit()
        raise AuthenticationFailed(N_("用户名或密码不正确，或账户已停用。"))
    if throttle:
        session.delete(throttle)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def issue_api_token(session: Session, user: User, label: str, clock: Clock) -> str:
    """A new bearer token; the plain value is returned once and never stored."""
    token = "sb_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            user_id=user.id,
            token_sha256=hashlib.sha256(token.encode()).hexdigest(),
            label=label,
            created_at=clock.now(),
        )
    )
    return token


def user_for_token(session: Session, token: str) -> User | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    row = session.scalars(select(ApiToken).where(ApiToken.token_sha256 == digest, ApiToken.revoked.is_(False))).first()
    if row is None:
        return None
    user = session.get(User, row.user_id)
    return user if user and user.active else None
