"""The content-addressed store: streamed, hashed, size-limited, and nothing half-written under a real name."""

from __future__ import annotations

import hashlib
import io
import os
import time

import pytest

from core.errors import InvalidInput, NotFound
from core.files import LocalFileStore


def test_put_names_the_file_by_its_sha256(tmp_path):
    store = LocalFileStore(tmp_path)
    stored = store.put(io.BytesIO(b"tender document"), 1000)
    assert stored.sha256 == hashlib.sha256(b"tender document").hexdigest() and stored.size == 15
    assert store.open(stored.sha256).read() == b"tender document"


def test_over_the_limit_or_empty_keeps_nothing(tmp_path):
    store = LocalFileStore(tmp_path)
    for data in (b"x" * 2000, b""):
        with pytest.raises(InvalidInput):
            store.put(io.BytesIO(data), 1000)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_unknown_or_malformed_names_are_not_found(tmp_path):
    store = LocalFileStore(tmp_path)
    for name in ("0" * 64, "../../etc/passwd", "ABC"):
        with pytest.raises(NotFound):
            store.open(name)


def test_stale_temporaries_from_a_killed_writer_are_removed(tmp_path):
    store = LocalFileStore(tmp_path)
    (tmp_path / "tmp").mkdir()
    old = tmp_path / "tmp" / "orphan"
    young = tmp_path / "tmp" / "in-progress"
    old.write_bytes(b"half a bid")
    young.write_bytes(b"being written")
    past = time.time() - 2 * 86400
    os.utime(old, (past, past))
    assert store.remove_stale(86400) == 1
    assert not old.exists() and young.exists()
