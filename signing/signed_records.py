"""The register of signed records: which PDF (by SHA-256 in the file store) is the record of what.

Each signature makes a new PDF (an incremental update), so the register points at the latest
version; every version stays in the content-addressed store and each signing is in the ledger.
"""

from __future__ import annotations

import io
import uuid
from datetime import datetime

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.actor import Actor
from core.clock import Clock
from core.db import Base, UTCDateTime
from core.errors import N_, NotFound
from core.files import FileStore
from signing import ledger

MAX_RECORD_BYTES = 200 * 1024 * 1024


class SignedRecord(Base):
    __tablename__ = "signed_record"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    tender_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    subject_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    signatures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


def new_record_id() -> str:
    return str(uuid.uuid4())


def register(session: Session, clock: Clock, actor: Actor, store: FileStore, *, record_id: str, kind: str, title: str,
             content_sha256: str, pdf: bytes, tender_id: int | None = None, subject_id: int | None = None,
             signatures: int = 1) -> SignedRecord:
    stored = store.put(io.BytesIO(pdf), MAX_RECORD_BYTES)
    row = SignedRecord(id=record_id, kind=kind, title=title[:200], tender_id=tender_id, subject_id=subject_id,
                       content_sha256=content_sha256, pdf_sha256=stored.sha256, signatures=signatures,
                       created_at=clock.now(), updated_at=clock.now())
    session.add(row)
    session.flush()
    ledger.append(session, clock, actor, "record.sign", "record", None, tender_id=tender_id,
                  after={"record_id": record_id, "kind": kind, "pdf_sha256": stored.sha256,
                         "content_sha256": content_sha256, "signatures": signatures})
    return row


def add_version(session: Session, clock: Clock, actor: Actor, store: FileStore, record: SignedRecord,
                pdf: bytes) -> SignedRecord:
    """A further signature on the record: the new PDF replaces the old as the current version."""
    stored = store.put(io.BytesIO(pdf), MAX_RECORD_BYTES)
    record.pdf_sha256 = stored.sha256
    record.signatures += 1
    record.updated_at = clock.now()
    ledger.append(session, clock, actor, "record.sign", "record", None, tender_id=record.tender_id,
                  after={"record_id": record.id, "kind": record.kind, "pdf_sha256": stored.sha256,
                         "signatures": record.signatures})
    return record


def get(session: Session, record_id: str) -> SignedRecord:
    row = session.get(SignedRecord, record_id)
    if row is None:
        raise NotFound(N_("记录不存在。"))
    return row


def for_tender(session: Session, tender_id: int, kind: str | None = None) -> list[SignedRecord]:
    query = select(SignedRecord).where(SignedRecord.tender_id == tender_id).order_by(SignedRecord.created_at)
    if kind:
        query = query.where(SignedRecord.kind == kind)
    return list(session.scalars(query))
