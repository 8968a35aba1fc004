"""The acting person and organisation, and the roles sealbid knows (DESIGN.md section 6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    TENDEREE = "tenderee"
    BIDDER = "bidder"
    EXPERT = "expert"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class OrgKind(StrEnum):
    AGENCY = "agency"
    TENDEREE = "tenderee"
    BIDDER = "bidder"
    CENTRE = "centre"


@dataclass(frozen=True)
class Actor:
    """Who is acting: passed as a plain value into every domain function that decides access."""

    user_id: int | None
    org_id: int | None
    roles: frozenset[Role] = field(default_factory=frozenset)
    name: str = ""

    def has(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @classmethod
    def system(cls) -> Actor:
        """The platform itself, e.g. the scheduler moving a tender past its deadline."""
        return cls(user_id=None, org_id=None, roles=frozenset(), name="system")

    @classmethod
    def anonymous(cls) -> Actor:
        """A visitor who has not signed in: sees what is public and nothing else."""
        return cls(user_id=None, org_id=None, roles=frozenset(), name="")
