"""The one transition function of the tender aggregate (DESIGN.md sections 1 and 2).

A conditional ``UPDATE … WHERE status = :expected`` makes every move idempotent and safe when the
scheduler, a page and the API try it at once on several workers: exactly one wins and writes the
ledger entry; the others see that the tender has already moved.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from bidding.models import Tender
from core.actor import Actor
from core.clock import Clock
from core.errors import N_, Conflict, phrase
from signing import ledger

STATUS_LABELS = {
    "draft": N_("草稿"),
    "published": N_("招标中"),
    "suspended": N_("已暂停"),
    "closed": N_("投标截止"),
    "opening": N_("开标中"),
    "opened": N_("已开标"),
    "evaluating": N_("评标中"),
    "evaluated": N_("评标结束"),
    "awarding": N_("定标中"),
    "publicity": N_("公示中"),
    "awarded": N_("已中标"),
    "contracted": N_("已签约"),
    "failed": N_("流标"),
    "cancelled": N_("已终止"),
}


def transition(
    session: Session,
    clock: Clock,
    actor: Actor,
    tender: Tender,
    expected: str,
    to: str,
    action: str,
    values: dict[str, Any] | None = None,
    note: dict[str, Any] | None = None,
) -> bool:
    """Move ``tender`` from ``expected`` to ``to``; False when another caller already did."""
    values = dict(values or {})
    result = session.execute(
        update(Tender)
        .where(Tender.id == tender.id, Tender.status == expected)
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(tender)
        if tender.status == to:
            return False
        raise Conflict(
            N_("招标项目当前状态为“%(status)s”，不能执行此操作。"),
            status=phrase(STATUS_LABELS.get(tender.status, tender.status)),
        )
    ledger.append(
        session,
        clock,
        actor,
        action,
        "tender",
        tender.id,
        tender_id=tender.id,
        before={"status": expected},
        after={"status": to, **values, **(note or {})},
    )
    session.refresh(tender)
    return True
