"""Bid-rigging signals (围标串标, 条例第40条, domain-rules section 7) the platform finds on its own.

A signal is not a finding: it is put in front of the supervisor, who decides. Recording is
idempotent, so a detector may run again over the same data.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bidding.access import require_role
from bidding.bond_models import RiggingSignal
from bidding.models import Tender
from core.actor import Actor, Role
from core.clock import Clock
from core.errors import N_
from signing import ledger

SIGNAL_LABELS = {"same_bond_payer": N_("不同投标人的投标保证金从同一账户转出（条例第40条第六项）")}


def record_signal(session: Session, clock: Clock, tender_id: int, kind: str, key: str, org_ids: set[int]) -> RiggingSignal:
    ids = ",".join(str(i) for i in sorted(org_ids))
    signal = session.scalars(select(RiggingSignal).where(RiggingSignal.tender_id == tender_id, RiggingSignal.kind == kind,
                                                         RiggingSignal.key == key)).one_or_none()
    if signal is not None and signal.org_ids == ids:
        return signal
    if signal is None:
        signal = RiggingSignal(tender_id=tender_id, kind=kind, key=key, org_ids=ids, detected_at=clock.now())
        session.add(signal)
    else:
        signal.org_ids = ids
    session.flush()
    ledger.append(session, clock, Actor.system(), "signal.detect", "rigging_signal", signal.id, tender_id=tender_id,
                  after={"kind": kind, "key": key, "org_ids": ids})
    return signal


def signals_for(session: Session, actor: Actor, tender_id: int | None = None) -> list[RiggingSignal]:
    """The signals, for supervisors only (they name bidders), and only of tenders whose bidders may be
    known: from the opening on (法第22条; a signal found earlier waits for it)."""
    require_role(actor, Role.SUPERVISOR)
    query = (select(RiggingSignal).join(Tender, Tender.id == RiggingSignal.tender_id)
             .where(or_(Tender.opened_at.is_not(None), Tender.status == "failed"))
             .order_by(RiggingSignal.detected_at.desc(), RiggingSignal.id.desc()))
    if tender_id is not None:
        query = query.where(RiggingSignal.tender_id == tender_id)
    return list(session.scalars(query))
