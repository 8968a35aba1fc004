"""Recusal (回避): who may not be drawn for a section, and why (domain-rules section 4.3).

The hard filters run before the draw, over the experts of the requested specialty and region:

- nobody suspended or removed (条例第71、72条: a suspended or removed expert is not drawn);
- nobody employed by the tenderee, the agent or any bidder of the section (法第37条; 12号令第12条;
  the local rule that the tenderee's own staff sit only as its representatives; 87号令 for agency staff);
- nobody who declared a conflict with any of those organisations (12号令第12条; GP条例第9条);
- nobody who declared the evaluation day unavailable;
- optionally nobody drawn for the same tenderee within N days [L];
- nobody the tenderee excluded by name with a written reason (the reason goes on the draw record).

An organisation is matched by unified social credit code, and also by its exact name (after folding
full-width characters and spaces), so a mistyped code on import never lets an employee through: for
recusal a false exclusion costs a smaller pool, a missed one costs the committee (条例第70条).

Each excluded expert is counted once, under the first reason of :data:`REASONS`, so the counts add up
and a draw that cannot be satisfied can say which constraint starves it. The module takes plain values
(:class:`OrgRef`, :class:`RecusalContext`) and never imports ``bidding``.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.errors import N_, InvalidInput, Msg, phrase
from expert_pool import specialties
from expert_pool.models import (
    DrawPick,
    Expert,
    ExpertConflict,
    ExpertDraw,
    ExpertSpecialty,
    ExpertUnavailable,
)

REASONS = (
    "removed",
    "suspended",
    "tenderee_employee",
    "agent_employee",
    "bidder_employee",
    "declared_conflict",
    "unavailable",
    "recent_same_tenderee",
    "excluded_by_tenderee",
)
REASON_LABELS = {
    "removed": N_("已清退"),
    "suspended": N_("已暂停"),
    "tenderee_employee": N_("招标人单位回避"),
    "agent_employee": N_("招标代理机构回避"),
    "bidder_employee": N_("投标人单位回避"),
    "declared_conflict": N_("申报了利害关系"),
    "unavailable": N_("评标当日不能参加"),
    "recent_same_tenderee": N_("近期已为同一招标人评标"),
    "excluded_by_tenderee": N_("招标人书面理由排除"),
    "taken_by_earlier_group": N_("已被前面的组抽中"),
}
# Picks that count as "drawn for the tenderee": experts called to serve, not backups never called.
SERVING_STATUSES = ("notified", "confirmed")


def fold(name: str) -> str:
    """A name as compared: full-width letters and brackets folded (NFKC), spaces removed."""
    return "".join(unicodedata.normalize("NFKC", name).split())


@dataclass(frozen=True)
class OrgRef:
    """An organisation the draw must avoid, as the caller knows it."""

    name: str
    credit_code: str = ""
    org_id: int | None = None

    def as_json(self) -> dict[str, object]:
        return {"name": self.name, "credit_code": self.credit_code, "org_id": self.org_id}


@dataclass(frozen=True)
class TendereeExclusion:
    """The tenderee names an expert it will not have, and writes why."""

    name: str
    reason: str


@dataclass(frozen=True)
class RecusalContext:
    """Everything recusal needs about the section, given as plain values by the caller (``bidding``)."""

    tenderee: OrgRef
    agent: OrgRef
    bidders: tuple[OrgRef, ...]
    evaluation_day: date  # the Beijing date of the evaluation
    at: datetime  # when the draw is made (for "within N days")
    recent_days: int | None = None
    tenderee_exclusions: tuple[TendereeExclusion, ...] = ()

    def as_json(self) -> dict[str, object]:
        """What was checked, for the frozen snapshot."""
        return {
            "tenderee": self.tenderee.as_json(),
            "agent": self.agent.as_json(),
            "bidders": [b.as_json() for b in sorted(self.bidders, key=lambda b: (b.credit_code, b.name))],
            "evaluation_day": self.evaluation_day.isoformat(),
            "recent_days": self.recent_days,
            "tenderee_exclusions": [{"name": e.name, "reason": e.reason} for e in self.tenderee_exclusions],
        }


@dataclass
class Screening:
    """The outcome for one (specialty, region): who may be drawn and how many were excluded for what."""

    specialty_code: str
    region: str
    matching: int
    eligible: list[int]
    excluded: dict[str, int] = field(default_factory=dict)

    def starving(self) -> str | None:
        """The reason that excluded the most experts, or None when nobody was excluded."""
        counts = {r: n for r, n in self.excluded.items() if n}
        return max(counts, key=lambda r: (counts[r], -REASONS.index(r))) if counts else None


def check_exclusions(exclusions: Iterable[TendereeExclusion]) -> tuple[TendereeExclusion, ...]:
    """The tenderee may exclude a named expert only with a written reason on the record (issue 6; 条例第46条)."""
    cleaned = []
    for exclusion in exclusions:
        name, reason = exclusion.name.strip(), exclusion.reason.strip()
        if not 1 <= len(name) <= 50:
            raise InvalidInput(N_("请填写要排除的专家姓名。"), field="exclusions")
        if not reason:
            raise InvalidInput(N_("排除专家“%(name)s”须写明理由。"), field="exclusions", name=name)
        if len(reason) > 500:
            raise InvalidInput(N_("排除理由不能超过 500 字。"), field="exclusions")
        cleaned.append(TendereeExclusion(name, reason))
    return tuple(cleaned)


def _org_sets(orgs: Iterable[OrgRef]) -> tuple[set[str], set[str], set[int]]:
    orgs = list(orgs)
    return ({o.credit_code.strip().upper() for o in orgs if o.credit_code.strip()},
            {fold(o.name) for o in orgs if o.name.strip()},
            {o.org_id for o in orgs if o.org_id is not None})


def _employed_by(row, orgs: tuple[set[str], set[str], set[int]]) -> bool:
    codes, names, ids = orgs
    return ((row.employer_credit_code or "").upper() in codes or fold(row.employer_name) in names
            or (row.employer_org_id is not None and row.employer_org_id in ids))


def _candidates_query(specialty_code: str, region: str):
    code = specialties.normalise(specialty_code)
    has_specialty = exists().where(ExpertSpecialty.expert_id == Expert.id,
                                   ExpertSpecialty.code.startswith(code, autoescape=True))
    return (select(Expert.id, Expert.name, Expert.status, Expert.employer_name, Expert.employer_credit_code,
                   Expert.employer_org_id)
            .where(has_specialty, Expert.region.startswith(region.strip(), autoescape=True))
            .order_by(Expert.id))


def _conflicted(session: Session, ctx: RecusalContext) -> set[int]:
    """Experts with a standing declared conflict with the tenderee, the agent or a bidder."""
    codes, names, _ = _org_sets([ctx.tenderee, ctx.agent, *ctx.bidders])
    if not codes and not names:
        return set()
    rows = session.execute(select(ExpertConflict.expert_id, ExpertConflict.org_credit_code, ExpertConflict.org_name)
                           .where(ExpertConflict.withdrawn_at.is_(None))).all()
    return {expert_id for expert_id, code, name in rows
            if (code and code.upper() in codes) or (name and fold(name) in names)}


def _unavailable(session: Session, day: date) -> set[int]:
    return set(session.scalars(select(ExpertUnavailable.expert_id).where(ExpertUnavailable.day == day)))


def _recent(session: Session, ctx: RecusalContext) -> set[int]:
    """Experts called to serve the same tenderee in the last ``recent_days`` days [L]."""
    if not ctx.recent_days or ctx.tenderee.org_id is None:
        return set()
    since = ctx.at - timedelta(days=ctx.recent_days)
    return set(session.scalars(
        select(DrawPick.expert_id).join(ExpertDraw, ExpertDraw.id == DrawPick.draw_id)
        .where(ExpertDraw.tenderee_org_id == ctx.tenderee.org_id, ExpertDraw.requested_at >= since,
               DrawPick.status.in_(SERVING_STATUSES))))


def _excluded_names(ctx: RecusalContext) -> set[str]:
    return {fold(e.name) for e in ctx.tenderee_exclusions}


@dataclass(frozen=True)
class _Facts:
    """What the filters need beyond the expert's own row, read once per draw."""

    tenderee: tuple[set[str], set[str], set[int]]
    agent: tuple[set[str], set[str], set[int]]
    bidders: tuple[set[str], set[str], set[int]]
    conflicted: set[int]
    unavailable: set[int]
    recent: set[int]
    excluded_names: set[str]


def read_facts(session: Session, ctx: RecusalContext) -> _Facts:
    return _Facts(tenderee=_org_sets([ctx.tenderee]), agent=_org_sets([ctx.agent]), bidders=_org_sets(ctx.bidders),
                  conflicted=_conflicted(session, ctx), unavailable=_unavailable(session, ctx.evaluation_day),
                  recent=_recent(session, ctx), excluded_names=_excluded_names(ctx))


def exclusion_reason(row, facts: _Facts) -> str | None:
    """Why this expert may not be drawn (the first reason of :data:`REASONS` that applies), or None.

    The one place the recusal rules are decided; ``row`` has the expert's id, name, status and employer.
    """
    if row.status == "removed":
        return "removed"
    if row.status != "active":
        return "suspended"
    if _employed_by(row, facts.tenderee):
        return "tenderee_employee"
    if _employed_by(row, facts.agent):
        return "agent_employee"
    if _employed_by(row, facts.bidders):
        return "bidder_employee"
    if row.id in facts.conflicted:
        return "declared_conflict"
    if row.id in facts.unavailable:
        return "unavailable"
    if row.id in facts.recent:
        return "recent_same_tenderee"
    if fold(row.name) in facts.excluded_names:
        return "excluded_by_tenderee"
    return None


def screen(session: Session, ctx: RecusalContext, specialty_code: str, region: str,
           facts: _Facts | None = None) -> Screening:
    """The experts of ``specialty_code`` (or below it) in ``region`` (or within it) who pass recusal."""
    facts = facts or read_facts(session, ctx)
    excluded = dict.fromkeys(REASONS, 0)
    eligible: list[int] = []
    matching = 0
    for row in session.execute(_candidates_query(specialty_code, region)):
        matching += 1
        reason = exclusion_reason(row, facts)
        if reason is None:
            eligible.append(row.id)
        else:
            excluded[reason] += 1
    return Screening(specialty_code=specialties.normalise(specialty_code), region=region.strip(), matching=matching,
                     eligible=sorted(eligible), excluded=excluded)


def exclusion_matches(session: Session, exclusions: Iterable[TendereeExclusion]) -> dict[str, int]:
    """How many experts in the database bear each excluded name (for the record: 0 means it changed nothing)."""
    result = {}
    for exclusion in exclusions:
        spellings = {exclusion.name.strip(), fold(exclusion.name)}
        names = session.scalars(select(Expert.name).where(Expert.name.in_(spellings))).all()
        result[exclusion.name] = sum(1 for name in names if fold(name) == fold(exclusion.name))
    return result


def listing(items: list[Msg]) -> Msg:
    """Translatable phrases joined as a list (、 in Chinese), nested so each part is translated on its own."""
    if not items:
        return phrase("")
    result = items[-1]
    for item in reversed(items[:-1]):
        result = Msg(N_("%(first)s、%(rest)s"), {"first": item, "rest": result})
    return result


def reason_counts(excluded: dict[str, int]) -> Msg:
    """"已暂停 1 人、招标人单位回避 2 人", reasons in the fixed order, zero counts left out."""
    order = [*REASONS, "taken_by_earlier_group"]
    items = [Msg(N_("%(reason)s %(count)s 人"), {"reason": phrase(REASON_LABELS[r]), "count": excluded[r]})
             for r in order if excluded.get(r)]
    return listing(items)


def exclusions_json(excluded: dict[str, int]) -> str:
    return json.dumps({r: excluded.get(r, 0) for r in REASONS}, sort_keys=True)
