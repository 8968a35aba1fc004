"""People's encryption public keys (X25519), used to seal bids for them (docs/envelope.md).

Only the public half is ever registered: the private half stays in the person's key file, like a
CA key, so the platform cannot open what is sealed for them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.actor import Actor
from core.clock import Clock
from core.db import Base, UTCDateTime
from core.errors import N_, NotFound, NotPermitted
from signing import envelope, ledger


class EncryptionKey(Base):
    __tablename__ = "encryption_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    public_raw: Mapped[bytes] = mapped_column(LargeBinary)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


def register(session: Session, clock: Clock, actor: Actor, public_raw: bytes) -> EncryptionKey:
    """The actor's new encryption key; an earlier one stays valid for what was sealed to it."""
    if actor.user_id is None:
        raise NotPermitted(N_("请先登录。"))
    public = envelope.load_public(public_raw)
    kid = envelope.key_id(public)
    existing = session.scalars(select(EncryptionKey).where(EncryptionKey.key_id == kid)).one_or_none()
    if existing is not None:
        if existing.user_id != actor.user_id:
            raise NotPermitted(N_("该公钥已由其他用户登记。"))
        return existing
    for old in session.scalars(select(EncryptionKey).where(EncryptionKey.user_id == actor.user_id,
                                                           EncryptionKey.current.is_(True))):
        old.current = False
    row = EncryptionKey(user_id=actor.user_id, key_id=kid, public_raw=public_raw, current=True, created_at=clock.now())
    session.add(row)
    session.flush()
    ledger.append(session, clock, actor, "key.register", "encryption_key", row.id, after={"key_id": kid})
    return row


def current(session: Session, user_id: int) -> EncryptionKey | None:
    return session.scalars(
        select(EncryptionKey).where(EncryptionKey.user_id == user_id, EncryptionKey.current.is_(True))
    ).one_or_none()


def require_current(session: Session, user_id: int) -> EncryptionKey:
    row = current(session, user_id)
    if row is None:
        raise NotFound(N_("尚未登记加密公钥：请先用投标客户端或浏览器生成密钥并登记公钥。"))
    return row
