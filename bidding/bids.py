"""Sealed bids before the opening: submit, replace, withdraw, and closing at the deadline.

The platform only ever holds the envelope (docs/envelope.md). An upload is accepted only from a
bidder who obtained the documents, only while bidding is open by the server's clock, checked in
the same transaction that records it (电子办法第27条, 法第28条), only if the envelope is for this
tender, section and bidder and sealed to this tender's escrow, and only within the size limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidding import bond_release, receipts
from bidding.escrow import require_escrow
from bidding.lifecycle import transition
from bidding.models import Bid, BidSubmission, Section, Tender
from bidding.participation import approved_bidder, obtained
from bidding.tenders import get_tender
from core.actor import Actor, Role
from core.clock import Clock
from core.errors import N_, Conflict, DeadlinePassed, NotFound, NotPermitted
from core.files import FileStore
from core.identity import Organisation, User
from signing import encryption_keys, envelope, ledger, pki, seal

# 条例第44条, 法第28条 [S]: fewer than 3 bidders, no opening; the section fails (流标).
MIN_BIDS = 3
BID_STATUS_LABELS = {
    "submitted": N_("已递交"),
    "withdrawn": N_("已撤回"),
    "decrypted": N_("已解密"),
    "undecrypted": N_("未解密"),
    "revoked": N_("解密失败（投标人原因，视为撤销）"),
    "withdrawn_at_opening": N_("解密失败（非投标人原因，视为撤回）"),
}


@dataclass(frozen=True)
class Signals:
    """What the submission reveals about where it came from (围标串标 signals, domain-rules section 7)."""

    source_ip: str = ""
    client_fingerprint: str = ""


def section_by_number(tender: Tender, number: int) -> Section:
    for section in tender.sections:
        if section.number == number:
            return section
    raise NotFound(N_("标段不存在。"))


def _bidder_key_ids(session: Session, org_id: int) -> set[str]:
    users = session.scalars(select(User.id).where(User.organisation_id == org_id)).all()
    keys = session.scalars(select(encryption_keys.EncryptionKey.key_id)
                           .where(encryption_keys.EncryptionKey.user_id.in_(users))).all()
    return set(keys)


def _bidding_open(session: Session, clock: Clock, tender: Tender) -> datetime:
    """Re-read the tender under a shared lock (the closing transition waits for this transaction) and
    return the time the deadline was checked at: that is the time of receipt the bid is recorded with."""
    status, deadline = session.execute(
        select(Tender.status, Tender.bid_deadline).where(Tender.id == tender.id).with_for_update(read=True)
    ).one()
    now = clock.now()
    if now >= deadline:
        raise DeadlinePassed(N_("投标截止时间已过，平台拒收（法第28条）。"), rule=N_("法第28条"))
    if status != "published":
        raise Conflict(N_("该项目当前不接受投标。"))
    return now


def submit(session: Session, clock: Clock, actor: Actor, settings: pki.PlatformSettings, store: FileStore,
           tender_id: int, section_number: int, stream: BinaryIO, *, pin: str, max_bytes: int,
           signals: Signals = Signals()) -> tuple[BidSubmission, bool]:
    """Store an envelope and record it as the bidder's bid for the section, with a signed receipt.

    Returns the submission and whether it is new: the same envelope sent again is the same bid.
    """
    tender = get_tender(session, actor, tender_id)
    org = approved_bidder(session, actor)
    if not obtained(session, tender.id, org.id):
        raise NotPermitted(N_("请先获取招标文件。"))
    section = section_by_number(tender, section_number)
    if section.status != "open" or clock.now() >= tender.bid_deadline or tender.status != "published":
        raise DeadlinePassed(N_("投标截止时间已过，平台拒收（法第28条）。"), rule=N_("法第28条"))
    escrow = require_escrow(tender)
    stored = store.put(stream, max_bytes)  # streamed, outside the lock; an orphan file is harmless
    with store.open(stored.sha256) as sealed:
        header = envelope.read_header(sealed)
    envelope.check_recipients(header, envelope.Binding(tender.code, section.number, org.credit_code),
                              [h.key_id for h in tender.escrow_holders], escrow.k)
    if header.bidder_key_id not in _bidder_key_ids(session, org.id):
        raise envelope.EnvelopeError(N_("信封中的投标人加密公钥未在平台登记。"))
    # The bidder's signature over the envelope hash (PIN unseal, timestamp) is made before any lock is taken.
    signature = seal.sign_bytes_as_person(session, clock, settings, actor.user_id, pin, bytes.fromhex(stored.sha256))
    now = _bidding_open(session, clock, tender)
    # One bidder's submissions are serialised on its organisation row (PostgreSQL), so two first uploads from
    # two tabs cannot both insert; other bidders are not held up.
    session.execute(select(Organisation.id).where(Organisation.id == org.id).with_for_update())
    bid = session.scalars(select(Bid).where(Bid.section_id == section.id, Bid.bidder_org_id == org.id)
                          .with_for_update()).one_or_none()
    if bid is not None and bid.status == "submitted" and bid.envelope_sha256 == stored.sha256:
        return bid.submissions[-1], False
    action = "submit" if bid is None or bid.status == "withdrawn" else "replace"
    if bid is None:
        bid = Bid(tender_id=tender.id, section_id=section.id, bidder_org_id=org.id, status="submitted",
                  envelope_sha256=stored.sha256, size=stored.size, submitted_at=now)
        session.add(bid)
        try:
            session.flush()
        except IntegrityError as exc:  # SQLite has no row locks: the other submission won the race
            raise Conflict(N_("贵单位的另一份投标文件正在递交，请稍后刷新查看。")) from exc
    else:
        bid.status, bid.envelope_sha256, bid.size, bid.submitted_at = "submitted", stored.sha256, stored.size, now
    entry = ledger.append(session, clock, actor, f"bid.{action}", "bid", bid.id, tender_id=tender.id,
                          after={"section": section.number, "bidder_org_id": org.id,
                                 "envelope_sha256": stored.sha256, "size": stored.size})
    record = receipts.issue_receipt(session, clock, actor, settings, store, receipts.ReceiptFacts(
        tender_id=tender.id, tender_code=tender.code, tender_title=tender.title,
        section=f"第 {section.number} 标段 {section.name}", bidder_name=org.name, bidder_credit_code=org.credit_code,
        ciphertext_sha256=stored.sha256, size=stored.size, received_at=now, ledger_seq=entry.seq, bid_id=bid.id))
    bid.receipt_record_id = record.id
    submission = BidSubmission(bid_id=bid.id, action=action, envelope_sha256=stored.sha256, size=stored.size, at=now,
                               user_id=actor.user_id, source_ip=signals.source_ip[:64],
                               client_fingerprint=signals.client_fingerprint[:200], bidder_signature=signature,
                               receipt_record_id=record.id, ledger_seq=entry.seq)
    session.add(submission)
    session.flush()
    return submission, True


def own_bid(session: Session, actor: Actor, bid_id: int) -> Bid:
    """A bid as its own bidder sees it; to everyone else it does not exist before the opening."""
    bid = session.get(Bid, bid_id)
    if bid is None or not actor.has(Role.BIDDER) or bid.bidder_org_id != actor.org_id:
        raise NotFound(N_("投标不存在。"))
    return bid


def withdraw(session: Session, clock: Clock, actor: Actor, bid_id: int) -> Bid:
    """撤回 before the deadline (法第29条); the envelope stays in the history."""
    bid = own_bid(session, actor, bid_id)
    if bid.status == "withdrawn":
        raise Conflict(N_("该投标已撤回。"))
    tender = session.get(Tender, bid.tender_id)
    now = _bidding_open(session, clock, tender)
    bid.status = "withdrawn"
    entry = ledger.append(session, clock, actor, "bid.withdraw", "bid", bid.id, tender_id=bid.tender_id,
                          after={"envelope_sha256": bid.envelope_sha256})
    session.add(BidSubmission(bid_id=bid.id, action="withdraw", envelope_sha256=bid.envelope_sha256, size=bid.size,
                              at=now, user_id=actor.user_id, ledger_seq=entry.seq))
    session.flush()
    return bid


def bids_of(session: Session, actor: Actor) -> list[Bid]:
    """The bidder's own bids, for its dashboard."""
    if not actor.has(Role.BIDDER) or actor.org_id is None:
        return []
    return list(session.scalars(select(Bid).where(Bid.bidder_org_id == actor.org_id).order_by(Bid.id.desc())))


def close_due_tenders(session: Session, clock: Clock) -> list[int]:
    """投标截止: stop taking bids on every tender whose deadline has passed, then settle its sections.

    Called by the scheduler; safe to call twice or from two processes (the transition is
    conditional). Suspended tenders wait until their suspension ends.
    """
    now = clock.now()
    due = session.scalars(select(Tender).where(Tender.status == "published", Tender.bid_deadline <= now)).all()
    closed = []
    for tender in due:
        try:
            moved = transition(session, clock, Actor.system(), tender, "published", "closed", "tender.close",
                               note={"bid_deadline": tender.bid_deadline})
        except Conflict:
            continue  # another worker closed it and moved it on (e.g. to 流标) meanwhile: nothing is due
        if moved:
            _settle_sections(session, clock, tender)
            closed.append(tender.id)
    return closed


def _settle_sections(session: Session, clock: Clock, tender: Tender) -> None:
    """Each section with fewer than 3 bids fails (流标); if every section failed, so does the tender."""
    counts = dict(session.execute(
        select(Bid.section_id, func.count()).where(Bid.tender_id == tender.id, Bid.status == "submitted")
        .group_by(Bid.section_id)
    ).all())
    for section in tender.sections:
        count = counts.get(section.id, 0)
        section.status = "failed" if count < MIN_BIDS else "proceeding"
        if section.status == "failed":
            bond_release.schedule_release(session, clock, section, clock.now())
        ledger.append(session, clock, Actor.system(), f"section.{section.status}", "section", section.id,
                      tender_id=tender.id, after={"number": section.number, "bids": count, "minimum": MIN_BIDS})
    session.flush()
    if all(s.status == "failed" for s in tender.sections):
        transition(session, clock, Actor.system(), tender, "closed", "failed", "tender.fail",
                   note={"reason": "fewer_than_3_bids", "rule": "条例第44条"})

