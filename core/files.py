"""Content-addressed file store (DESIGN.md section 5).

Files are named by their SHA-256, streamed in fixed-size chunks (constant memory for a 1 GiB
file), written under a temporary name, fsynced and renamed, so a crash never leaves half a file
under a real name. Production swaps in an S3-compatible store behind the same interface.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from core.errors import N_, InvalidInput, NotFound

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int


class FileStore(Protocol):
    def put(self, stream: BinaryIO, max_bytes: int) -> StoredFile: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def exists(self, sha256: str) -> bool: ...

    def remove_stale(self, older_than_seconds: float) -> int: ...


def _check_digest(sha256: str) -> None:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise NotFound(N_("文件不存在。"))


class LocalFileStore:
    """Files under ``root/ab/cd/<sha256>``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, max_bytes: int) -> StoredFile:
        """Stream ``stream`` into the store; refuse (and keep nothing) past ``max_bytes``."""
        digest = hashlib.sha256()
        size = 0
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise InvalidInput(
                            N_("文件超过大小上限（%(limit)s MB）。"), field="file", limit=max_bytes // (1024 * 1024)
                        )
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if size == 0:
                raise InvalidInput(N_("文件为空。"), field="file")
            sha = digest.hexdigest()
            final = self._path(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, final)
            dir_fd = os.open(final.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
            return StoredFile(sha256=sha, size=size)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)

    def open(self, sha256: str) -> BinaryIO:
        _check_digest(sha256)
        try:
            return self._path(sha256).open("rb")
        except FileNotFoundError as exc:
            raise NotFound(N_("文件不存在。")) from exc

    def exists(self, sha256: str) -> bool:
        _check_digest(sha256)
        return self._path(sha256).exists()

    def remove_stale(self, older_than_seconds: float) -> int:
        """Delete temporary files left by a process killed mid-write (a normal write removes its own).

        Only files untouched for ``older_than_seconds`` go: another worker may be writing the young ones.
        """
        removed = 0
        cutoff = time.time() - older_than_seconds
        for path in (self.root / "tmp").glob("*"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed
