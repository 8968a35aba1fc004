"""A tender's trail from the ledger, as a supervisor may read it.

Before the opening the entries about sealed bids (who bid, envelope hashes, receipts) stay hidden
from everyone, supervisors included (法第22条, 电子办法第28条); they appear once the opening starts.
The ledger itself keeps them, so `flask ledger verify` still checks every entry.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bidding.access import require_role
from bidding.models import Tender
from core.actor import Actor, Role
from signing import ledger
from signing.ledger import LedgerEntry

SEALED_RECORD_KINDS = {"bid_receipt"}


def _about_a_sealed_bid(entry: LedgerEntry) -> bool:
    if entry.action.startswith("bid."):
        return True
    return entry.action == "record.sign" and entry.data.get("after", {}).get("kind") in SEALED_RECORD_KINDS


def tender_trail(session: Session, actor: Actor, tender: Tender) -> list[LedgerEntry]:
    require_role(actor, Role.SUPERVISOR)
    entries = list(ledger.entries(session, tender_id=tender.id))
    if tender.opened_at is None:
        entries = [e for e in entries if not _about_a_sealed_bid(e)]
    return entries
