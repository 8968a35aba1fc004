"""The append-only, hash-chained ledger: every state change leaves an entry (DESIGN.md section 4).

Each entry's hash covers its own canonical JSON and the previous entry's hash, so changing,
removing or reordering any entry breaks every hash after it. Appends are serialised through the
single ``ledger_head`` row (locked ``FOR UPDATE`` on PostgreSQL; SQLite serialises writers), and
``seq`` is the primary key, so two writers can never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.actor import Actor
from core.clock import Clock
from core.db import Base, UTCDateTime

GENESIS_HASH = "0" * 64


class LedgerHead(Base):
    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    entry_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


class LedgerEntry(Base):
    __tablename__ = "ledger_entry"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), nullable=True)
    actor_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tender_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.payload)


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot put {type(value).__name__} in the ledger")


def canonical_payload(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    return json.dumps(
        {"before": before, "after": after},
        default=_json_default,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def _entry_hash(entry: LedgerEntry) -> str:
    body = json.dumps(
        [
            entry.seq,
            entry.at.isoformat(),
            entry.actor_user_id,
            entry.actor_org_id,
            entry.actor_name,
            entry.action,
            entry.subject_type,
            entry.subject_id,
            entry.tender_id,
            entry.payload,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((entry.prev_hash + body).encode()).hexdigest()


def _head(session: Session) -> LedgerHead:
    """The single head row (seeded by the first migration), locked until the transaction ends."""
    return session.scalars(select(LedgerHead).where(LedgerHead.id == 1).with_for_update()).one()


def append(
    session: Session,
    clock: Clock,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: int | None,
    *,
    tender_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> LedgerEntry:
    """Append an entry in the caller's transaction: it lands exactly when the change it records does."""
    head = _head(session)
    entry = LedgerEntry(
        seq=head.seq + 1,
        at=clock.now().replace(microsecond=0),
        actor_user_id=actor.user_id,
        actor_org_id=actor.org_id,
        actor_name=actor.name,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        tender_id=tender_id,
        payload=canonical_payload(before, after),
        prev_hash=head.entry_hash,
    )
    entry.entry_hash = _entry_hash(entry)
    session.add(entry)
    head.seq = entry.seq
    head.entry_hash = entry.entry_hash
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""


def entries(session: Session, tender_id: int | None = None) -> Iterator[LedgerEntry]:
    query = select(LedgerEntry).order_by(LedgerEntry.seq)
    if tender_id is not None:
        query = query.where(LedgerEntry.tender_id == tender_id)
    yield from session.scalars(query.execution_options(yield_per=1000))


def recorded(session: Session, action: str, subject_type: str, subject_id: int) -> bool:
    """Whether ``action`` on the subject is already on the ledger: lets a scheduler pass note an event once."""
    return session.scalars(select(LedgerEntry.seq).where(
        LedgerEntry.action == action, LedgerEntry.subject_type == subject_type,
        LedgerEntry.subject_id == subject_id)).first() is not None


def verify(session: Session) -> ChainReport:
    """Walk the whole chain; name the first entry whose link or hash is wrong."""
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for entry in entries(session):
        if entry.seq != expected_seq:
            return ChainReport(False, count, prev, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev:
            return ChainReport(False, count, prev, entry.seq, "link to the previous entry is broken")
        if _entry_hash(entry) != entry.entry_hash:
            return ChainReport(False, count, prev, entry.seq, "content does not match its hash")
        prev = entry.entry_hash
        expected_seq += 1
        count += 1
    head = session.get(LedgerHead, 1)
    if head is not None and (head.seq != count or head.entry_hash != prev):
        return ChainReport(False, count, prev, head.seq if head.seq > count else count + 1, "head does not match the last entry")
    return ChainReport(True, count, prev)
