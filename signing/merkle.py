"""Merkle Tree Hash of RFC 9162 (Certificate Transparency 2.0), section 2.1.1, over ledger entries."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

EMPTY = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class Accumulator:
    """Leaves go in one at a time; the root of everything so far is available at any point.

    A stack of perfect subtrees, merged as they complete, is folded right to left for the root:
    exactly the RFC's split at the largest power of two below n, in O(log n) memory, so one pass
    over the ledger yields the root at every checkpoint.
    """

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []

    def add(self, data: bytes) -> None:
        size, value = 1, leaf_hash(data)
        while self._stack and self._stack[-1][0] == size:
            left_size, left = self._stack.pop()
            size, value = left_size + size, node_hash(left, value)
        self._stack.append((size, value))

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY
        value = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            value = node_hash(left, value)
        return value


def root(leaves: Iterable[bytes]) -> bytes:
    accumulator = Accumulator()
    for data in leaves:
        accumulator.add(data)
    return accumulator.root()
