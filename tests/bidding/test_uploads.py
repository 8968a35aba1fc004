"""Resumable bid uploads (bidding/uploads.py): pieces at the right offset only, the owner only, within the size
limit, finished exactly once, and nothing left behind by an upload that never finished."""

from __future__ import annotations

import fcntl
import io
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bidding import bids, uploads
from bidding.models import Bid, BidSubmission
from core.db import make_session_factory
from core.errors import AuthenticationFailed, Conflict, DeadlinePassed, InvalidInput, NotFound, NotPermitted
from tests.bidding.sealing import sealed
from tests.world import SIGNING, SIGNING_PIN

ROOT = Path(__file__).resolve().parents[2]
MAX = 10**7


@pytest.fixture
def area(tmp_path) -> uploads.UploadArea:
    return uploads.UploadArea(tmp_path / "uploads")


@pytest.fixture
def envelope_bytes(session, world, tender) -> bytes:
    return sealed(session, world, tender)


def start(session, clock, world, area, tender, size: int, number: int = 1, section: int = 1) -> uploads.BidUpload:
    return uploads.create(session, clock, world.bidders[number - 1], area, tender.id, section, size, max_bytes=MAX)


def put(session, clock, world, area, upload_id: str, offset: int, data: bytes, number: int = 1, length: int | None = -1):
    return uploads.append(session, clock, world.bidders[number - 1], area, upload_id, offset, io.BytesIO(data),
                          len(data) if length == -1 else length)


def finish(session, clock, store, world, area, upload_id: str, number: int = 1, pin: str = SIGNING_PIN):
    return uploads.finish(session, clock, world.bidders[number - 1], SIGNING, store, area, upload_id, pin=pin,
                          max_bytes=MAX, signals=bids.Signals("198.51.100.4", "browser"))


def upload_all(session, clock, world, area, upload, data: bytes, piece: int = 1000) -> None:
    for at in range(0, len(data), piece):
        put(session, clock, world, area, upload.id, at, data[at:at + piece])


def stored_files(store) -> set[str]:
    return {p.name for p in store.root.glob("??/??/*") if p.is_file()}


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_envelope_in_pieces_becomes_one_bid(session, clock, store, world, tender, area, envelope_bytes):
    before = stored_files(store)
    upload = start(session, clock, world, area, tender, len(envelope_bytes))
    assert (upload.received, upload.status) == (0, "open")
    assert area.part(upload.id).exists() and stored_files(store) == before
    upload_all(session, clock, world, area, upload, envelope_bytes)
    assert uploads.get(session, clock, world.bidders[0], upload.id).received == len(envelope_bytes)

    submission, new = finish(session, clock, store, world, area, upload.id)
    assert new and submission.action == "submit" and submission.client_fingerprint == "browser"
    bid = session.get(Bid, submission.bid_id)
    with store.open(bid.envelope_sha256) as f:
        assert f.read() == envelope_bytes
    assert not area.part(upload.id).exists()  # the partial file is gone once the bid is recorded
    assert uploads.get(session, clock, world.bidders[0], upload.id).status == "finished"


def test_offset_mismatch_is_refused_with_the_current_offset_and_the_upload_resumes(
        session, clock, store, world, tender, area, envelope_bytes):
    upload = start(session, clock, world, area, tender, len(envelope_bytes))
    put(session, clock, world, area, upload.id, 0, envelope_bytes[:1000])
    # The answer to that piece was lost: the client sends it again, and is told where the upload stands.
    with pytest.raises(uploads.UploadConflict) as again:
        put(session, clock, world, area, upload.id, 0, envelope_bytes[:1000])
    assert again.value.offset == 1000 and again.value.code == "offset_mismatch"
    # A piece from beyond the end (a lost piece in between) is refused the same way.
    with pytest.raises(uploads.UploadConflict) as ahead:
        put(session, clock, world, area, upload.id, 2000, envelope_bytes[2000:3000])
    assert ahead.value.offset == 1000
    assert area.part(upload.id).stat().st_size == 1000
    put(session, clock, world, area, upload.id, again.value.offset, envelope_bytes[1000:])
    submission, _ = finish(session, clock, store, world, area, upload.id)
    with store.open(submission.envelope_sha256) as f:
        assert f.read() == envelope_bytes


def test_only_the_owner_sees_or_touches_an_upload(session, clock, store, world, tender, area, envelope_bytes):
    upload = start(session, clock, world, area, tender, len(envelope_bytes))
    put(session, clock, world, area, upload.id, 0, envelope_bytes[:100])
    for actor in (world.bidders[1], world.agent, world.admin, world.supervisor):
        with pytest.raises(NotFound):
            uploads.get(session, clock, actor, upload.id)
        with pytest.raises(NotFound):
            uploads.append(session, clock, actor, area, upload.id, 100, io.BytesIO(b"x"), 1)
        with pytest.raises(NotFound):
            uploads.finish(session, clock, actor, SIGNING, store, area, upload.id, pin=SIGNING_PIN, max_bytes=MAX)
    for odd in ("../../etc/passwd", "0" * 31, upload.id.upper(), ""):
        with pytest.raises(NotFound):
            uploads.get(session, clock, world.bidders[0], odd)
    assert uploads.get(session, clock, world.bidders[0], upload.id).received == 100
    assert count(session, Bid) == 0


def test_sizes_beyond_the_limit_or_the_declaration_are_refused_and_nothing_is_kept(
        session, clock, world, tender, area, envelope_bytes):
    for size in (MAX + 1, 0, -5, "100", True, None):
        with pytest.raises(InvalidInput):
            start(session, clock, world, area, tender, size)
    upload = start(session, clock, world, area, tender, 1000)
    put(session, clock, world, area, upload.id, 0, envelope_bytes[:600])
    with pytest.raises(InvalidInput):  # more than was declared
        put(session, clock, world, area, upload.id, 600, envelope_bytes[600:1200])
    with pytest.raises(InvalidInput):  # Content-Length beyond one piece's limit
        put(session, clock, world, area, upload.id, 600, b"x", length=uploads.MAX_PIECE_BYTES + 1)
    with pytest.raises(InvalidInput):  # the connection dropped: fewer bytes than announced
        put(session, clock, world, area, upload.id, 600, envelope_bytes[600:700], length=400)
    with pytest.raises(InvalidInput):
        put(session, clock, world, area, upload.id, None, b"x")
    assert uploads.get(session, clock, world.bidders[0], upload.id).received == 600
    assert area.part(upload.id).stat().st_size == 600


class _Broken(io.RawIOBase):
    """A request body whose connection drops after ``good`` bytes."""

    def __init__(self, data: bytes, good: int) -> None:
        self._data, self._good, self._at = data, good, 0

    def read(self, n: int = -1) -> bytes:
        if self._at >= self._good:
            raise ConnectionResetError("client went away")
        piece = self._data[self._at:min(self._good, self._at + 100)]
        self._at += len(piece)
        return piece


def test_a_piece_broken_off_midway_keeps_nothing_of_it(session, clock, world, tender, area, envelope_bytes):
    upload = start(session, clock, world, area, tender, len(envelope_bytes))
    put(session, clock, world, area, upload.id, 0, envelope_bytes[:500])
    with pytest.raises(ConnectionResetError):
        uploads.append(session, clock, world.bidders[0], area, upload.id, 500, _Broken(envelope_bytes[500:], 300), None)
    assert uploads.get(session, clock, world.bidders[0], upload.id).received == 500
    assert area.part(upload.id).stat().st_size == 500


def test_finish_submits_exactly_once(session, clock, store, world, tender, area, envelope_bytes):
    upload = start(session, clock, world, area, tender, len(envelope_bytes))
    put(session, clock, world, area, upload.id, 0, envelope_bytes[:-1])
    with pytest.raises(uploads.UploadConflict) as early:
        finish(session, clock, store, world, area, upload.id)
    assert (early.value.code, early.value.offset) == ("upload_incomplete", len(envelope_bytes) - 1)
    put(session, clock, world, area, upload.id, len(envelope_bytes) - 1, envelope_bytes[-1:])
    # A wrong PIN refuses the bid and leaves the upload to finish again.
    with pytest.raises(AuthenticationFailed):
        finish(session, clock, store, world, area, upload.id, pin="000000")
    assert count(session, Bid) == 0 and area.part(upload.id).exists()
    finish(session, clock, store, world, area, upload.id)
    with pytest.raises(Conflict):
        finish(session, clock, store, world, area, upload.id)
    with pytest.raises(Conflict):
        put(session, clock, world, area, upload.id, len(envelope_bytes), b"more")
    assert count(session, BidSubmission) == 1


def test_two_finishes_at_once_make_one_bid(engine, session, clock, store, world, tender, area, envelope_bytes):
    upload = start(session, clock, world, area, tender, len(envelope_bytes))
    put(session, clock, world, area, upload.id, 0, envelope_bytes)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def attempt():
        with make_session_factory(engine)() as own:
            barrier.wait()
            try:
                outcomes.append(finish(own, clock, store, world, area, upload.id)[1])
            except Conflict as refused:
                outcomes.append(type(refused).__name__)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(map(str, outcomes)) in (["True", "UploadConflict"], ["Conflict", "True"])
    assert count(session, BidSubmission) == 1


def test_a_busy_upload_is_refused_rather_than_interleaved(session, clock, world, tender, area, envelope_bytes):
    upload = start(session, clock, world, area, tender, len(envelope_bytes))
    with area.part(upload.id).open("r+b") as other:  # another request holds the upload
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        with pytest.raises(uploads.UploadConflict) as busy:
            put(session, clock, world, area, upload.id, 0, envelope_bytes[:100])
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
    assert (busy.value.code, busy.value.offset) == ("upload_busy", 0)
    put(session, clock, world, area, upload.id, 0, envelope_bytes[:100])


def test_not_after_the_deadline_nor_without_the_documents(session, clock, world, tender, area, envelope_bytes):
    with pytest.raises(NotPermitted):
        uploads.create(session, clock, world.agent, area, tender.id, 1, 100, max_bytes=MAX)
    with pytest.raises(NotFound):
        start(session, clock, world, area, tender, 100, section=2)
    clock.set(tender.bid_deadline - timedelta(minutes=1))
    upload = start(session, clock, world, area, tender, len(envelope_bytes))
    clock.set(tender.bid_deadline)
    with pytest.raises(DeadlinePassed):
        put(session, clock, world, area, upload.id, 0, envelope_bytes[:100])
    with pytest.raises(DeadlinePassed):
        start(session, clock, world, area, tender, 100)


def test_a_new_upload_replaces_the_unfinished_one(session, clock, world, tender, area, envelope_bytes):
    first = start(session, clock, world, area, tender, len(envelope_bytes))
    put(session, clock, world, area, first.id, 0, envelope_bytes[:100])
    other = start(session, clock, world, area, tender, 100, number=2)
    second = start(session, clock, world, area, tender, len(envelope_bytes))
    with pytest.raises(NotFound):
        uploads.get(session, clock, world.bidders[0], first.id)
    assert not area.part(first.id).exists() and area.part(second.id).exists()
    assert uploads.get(session, clock, world.bidders[1], other.id).received == 0


def test_a_piece_written_but_never_recorded_is_dropped(session, clock, store, world, tender, area, envelope_bytes):
    """The server stopped after writing a piece and before committing its offset: the piece does not count."""
    upload = start(session, clock, world, area, tender, len(envelope_bytes))
    put(session, clock, world, area, upload.id, 0, envelope_bytes[:1000])
    with area.part(upload.id).open("ab") as f:
        f.write(b"\xff" * 700)
    assert uploads.get(session, clock, world.bidders[0], upload.id).received == 1000
    put(session, clock, world, area, upload.id, 1000, envelope_bytes[1000:])
    submission, _ = finish(session, clock, store, world, area, upload.id)
    with store.open(submission.envelope_sha256) as f:
        assert f.read() == envelope_bytes


KILLED_APPEND = """
import io, sys, time
from datetime import datetime
from pathlib import Path
from bidding import bids, uploads
from core.actor import Actor, Role
from core.clock import FrozenClock
from core.db import make_engine, make_session_factory
url, area, upload_id, offset, user_id, org_id, now = sys.argv[1:]

class Stalls(io.RawIOBase):
    sent = False
    def read(self, n=-1):
        if not self.sent:
            self.sent = True
            return b"\\x00" * 300_000
        print("stalled", flush=True)
        time.sleep(600)
        return b""

with make_session_factory(make_engine(url))() as session:
    actor = Actor(int(user_id), int(org_id), frozenset({Role.BIDDER}))
    uploads.append(session, FrozenClock(datetime.fromisoformat(now)), actor, uploads.UploadArea(Path(area)), upload_id,
                   int(offset), Stalls(), 500_000)
"""


def test_killed_mid_upload_leaves_no_bid_and_no_stored_file(database_url, session, clock, store, world, tender, area):
    """A server process killed (SIGKILL) in the middle of a piece: no bid, nothing in the content store, and the
    upload resumes from the last recorded offset."""
    envelope_bytes = sealed(session, world, tender, plaintext=os.urandom(600_000))
    before = stored_files(store)
    upload = start(session, clock, world, area, tender, len(envelope_bytes))
    put(session, clock, world, area, upload.id, 0, envelope_bytes[:1000])
    bidder = world.bidders[0]
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_APPEND, database_url, str(area.root), upload.id, "1000", str(bidder.user_id),
         str(bidder.org_id), clock.now().isoformat()],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "stalled", worker.stderr.read()
        deadline = time.monotonic() + 10
        while area.part(upload.id).stat().st_size < 1000 + 300_000 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    assert area.part(upload.id).stat().st_size == 1000 + 300_000  # written, never recorded
    assert count(session, Bid) == 0 and stored_files(store) == before
    session.expire_all()
    assert uploads.get(session, clock, bidder, upload.id).received == 1000
    put(session, clock, world, area, upload.id, 1000, envelope_bytes[1000:])  # the lock died with the process
    submission, new = finish(session, clock, store, world, area, upload.id)
    assert new and submission.envelope_sha256 in stored_files(store)


def test_expired_uploads_and_stray_files_are_removed(session, clock, world, tender, area, envelope_bytes):
    stale = start(session, clock, world, area, tender, len(envelope_bytes))
    put(session, clock, world, area, stale.id, 0, envelope_bytes[:100])
    clock.advance(timedelta(hours=20))
    fresh = start(session, clock, world, area, tender, len(envelope_bytes), number=2)
    stray_old, stray_new = area.part("a" * 32), area.part("b" * 32)
    stray_old.write_bytes(b"left by a crash")
    stray_new.write_bytes(b"being opened right now")
    day_ago = time.time() - uploads.TTL.total_seconds() - 60
    os.utime(stray_old, (day_ago, day_ago))
    clock.advance(timedelta(hours=5))
    assert uploads.remove_expired(session, clock, area) == 2
    with pytest.raises(NotFound):
        uploads.get(session, clock, world.bidders[0], stale.id)
    assert not area.part(stale.id).exists() and not stray_old.exists() and stray_new.exists()
    assert uploads.get(session, clock, world.bidders[1], fresh.id).received == 0
    clock.advance(timedelta(hours=20))  # the fresh one expires too (24 h after its last piece)
    assert uploads.remove_expired(session, clock, area) == 1
    assert session.scalars(select(uploads.BidUpload)).all() == []
