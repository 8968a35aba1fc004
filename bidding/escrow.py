"""The tender's opening escrow (DESIGN.md section 3): k of n key holders, fixed before publication.

Holders are people on the tendering side (the agent, the tenderee's staff, supervisors) with a
registered encryption key; k is at least 2 so that no single holder can open a bid alone.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.access import manages, require_manager, require_visible
from bidding.models import EscrowHolder, Tender
from bidding.schemas import MAX_ID
from core.actor import Actor, Role
from core.clock import Clock
from core.errors import N_, Conflict, InvalidInput
from core.identity import User
from signing import encryption_keys, envelope, ledger
from signing.encryption_keys import EncryptionKey

MIN_K = 2
MAX_HOLDERS = 7


def set_escrow(session: Session, clock: Clock, actor: Actor, tender_id: int, holder_user_ids: list[int],
               k: int) -> Tender:
    tender = require_visible(actor, session.get(Tender, tender_id))
    require_manager(actor, tender)
    if tender.status != "draft":
        raise Conflict(N_("开标密钥托管人在发布前确定，发布后不能更改。"))
    if any(isinstance(i, bool) or not isinstance(i, int) or not 0 < i <= MAX_ID for i in holder_user_ids):
        raise InvalidInput(N_("托管人只能是本项目的招标代理、招标人人员或监督人员。"), field="holders")
    ids = list(dict.fromkeys(holder_user_ids))
    if not MIN_K <= k <= len(ids) <= MAX_HOLDERS:
        raise InvalidInput(N_("请选择 %(min)s 到 %(max)s 名托管人，门限 k 不少于 %(min)s 且不超过托管人数。"),
                           field="k", min=MIN_K, max=MAX_HOLDERS)
    holders = []
    for user_id in ids:
        user = session.get(User, user_id)
        if user is None or not user.active or not _may_hold(user, tender):
            raise InvalidInput(N_("托管人只能是本项目的招标代理、招标人人员或监督人员。"), field="holders")
        key = encryption_keys.require_current(session, user.id)
        holders.append(EscrowHolder(user_id=user.id, key_id=key.key_id, public_raw=key.public_raw))
    tender.escrow_holders.clear()
    session.flush()
    tender.escrow_holders.extend(holders)
    tender.escrow_k = k
    session.flush()
    ledger.append(session, clock, actor, "tender.escrow", "tender", tender.id, tender_id=tender.id,
                  after={"k": k, "holders": [h.key_id for h in holders]})
    return tender


def candidates(session: Session, tender: Tender) -> list[User]:
    """Everyone who may hold a key of this tender's escrow and has registered an encryption key."""
    users = session.scalars(select(User).join(EncryptionKey, EncryptionKey.user_id == User.id)
                            .where(EncryptionKey.current.is_(True), User.active.is_(True)).order_by(User.id)).all()
    return [u for u in users if _may_hold(u, tender)]


def _may_hold(user: User, tender: Tender) -> bool:
    actor = user.actor()
    return manages(actor, tender) or actor.has(Role.SUPERVISOR)


def require_escrow(tender: Tender) -> envelope.Escrow:
    if not tender.escrow_k or len(tender.escrow_holders) < MIN_K:
        raise Conflict(N_("本项目尚未设置开标密钥托管人。"))
    return envelope.Escrow(tender.escrow_k, tuple(envelope.load_public(h.public_raw) for h in tender.escrow_holders))
