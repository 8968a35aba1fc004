"""Resumable uploads of sealed bids: an envelope arrives in pieces and becomes a bid only when whole.

A bidder (the browser page or a client) opens an upload for a tender's section, declaring the
envelope's size, and sends the envelope piece by piece, each piece saying where it starts. A piece
that does not start exactly where the platform's copy ends is refused with the current offset
(``UploadConflict``), so after a dropped connection the sender asks where it stands and resumes
from there. When every byte is in, ``finish`` hands the assembled file to ``bids.submit`` (the same
checks, signature and receipt as a single upload) and removes the partial file.

Pieces are appended to ``<area>/<upload id>.part`` and fsynced before the new offset is committed;
the database offset is the truth and the file is cut back to it before every append, so a server
killed between the two loses only the piece in flight. Nothing enters the content store and no bid
exists until ``finish``: a killed upload leaves neither. The file lock of an upload (``flock``)
serialises its appends and its finish; the offset and status updates are conditional as well.

Because the file and the row must move together under that lock, ``append``, ``finish`` and
``remove_expired`` commit themselves (unlike most domain functions).

Uploads are their user's own: to anyone else they do not exist. They expire ``TTL`` after their
last piece; ``remove_expired`` (for the scheduler) deletes them with their partial files.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import BigInteger, ForeignKey, Integer, String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from bidding import bids
from bidding.models import Bid, BidSubmission, Section, Tender
from bidding.participation import approved_bidder, obtained
from bidding.tenders import get_tender
from core.actor import Actor
from core.clock import Clock
from core.db import Base, UTCDateTime
from core.errors import N_, Conflict, DeadlinePassed, InvalidInput, NotFound, NotPermitted
from core.files import FileStore
from core.identity import Organisation
from signing import encryption_keys, pki

# An upload is kept this long after its last piece (or its creation).
TTL = timedelta(hours=24)
# The largest piece one request may carry; pages send 4–8 MiB.
MAX_PIECE_BYTES = 64 * 1024 * 1024
BLOCK = 1024 * 1024
_ID = re.compile(r"[0-9a-f]{32}")


class BidUpload(Base):
    """An envelope on its way in: where it is going, how big it will be, how much has arrived."""

    __tablename__ = "bid_upload"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    section_number: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    # open (pieces arriving) | finished (submitted as a bid; the partial file is gone)
    status: Mapped[str] = mapped_column(String(12), default="open")
    bid_id: Mapped[int | None] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class UploadConflict(Conflict):
    """The piece does not fit where the upload stands; ``offset`` is where the platform's copy ends."""

    def __init__(self, message: str, offset: int, code: str = "offset_mismatch", **params: object) -> None:
        super().__init__(message, offset=offset, **params)
        self.offset = offset
        self.code = code


@dataclass(frozen=True)
class UploadArea:
    """The folder of partial envelopes (``<instance>/uploads``); never the content store."""

    root: Path

    @classmethod
    def in_instance(cls, instance: str | Path) -> UploadArea:
        """The upload area of an instance folder: ``<instance>/uploads``."""
        return cls(Path(instance) / "uploads")

    def part(self, upload_id: str) -> Path:
        return self.root / f"{upload_id}.part"


# --- what the bid page needs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BidPage:
    """Everything the browser needs to seal for this section, and what stops the bidder if anything."""

    tender: Tender
    section: Section
    bidder: Organisation
    key_id: str | None  # the user's registered encryption key (the key file must match it)
    has_certificate: bool  # the user can sign (PIN) the envelope's hash
    accepting: bool  # bidding is open by the server's clock
    bid: Bid | None  # the section's current bid of this bidder, if any


def _accepting(clock: Clock, tender: Tender, section: Section) -> bool:
    return tender.status == "published" and section.status == "open" and clock.now() < tender.bid_deadline


def _require_bidder_for(session: Session, actor: Actor, tender_id: int, section_number: int):
    tender = get_tender(session, actor, tender_id)
    org = approved_bidder(session, actor)
    if not obtained(session, tender.id, org.id):
        raise NotPermitted(N_("请先获取招标文件。"))
    return tender, bids.section_by_number(tender, section_number), org


def bid_page(session: Session, clock: Clock, actor: Actor, tender_id: int, section_number: int) -> BidPage:
    """The facts of the 递交投标文件 page: only for a bidder who obtained the documents."""
    tender, section, org = _require_bidder_for(session, actor, tender_id, section_number)
    key = encryption_keys.current(session, actor.user_id)
    bid = session.scalars(select(Bid).where(Bid.section_id == section.id, Bid.bidder_org_id == org.id)).one_or_none()
    return BidPage(tender=tender, section=section, bidder=org, key_id=key.key_id if key else None,
                   has_certificate=pki.person_certificate(session, actor.user_id) is not None,
                   accepting=_accepting(clock, tender, section), bid=bid)


# --- the upload ------------------------------------------------------------------------------------------


def _refuse_after_deadline(clock: Clock, tender: Tender, section: Section) -> None:
    if not _accepting(clock, tender, section):
        raise DeadlinePassed(N_("投标截止时间已过，平台拒收（法第28条）。"), rule=N_("法第28条"))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink(area: UploadArea, upload_id: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        area.part(upload_id).unlink()


def create(session: Session, clock: Clock, actor: Actor, area: UploadArea, tender_id: int, section_number: int,
           size: object, *, max_bytes: int) -> BidUpload:
    """Open an upload of ``size`` bytes for the section; an unfinished earlier one of the same user and
    section is dropped (a new sealing makes a new envelope, which cannot continue the old one)."""
    tender, section, _org = _require_bidder_for(session, actor, tender_id, section_number)
    _refuse_after_deadline(clock, tender, section)
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise InvalidInput(N_("请提供投标文件信封的大小（字节数，正整数）。"), field="size")
    if size > max_bytes:
        raise InvalidInput(N_("文件超过大小上限（%(limit)s MB）。"), field="size", limit=max_bytes // (1024 * 1024))
    stale = session.scalars(select(BidUpload.id).where(
        BidUpload.user_id == actor.user_id, BidUpload.tender_id == tender.id,
        BidUpload.section_number == section.number, BidUpload.status == "open")).all()
    area.root.mkdir(parents=True, exist_ok=True)
    upload_id = secrets.token_hex(16)
    # The file first: a crash before the commit leaves an orphan file that remove_expired sweeps up.
    with area.part(upload_id).open("xb") as handle:
        os.fsync(handle.fileno())
    _fsync_dir(area.root)
    now = clock.now()
    if stale:
        session.execute(delete(BidUpload).where(BidUpload.id.in_(stale)))
    upload = BidUpload(id=upload_id, user_id=actor.user_id, tender_id=tender.id, section_number=section.number,
                       size=size, received=0, status="open", created_at=now, expires_at=now + TTL)
    session.add(upload)
    session.commit()
    for old in stale:
        _unlink(area, old)
    return upload


def get(session: Session, clock: Clock, actor: Actor, upload_id: str) -> BidUpload:
    """The actor's own upload; anyone else's, an expired one or a malformed id does not exist."""
    upload = session.get(BidUpload, upload_id) if isinstance(upload_id, str) and _ID.fullmatch(upload_id) else None
    if upload is None or actor.user_id is None or upload.user_id != actor.user_id or upload.expires_at <= clock.now():
        raise NotFound(N_("上传不存在或已过期，请重新加密上传。"))
    return upload


@contextlib.contextmanager
def _locked(area: UploadArea, upload: BidUpload) -> Iterator[BinaryIO]:
    """The partial file, opened for update under its exclusive lock; a second request is told to wait."""
    try:
        handle = area.part(upload.id).open("r+b")
    except FileNotFoundError as exc:
        raise NotFound(N_("上传不存在或已过期，请重新加密上传。")) from exc
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise UploadConflict(N_("该上传正有另一请求在写入，请稍后从 %(offset)s 字节处继续。"), upload.received,
                                 code="upload_busy") from exc
        try:
            yield handle
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _in_step(session: Session, upload: BidUpload, handle: BinaryIO) -> None:
    """Re-read the upload under the lock and cut the file back to its committed offset."""
    session.refresh(upload)
    if upload.status != "open":
        raise Conflict(N_("该投标文件已递交，不能再上传或重复递交。"))
    on_disk = os.fstat(handle.fileno()).st_size
    if on_disk < upload.received:  # never, unless the disk lost fsynced data: restart from what is there
        session.execute(update(BidUpload).where(BidUpload.id == upload.id).values(received=on_disk))
        session.commit()
        raise UploadConflict(N_("上传位置不一致：平台已收到 %(offset)s 字节，请从该位置继续。"), on_disk)
    if on_disk > upload.received:  # a piece written but never committed (the server stopped in between)
        handle.truncate(upload.received)


def append(session: Session, clock: Clock, actor: Actor, area: UploadArea, upload_id: str, offset: int | None,
           stream: BinaryIO, length: int | None) -> BidUpload:
    """Add one piece at ``offset`` (which must be where the upload stands); ``length`` is the piece's
    declared length (Content-Length) when known. All of the piece is kept, or none of it. Commits."""
    upload = get(session, clock, actor, upload_id)
    if upload.status != "open":
        raise Conflict(N_("该投标文件已递交，不能再上传或重复递交。"))
    if offset is None or offset < 0:
        raise InvalidInput(N_("请在 Upload-Offset 中给出本段数据的起始位置。"), field="offset")
    if length is not None and (length < 0 or length > MAX_PIECE_BYTES):
        raise InvalidInput(N_("每段数据不得超过 %(limit)s MB。"), field="body", limit=MAX_PIECE_BYTES // (1024 * 1024))
    tender = session.get(Tender, upload.tender_id)
    _refuse_after_deadline(clock, tender, bids.section_by_number(tender, upload.section_number))
    with _locked(area, upload) as handle:
        _in_step(session, upload, handle)
        start = upload.received
        if offset != start:
            raise UploadConflict(N_("上传位置不一致：平台已收到 %(offset)s 字节，请从该位置继续。"), start)
        handle.seek(start)
        written = 0
        try:
            while block := stream.read(BLOCK):
                written += len(block)
                if written > MAX_PIECE_BYTES:
                    raise InvalidInput(N_("每段数据不得超过 %(limit)s MB。"), field="body",
                                       limit=MAX_PIECE_BYTES // (1024 * 1024))
                if start + written > upload.size:
                    raise InvalidInput(N_("上传的数据超过了声明的大小（%(size)s 字节）。"), field="body", size=upload.size)
                handle.write(block)
            if length is not None and written != length:
                raise InvalidInput(N_("本段数据不完整（连接中断），请从 %(offset)s 字节处重试。"), field="body", offset=start)
            handle.flush()
            os.fsync(handle.fileno())
            moved = session.execute(
                update(BidUpload).where(BidUpload.id == upload.id, BidUpload.received == start,
                                        BidUpload.status == "open")
                .values(received=start + written, expires_at=clock.now() + TTL)
                .execution_options(synchronize_session=False)
            ).rowcount
            if moved != 1:
                raise Conflict(N_("该上传已变化，请查询上传状态后继续。"))
            session.commit()
        except BaseException:
            session.rollback()
            handle.truncate(start)  # nothing of a refused or broken piece is kept
            raise
    session.refresh(upload)
    return upload


class _Exactly:
    """The first ``size`` bytes of a file, as a stream (what the upload recorded, nothing after it)."""

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self._handle, self._left = handle, size

    def read(self, n: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        data = self._handle.read(self._left if n is None or n < 0 else min(n, self._left))
        self._left -= len(data)
        return data


def finish(session: Session, clock: Clock, actor: Actor, settings: pki.PlatformSettings, store: FileStore,
           area: UploadArea, upload_id: str, *, pin: str, max_bytes: int,
           signals: bids.Signals = bids.Signals()) -> tuple[BidSubmission, bool]:
    """Submit the complete envelope as the bidder's bid (``bids.submit``), once; then drop the partial
    file. A refusal (a wrong PIN, the deadline) leaves the upload as it was, to finish again. Commits."""
    upload = get(session, clock, actor, upload_id)
    if upload.status != "open":
        raise Conflict(N_("该投标文件已递交，不能再上传或重复递交。"))
    with _locked(area, upload) as handle:
        try:
            _in_step(session, upload, handle)
            if upload.received != upload.size:
                raise UploadConflict(N_("上传尚未完成：平台已收到 %(offset)s / %(size)s 字节。"), upload.received,
                                     code="upload_incomplete", size=upload.size)
            handle.seek(0)
            submission, new = bids.submit(session, clock, actor, settings, store, upload.tender_id,
                                          upload.section_number, _Exactly(handle, upload.size), pin=pin,
                                          max_bytes=max_bytes, signals=signals)
            done = session.execute(
                update(BidUpload).where(BidUpload.id == upload.id, BidUpload.status == "open")
                .values(status="finished", bid_id=submission.bid_id)
                .execution_options(synchronize_session=False)
            ).rowcount
            if done != 1:
                raise Conflict(N_("该投标文件已递交，不能再上传或重复递交。"))
            session.commit()
        except BaseException:
            session.rollback()
            raise
    _unlink(area, upload.id)
    session.refresh(upload)
    return submission, new


def remove_expired(session: Session, clock: Clock, area: UploadArea) -> int:
    """Delete expired uploads and their partial files, and partial files no upload names that are older
    than ``TTL`` by their modification time (a server stopped while opening one). For the scheduler;
    commits; returns how many it removed."""
    now = clock.now()
    expired = session.scalars(select(BidUpload.id).where(BidUpload.expires_at <= now)).all()
    if expired:
        session.execute(delete(BidUpload).where(BidUpload.id.in_(expired)))
    session.commit()
    for upload_id in expired:
        _unlink(area, upload_id)
    removed = len(expired)
    if area.root.is_dir():
        known = set(session.scalars(select(BidUpload.id)).all())
        cutoff = time.time() - TTL.total_seconds()  # file times are the machine's own clock
        for path in area.root.glob("*.part"):
            with contextlib.suppress(FileNotFoundError):
                if path.name.removesuffix(".part") not in known and path.stat().st_mtime <= cutoff:
                    path.unlink()
                    removed += 1
    return removed
