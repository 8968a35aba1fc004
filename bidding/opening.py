"""The remote opening (不见面开标): at the deadline the opening starts, each bidder decrypts its own bid
within the window, and the platform checks every chunk and the sealed manifest.

Rules: O1 opening at exactly the bid deadline (法第34条); O3 bidders decrypt online within the time the
documents set (电子办法第30条); O4 a failure caused by the bidder is a revocation (撤销), any other is
a withdrawal (撤回), and the escrow may recover it (电子办法第31条); T9 objections on the spot
(条例第44条). The window length is [L]: the operator configures it.
"""

from __future__ import annotations

import json
import tempfile
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.access import manages, require_manager, require_role
from bidding.document_metadata import pdf_metadata
from bidding.lifecycle import transition
from bidding.models import Bid, BidFile, EscrowRecovery, OpeningObjection, Section, Tender
from bidding.participation import approved_bidder
from bidding.tenders import get_tender
from core.actor import Actor, Role
from core.clock import Clock
from core.errors import N_, Conflict, DeadlinePassed, InvalidInput, NotFound, NotPermitted
from core.files import FileStore
from signing import envelope, ledger

MAX_BID_FILE = 4 * 1024**3
FAULTS = {"bidder": "revoked", "other": "withdrawn_at_opening"}


def start_due_openings(session: Session, clock: Clock, window: timedelta) -> list[int]:
    """Closed tenders with a section to open start their opening (the scheduler calls this)."""
    now = clock.now()
    due = session.scalars(select(Tender).where(Tender.status == "closed", Tender.bid_deadline <= now)).all()
    started = []
    for tender in due:
        try:
            moved = transition(session, clock, Actor.system(), tender, "closed", "opening", "opening.start",
                               values={"opened_at": now, "decryption_deadline": now + window})
        except Conflict:
            continue
        if moved:
            started.append(tender.id)
    return started


def bids_at_opening(session: Session, tender: Tender) -> list[Bid]:
    """The bids opened: not withdrawn, and not in a section that failed at the deadline (流标: fewer than
    3 bids are not opened, 条例第44条)."""
    return list(session.scalars(select(Bid).join(Section, Section.id == Bid.section_id)
                                .where(Bid.tender_id == tender.id, Bid.status != "withdrawn", Section.status != "failed")
                                .order_by(Bid.section_id, Bid.id)))


def room(session: Session, actor: Actor, tender_id: int) -> tuple[Tender, list[Bid]]:
    """The opening room: the tender's bidders, its managers and supervisors, once the opening started."""
    tender = get_tender(session, actor, tender_id)
    if tender.opened_at is None:
        raise NotPermitted(N_("尚未开标。"))
    taking_part = actor.has(Role.BIDDER) and session.scalar(
        select(Bid.id).where(Bid.tender_id == tender.id, Bid.bidder_org_id == actor.org_id)) is not None
    if not (manages(actor, tender) or actor.has(Role.SUPERVISOR) or taking_part):
        raise NotPermitted(N_("只有本项目的投标人、招标人、代理和监督人员可以进入开标室。"))
    return tender, bids_at_opening(session, tender)


class _FileSink:
    """Receives each decrypted file into a temporary file, then into the content-addressed store."""

    def __init__(self, store: FileStore, bid: Bid) -> None:
        self.store, self.bid, self.rows = store, bid, []

    @contextmanager
    def __call__(self, name: str):
        with tempfile.TemporaryFile() as handle:
            yield handle
            handle.seek(0)
            metadata = pdf_metadata(handle)
            handle.seek(0)
            stored = self.store.put(handle, MAX_BID_FILE)
        self.rows.append(BidFile(name=str(name)[:255], sha256=stored.sha256, size=stored.size,
                                 metadata_json=json.dumps(metadata, ensure_ascii=False, sort_keys=True)))


def _open(session: Session, clock: Clock, actor: Actor, store: FileStore, bid: Bid, content_key: bytes,
          via: str) -> Bid:
    """Decrypt the envelope with ``content_key``, check it against the sealed manifest, keep the result."""
    sink = _FileSink(store, bid)
    with store.open(bid.envelope_sha256) as sealed, tempfile.TemporaryFile() as plain:
        header = envelope.read_header(sealed)
        envelope.decrypt(sealed, header, content_key, plain)
        plain.seek(0)
        manifest = envelope.read_container(plain, sink)
    bid.files.extend(sink.rows)
    bid.bid_form = json.dumps(manifest.get("bid_form", {}), ensure_ascii=False, sort_keys=True)
    bid.status, bid.decrypted_at, bid.decrypted_via = "decrypted", clock.now(), via
    ledger.append(session, clock, actor, "bid.decrypt", "bid", bid.id, tender_id=bid.tender_id,
                  after={"via": via, "files": [f.sha256 for f in sink.rows], "bid_form": manifest.get("bid_form", {})})
    session.flush()
    return bid


def decrypt_own_bid(session: Session, clock: Clock, actor: Actor, store: FileStore, bid_id: int,
                    content_key: bytes) -> Bid:
    """The bidder hands over the content key it unwrapped on its own machine, within the window."""
    org = approved_bidder(session, actor)
    bid = session.get(Bid, bid_id)
    if bid is None or bid.bidder_org_id != org.id or bid.status == "withdrawn":
        raise NotFound(N_("投标不存在。"))
    tender = session.get(Tender, bid.tender_id)
    if tender.status != "opening" or tender.decryption_deadline is None:
        raise Conflict(N_("当前不在开标解密阶段。"))
    if clock.now() > tender.decryption_deadline:
        raise DeadlinePassed(N_("解密时间已过（电子办法第31条）。"))
    if bid.status != "submitted":
        raise Conflict(N_("该投标已解密或已处理。"))
    if bid.section.status == "failed":
        raise Conflict(N_("该标段投标人不足 3 家，已流标，投标文件不予开启（%(rule)s）。"), rule=N_("条例第44条"))
    return _open(session, clock, actor, store, bid, content_key, "bidder")


def close_decryption_windows(session: Session, clock: Clock) -> list[int]:
    """At the end of the window every bid not decrypted is marked so; the agent then records whose fault."""
    now = clock.now()
    tenders = session.scalars(select(Tender).where(Tender.status == "opening", Tender.decryption_deadline <= now)).all()
    marked = []
    for tender in tenders:
        for bid in session.scalars(select(Bid).join(Section, Section.id == Bid.section_id)
                                   .where(Bid.tender_id == tender.id, Bid.status == "submitted", Section.status != "failed")
                                   .with_for_update()):
            bid.status = "undecrypted"
            ledger.append(session, clock, Actor.system(), "bid.undecrypted", "bid", bid.id, tender_id=tender.id)
            marked.append(bid.id)
    session.flush()
    return marked


def record_failure(session: Session, clock: Clock, actor: Actor, bid_id: int, fault: str, note: str) -> Bid:
    """Whose fault the failed decryption was (电子办法第31条): the bidder's (撤销) or someone else's (撤回)."""
    bid = session.get(Bid, bid_id)
    if bid is None:
        raise NotFound(N_("投标不存在。"))
    tender = session.get(Tender, bid.tender_id)
    require_manager(actor, tender)
    if bid.status != "undecrypted":
        raise Conflict(N_("只有解密期结束仍未解密的投标才需要认定责任。"))
    if fault not in FAULTS or len(note.strip()) < 2:
        raise InvalidInput(N_("请选择责任方并说明原因。"), field="fault")
    bid.failure_fault, bid.failure_note = fault, note.strip()[:2000]
    if fault == "bidder":
        bid.status = "revoked"
    ledger.append(session, clock, actor, "bid.failure", "bid", bid.id, tender_id=tender.id,
                  after={"fault": fault, "note": bid.failure_note, "status": bid.status})
    return bid


def _header(store: FileStore, bid: Bid) -> envelope.Header:
    with store.open(bid.envelope_sha256) as sealed:
        return envelope.read_header(sealed)


def request_recovery(session: Session, clock: Clock, actor: Actor, store: FileStore, bid_id: int,
                     holder_user_ids: list[int], reason: str) -> EscrowRecovery:
    """Start recovering a bid through k escrow holders, after a failure that was not the bidder's."""
    bid = session.get(Bid, bid_id)
    if bid is None:
        raise NotFound(N_("投标不存在。"))
    tender = session.get(Tender, bid.tender_id)
    require_manager(actor, tender)
    if bid.status != "undecrypted" or bid.failure_fault != "other":
        raise Conflict(N_("只有非投标人原因解密失败的投标才能通过托管人恢复。"))
    if session.scalar(select(EscrowRecovery.id).where(EscrowRecovery.bid_id == bid.id)) is not None:
        raise Conflict(N_("该投标的托管恢复已经开始。"))
    by_user = {h.user_id: h for h in tender.escrow_holders}
    chosen = [by_user[u] for u in dict.fromkeys(holder_user_ids) if u in by_user]
    if len(chosen) != tender.escrow_k or len(holder_user_ids) != tender.escrow_k:
        raise InvalidInput(N_("请选择恰好 %(k)s 名本项目的托管人。"), field="holders", k=tender.escrow_k)
    chosen.sort(key=lambda h: h.key_id)
    layer = envelope.escrow_wrap(_header(store, bid), [h.key_id for h in chosen])
    recovery = EscrowRecovery(bid_id=bid.id, reason=reason.strip()[:2000] or "-", requested_by=actor.user_id,
                              requested_at=clock.now(), holders=",".join(str(h.user_id) for h in chosen), peeled=0,
                              layer=layer)
    session.add(recovery)
    session.flush()
    ledger.append(session, clock, actor, "escrow.request", "bid", bid.id, tender_id=tender.id,
                  after={"holders": [h.key_id for h in chosen], "reason": recovery.reason})
    return recovery


def recovery_for(session: Session, bid_id: int) -> EscrowRecovery:
    recovery = session.scalars(select(EscrowRecovery).where(EscrowRecovery.bid_id == bid_id)).one_or_none()
    if recovery is None:
        raise NotFound(N_("该投标没有托管恢复。"))
    return recovery


def recoveries(session: Session, tender: Tender) -> dict[int, EscrowRecovery]:
    rows = session.scalars(select(EscrowRecovery).join(Bid, Bid.id == EscrowRecovery.bid_id)
                           .where(Bid.tender_id == tender.id))
    return {r.bid_id: r for r in rows}


def next_holder(recovery: EscrowRecovery) -> int | None:
    holders = [int(h) for h in recovery.holders.split(",")]
    return holders[recovery.peeled] if recovery.peeled < len(holders) else None


def bid_envelope(session: Session, bid_id: int) -> str:
    """The SHA-256 of the bid's envelope in the file store."""
    bid = session.get(Bid, bid_id)
    if bid is None:
        raise NotFound(N_("投标不存在。"))
    return bid.envelope_sha256


def current_layer(session: Session, actor: Actor, bid_id: int) -> bytes:
    """What the next holder must peel on their own machine (still a ciphertext for them)."""
    recovery = recovery_for(session, bid_id)
    if next_holder(recovery) != actor.user_id:
        raise NotPermitted(N_("现在不是您处理这一层。"))
    return recovery.layer


def approve_recovery(session: Session, clock: Clock, actor: Actor, bid_id: int) -> EscrowRecovery:
    """A supervisor's approval, on the record, before the escrow may open a bid."""
    require_role(actor, Role.SUPERVISOR)
    recovery = recovery_for(session, bid_id)
    if recovery.approved_at is not None:
        raise Conflict(N_("已批准。"))
    recovery.approved_by, recovery.approved_at = actor.user_id, clock.now()
    bid = session.get(Bid, bid_id)
    ledger.append(session, clock, actor, "escrow.approve", "bid", bid_id, tender_id=bid.tender_id)
    return recovery


def peel(session: Session, clock: Clock, actor: Actor, store: FileStore, bid_id: int, layer: bytes) -> Bid:
    """The next holder hands back the layer it removed locally; after the k-th, the bid is opened."""
    recovery = recovery_for(session, bid_id)
    if recovery.approved_at is None:
        raise Conflict(N_("托管恢复须先经监督人员批准。"))
    if next_holder(recovery) != actor.user_id:
        raise NotPermitted(N_("现在不是您处理这一层。"))
    expected = len(recovery.layer) - envelope.WRAP_OVERHEAD
    if len(layer) != expected:
        raise InvalidInput(N_("提交的解密结果长度不正确。"), field="layer")
    bid = session.get(Bid, bid_id)
    recovery.layer, recovery.peeled = layer, recovery.peeled + 1
    ledger.append(session, clock, actor, "escrow.peel", "bid", bid.id, tender_id=bid.tender_id,
                  after={"peeled": recovery.peeled})
    if next_holder(recovery) is None:
        _open(session, clock, actor, store, bid, layer, "escrow")
        recovery.completed_at = clock.now()
    session.flush()
    return bid


def finish_opening(session: Session, clock: Clock, actor: Actor, tender_id: int) -> Tender:
    """After the window: every bid is decided; unrecovered failures not caused by the bidder are 撤回."""
    tender = get_tender(session, actor, tender_id)
    require_manager(actor, tender)
    if tender.status != "opening" or tender.decryption_deadline is None or clock.now() < tender.decryption_deadline:
        raise Conflict(N_("解密时间结束后才能结束开标。"))
    close_decryption_windows(session, clock)
    pending = [b for b in bids_at_opening(session, tender) if b.status == "undecrypted" and b.failure_fault is None]
    if pending:
        raise Conflict(N_("还有 %(n)s 份投标未认定解密失败的责任。"), n=len(pending))
    for bid in bids_at_opening(session, tender):
        if bid.status == "undecrypted":
            bid.status = FAULTS[bid.failure_fault]
            ledger.append(session, clock, actor, "bid.outcome", "bid", bid.id, tender_id=tender.id,
                          after={"status": bid.status})
    transition(session, clock, actor, tender, "opening", "opened", "opening.finish")
    return tender


def raise_objection(session: Session, clock: Clock, actor: Actor, tender_id: int, body: str) -> OpeningObjection:
    """开标异议, on the spot (条例第44条): only a bidder of this tender, while the opening runs."""
    tender, _ = room(session, actor, tender_id)
    org = approved_bidder(session, actor)
    if tender.status not in {"opening", "opened"}:
        raise Conflict(N_("开标异议应当在开标现场提出。"))
    text = (body or "").strip()
    if not 2 <= len(text) <= 5000:
        raise InvalidInput(N_("请填写 2 到 %(max)s 字的内容。"), field="body", max=5000)
    objection = OpeningObjection(tender_id=tender.id, bidder_org_id=org.id, body=text, raised_at=clock.now())
    session.add(objection)
    session.flush()
    ledger.append(session, clock, actor, "opening.objection", "opening_objection", objection.id, tender_id=tender.id)
    return objection


def answer_objection(session: Session, clock: Clock, actor: Actor, tender_id: int, objection_id: int,
                     answer: str) -> OpeningObjection:
    tender = get_tender(session, actor, tender_id)
    require_manager(actor, tender)
    objection = session.get(OpeningObjection, objection_id)
    if objection is None or objection.tender_id != tender.id:
        raise NotFound(N_("异议不存在。"))
    if objection.answer is not None:
        raise Conflict(N_("该异议已答复。"))
    text = (answer or "").strip()
    if not 2 <= len(text) <= 5000:
        raise InvalidInput(N_("请填写 2 到 %(max)s 字的内容。"), field="answer", max=5000)
    objection.answer, objection.answered_at, objection.answered_by = text, clock.now(), actor.user_id
    ledger.append(session, clock, actor, "opening.objection_answer", "opening_objection", objection.id,
                  tender_id=tender.id)
    return objection


def objections(session: Session, tender: Tender) -> list[OpeningObjection]:
    return list(session.scalars(select(OpeningObjection).where(OpeningObjection.tender_id == tender.id)
                                .order_by(OpeningObjection.raised_at)))
