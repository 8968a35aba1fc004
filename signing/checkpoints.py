"""Signed checkpoints of the ledger: rewriting history in the database is detected.

At intervals the platform signs a tree head: the number of entries, the hash-chain head and the
RFC 9162 Merkle root over the entry hashes. The signature is a detached CMS (CAdES) signature by
the platform seal with a timestamp from the platform TSA. Someone who can write to the database
but does not hold the platform passphrase can recompute the chain, but cannot sign new heads: the
old checkpoints no longer match and ``verify`` says which one.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import Integer, LargeBinary, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.clock import Clock
from core.db import Base, UTCDateTime
from signing import ledger, merkle, pades, pki
from signing.seal import chain, timestamper


class LedgerCheckpoint(Base):
    __tablename__ = "ledger_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    chain_head: Mapped[str] = mapped_column(String(64))
    merkle_root: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    tree_head: Mapped[str] = mapped_column(String(500))
    signature: Mapped[bytes] = mapped_column(LargeBinary)


def tree_head(seq: int, chain_head: str, merkle_root: str, at: datetime) -> str:
    """The signed statement, canonical JSON so anyone can rebuild and check it."""
    return json.dumps({"size": seq, "chain_head": chain_head, "merkle_root": merkle_root, "at": at.isoformat(),
                       "log": "sealbid-ledger"}, sort_keys=True, separators=(",", ":"))


def _leaves(session: Session, upto: int):
    for entry in ledger.entries(session):
        if entry.seq > upto:
            return
        yield bytes.fromhex(entry.entry_hash)


def checkpoint(session: Session, clock: Clock, settings: pki.PlatformSettings) -> LedgerCheckpoint | None:
    """Sign the current head, unless nothing was appended since the last checkpoint."""
    head = session.get(ledger.LedgerHead, 1)
    last = session.scalar(select(func.max(LedgerCheckpoint.seq)))
    if head is None or head.seq == 0 or head.seq == last:
        return None
    root = merkle.root(_leaves(session, head.seq)).hex()
    at = clock.now().replace(microsecond=0)
    statement = tree_head(head.seq, head.entry_hash, root, at)
    row = pki.platform_certificate(session, "platform")
    signer = pades.signer_for(row.x509, pki.unseal(row, settings.passphrase), chain(session))
    signed = asyncio.run(signer.async_sign_general_data(
        statement.encode(), "sha256", detached=True, use_cades=True,
        timestamper=timestamper(session, clock, settings)))
    cp = LedgerCheckpoint(seq=head.seq, chain_head=head.entry_hash, merkle_root=root, at=at, tree_head=statement,
                          signature=signed.dump())
    # Not itself a ledger entry: that would move the head and make every checkpoint due again.
    session.add(cp)
    session.flush()
    return cp


@dataclass(frozen=True)
class CheckpointProblem:
    checkpoint_id: int
    seq: int
    problem: str


def verify(session: Session) -> list[CheckpointProblem]:
    """Every checkpoint against the entries as they are now, and its signature against the platform CA."""
    problems = []
    roots = [pades.asn1_certificate(c) for c in pki.trust_roots(session)] if pki.is_initialised(session) else []
    chain_at: dict[int, str] = {}
    roots_at: dict[int, str] = {}
    checkpoints = list(session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.seq)))
    wanted = {cp.seq for cp in checkpoints}
    tree = merkle.Accumulator()
    for entry in ledger.entries(session):
        tree.add(bytes.fromhex(entry.entry_hash))
        if entry.seq in wanted:
            chain_at[entry.seq] = entry.entry_hash
            roots_at[entry.seq] = tree.root().hex()
    for cp in checkpoints:
        if tree_head(cp.seq, cp.chain_head, cp.merkle_root, cp.at) != cp.tree_head:
            problems.append(CheckpointProblem(cp.id, cp.seq, "the stored tree head does not match its fields"))
        elif chain_at.get(cp.seq) != cp.chain_head:
            problems.append(CheckpointProblem(cp.id, cp.seq, "the hash chain no longer leads to the signed head"))
        elif roots_at.get(cp.seq) != cp.merkle_root:
            problems.append(CheckpointProblem(cp.id, cp.seq, "the Merkle root of the entries differs from the signed one"))
        elif not _signature_ok(cp, roots):
            problems.append(CheckpointProblem(cp.id, cp.seq, "the signature or its timestamp is not valid"))
    return problems


def _signature_ok(cp: LedgerCheckpoint, roots) -> bool:
    try:
        signed_data = cms.ContentInfo.load(cp.signature)["content"]
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = asyncio.run(async_validate_detached_cms(cp.tree_head.encode(), signed_data,
                                                         signer_validation_context=context))
    except (ValueError, KeyError, TypeError):
        return False
    stamp = status.timestamp_validity
    return bool(status.intact and status.valid and status.trusted and stamp and stamp.intact and stamp.trusted)
