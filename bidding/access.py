"""Who may do what to a tender (DESIGN.md section 6, domain-rules section 9), decided here only."""

from __future__ import annotations

from bidding.models import Tender
from core.actor import Actor, Role
from core.errors import N_, NotFound, NotPermitted

PUBLIC_STATUSES = frozenset(
    {"published", "suspended", "closed", "opening", "opened", "evaluating", "evaluated", "awarding",
     "publicity", "awarded", "contracted", "failed", "cancelled"}
)


def require_role(actor: Actor, *roles: Role) -> None:
    if not actor.has(*roles):
        raise NotPermitted(N_("您没有执行此操作的权限。"))


def is_agent(actor: Actor, tender: Tender) -> bool:
    """The tender's agent (招标代理)."""
    return actor.has(Role.AGENT) and actor.org_id == tender.agent_org_id


def is_tenderee(actor: Actor, tender: Tender) -> bool:
    """The tender's tenderee (招标人)."""
    return actor.has(Role.TENDEREE) and actor.org_id == tender.tenderee_org_id


def manages(actor: Actor, tender: Tender) -> bool:
    """The tender's agent or its tenderee (acting within the mandate, 法第12条)."""
    return is_agent(actor, tender) or is_tenderee(actor, tender)


def require_manager(actor: Actor, tender: Tender) -> None:
    if not manages(actor, tender):
        raise NotPermitted(N_("只有本项目的招标代理或招标人可以执行此操作。"))


def can_see(actor: Actor, tender: Tender) -> bool:
    """Published tenders are public; drafts only to their managers and supervisors."""
    return tender.status in PUBLIC_STATUSES or manages(actor, tender) or actor.has(Role.SUPERVISOR)


def require_visible(actor: Actor, tender: Tender | None) -> Tender:
    if tender is None or not can_see(actor, tender):
        raise NotFound(N_("招标项目不存在。"))
    return tender
