"""Test helpers for the award (定标) and what follows it: an evaluated tender whose evaluation is closed and signed,
with its :class:`Award` in ``review``; moving the award to ``deciding`` quickly; a pool of tenderee users with signing
certificates; and a decided award.

Fast on purpose: one section, the lowest-evaluated-price method (no scoring), a 5-member committee (5 signatures).

    built = evaluated(session, clock, store, world)                       # ranked, national rules, award in review
    built = evaluated(session, clock, store, world, **separated("vote"))  # 评定分离 under the Shenzhen rules
    to_deciding(session, clock, world, built.award)                       # accept + skip_publicity
    members = add_pool(session, clock, world, 10)                         # ten tenderee users in the pool
    award = decided_award(session, clock, store, world)                   # ranked, first candidate, decided
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bidding import award, award_pool, award_state, evaluation
from bidding.award_models import Award, AwardPoolMember
from bidding.evaluation_models import Evaluation
from bidding.models import Tender
from core.actor import Actor, Role
from core.identity import User
from expert_pool.draw import GroupRequest
from tests.bidding.test_evaluation import (
    HZ,
    PRICES,
    Room,
    actor_of,
    bid_and_open,
    chair_actor,
    draw_and_confirm,
    elect,
    make_experts,
    make_tender,
    members,
    review_all,
    seat_everyone,
    set_up,
)
from tests.expert_pool.helpers import row
from tests.world import PASSWORD, ensure_signing, signing

CATEGORIES = ("leadership", "management", "technical")


@dataclass
class Built:
    """An evaluated tender: its room (tender, draw, expert actors, bids), the closed evaluation and the award."""

    room: Room
    evaluation: Evaluation
    award: Award
    actors: dict[int, Actor] = field(default_factory=dict)  # pool users by user id

    @property
    def tender(self) -> Tender:
        return self.room.tender


def separated(method: str, size: int = 5, rule_set: str = "shenzhen", **award_params: Any) -> dict[str, Any]:
    """Tender overrides for 评定分离 with ``method`` and a committee of ``size``."""
    return {"award_mode": "separated", "award_method": method, "award_committee_size": size, "rule_set": rule_set,
            "award_params": award_params}


def evaluated(session, clock, store, world, *, prices: dict[int, str] = PRICES, candidates: int = 3,
              fails: dict[tuple[int, int, str], str] | None = None, **tender_overrides: Any) -> Built:
    """A tender (``tender_overrides`` go to tests.world.tender_data: award_mode, award_method, award_committee_size,
    award_params, rule_set, is_state_funded …) bid on by the three bidders at ``prices``, opened, evaluated by five
    experts with the lowest-evaluated-price method, the report signed by all: the evaluation is closed and the award
    is in ``review``."""
    tender = make_tender(session, clock, store, world, [{"evaluation_method": "lowest_evaluated_price"}],
                         **tender_overrides)
    placed = bid_and_open(session, clock, store, world, tender, {(1, n): p for n, p in prices.items()})
    actors = make_experts(session, clock, world, [row(f"杭州专家{i}", i) for i in range(1, 7)])
    draw = draw_and_confirm(session, clock, world, tender, 1, (GroupRequest("A0101", 5, HZ, "main", backups=1),),
                            actors)
    clock.set(draw.evaluation_at)
    room = Room(tender, {1: draw}, actors, placed)
    ev = set_up(session, clock, world, room, score_items=(), price_rule=None, candidates=candidates,
                ranked=tender.award_mode == "ranked")
    seat_everyone(session, clock, room, ev)
    elect(session, clock, room, ev)
    review_all(session, clock, room, ev, fails)
    chair = chair_actor(room, ev)
    evaluation.close_review(session, clock, chair, ev.id)
    if ev.status == "pricing":
        evaluation.finish_pricing(session, clock, chair, ev.id)
    sign_report(session, clock, store, room, ev)
    found = award_state.current_award(session, ev.section_id)
    assert found is not None and found.status == "review", "the closed evaluation should have started the award"
    return Built(room, ev, found)


def sign_report(session, clock, store, room: Room, ev: Evaluation) -> None:
    """The chair signs the evaluation report first, then every member: the evaluation closes."""
    from bidding import evaluation_report

    lead = next(m for m in members(ev) if m.id == ev.chair_member_id)
    for m in [lead] + [m for m in members(ev) if m is not lead]:
        evaluation_report.sign_report(session, clock, actor_of(room, m), ev.id, signing(store))
    session.commit()
    assert ev.status == "closed"


def accept(session, clock, world, found: Award) -> Award:
    award.accept_report(session, clock, world.tenderee, found.id)
    session.commit()
    return found


def skip_publicity(session, clock, found: Award) -> Award:
    """Stand-in for bidding.publicity (helper B's): accepted → candidates_publicity → deciding by the transition
    function directly, as if the candidates had been published for their period without an objection."""
    system = Actor.system()
    award_state.move(session, clock, system, found, "accepted", "candidates_publicity", "award.test_publicity")
    award_state.sync_tender(session, clock, found.tender)
    award_state.move(session, clock, system, found, "candidates_publicity", "deciding", "award.test_publicity_end")
    award_state.sync_tender(session, clock, found.tender)
    session.commit()
    return found


def to_deciding(session, clock, world, found: Award) -> Award:
    """The tenderee accepts the report and the publicity is skipped: the award is ``deciding``."""
    accept(session, clock, world, found)
    return skip_publicity(session, clock, found)


def tenderee_user(session, clock, world, username: str, name: str | None = None) -> Actor:
    """Another user of the world's tenderee organisation with the tenderee role and a signing certificate."""
    from bidding import parties

    if username not in world.users:
        world.users[username] = parties.create_user(session, clock, world.admin, parties.UserInput(
            username=username, display_name=name or username, password=PASSWORD, roles=(Role.TENDEREE,),
            organisation_id=world.tenderee_org_id))
    ensure_signing(session, clock, world, username)
    return world.users[username].actor()


def add_pool(session, clock, world, count: int = 10, *, principal: bool = False,
             prefix: str = "award_member") -> list[AwardPoolMember]:
    """``count`` tenderee users in the tenderee's pool (categories in turn); the first is the principal when asked."""
    ensure_signing(session, clock, world, "tenderee")
    rows = []
    for i in range(1, count + 1):
        actor = tenderee_user(session, clock, world, f"{prefix}{i}", f"定标委员{i}")
        rows.append(award_pool.add_pool_member(session, clock, world.tenderee, actor.user_id,
                                               CATEGORIES[i % len(CATEGORIES)], position=f"职务{i}",
                                               principal=principal and i == 1))
    session.commit()
    return rows


def actor_of_member(session, user_id: int) -> Actor:
    return session.get(User, user_id).actor()


def drawn(session, clock, world, built: Built, *, pool_size: int | None = None, principal: bool = False,
          declare: bool = True) -> Award:
    """The award in ``deciding`` with its committee drawn from a fresh pool (twice the committee by default) and,
    unless ``declare`` is False, every seated member declared without conflict."""
    found = built.award
    if found.status in ("review", "accepted"):
        if found.status == "review":
            accept(session, clock, world, found)
        skip_publicity(session, clock, found)
    size = built.tender.award_committee_size
    rows = add_pool(session, clock, world, pool_size or 2 * size, principal=principal)
    award_pool.draw_committee(session, clock, world.tenderee, found.id,
                              chair_principal_id=rows[0].id if principal else None)
    if declare:
        for m in award.seated(found):
            award_pool.declare(session, clock, actor_of_member(session, m.user_id), found.id)
    session.commit()
    return found


def sign_by_all(session, clock, store, world, found: Award) -> None:
    """The chair, then every other seated member, signs the award record; then the tenderee seals it."""
    lead = award.chair(found)
    assert lead is not None
    for m in [lead] + [m for m in award.seated(found) if m is not lead]:
        award.sign_award_record(session, clock, actor_of_member(session, m.user_id), found.id, signing(store))
    award.seal_award_record(session, clock, world.tenderee, found.id, signing(store))
    session.commit()


def decided_award(session, clock, store, world, built: Built | None = None, **tender_overrides: Any) -> Award:
    """A decided award: ranked (the first candidate) by default, or separated with the price method
    (``**separated("price")``), or whatever ``built`` is, decided the quickest way its method allows."""
    built = built or evaluated(session, clock, store, world, **tender_overrides)
    found = built.award
    ensure_signing(session, clock, world, "tenderee")
    if found.mode == "ranked":
        if found.status != "deciding":
            to_deciding(session, clock, world, found)
        first = award.candidates(found)[0]
        award.decide_ranked(session, clock, world.tenderee, found.id, first["bidder_id"], "", signing(store))
        session.commit()
        return found
    drawn(session, clock, world, built)
    lead = actor_of_member(session, award.chair(found).user_id)
    keys = [c["bidder_id"] for c in award.candidates(found)]
    if found.method == "price":
        award.decide_by_price(session, clock, world.tenderee, found.id)
    elif found.method == "deliberation":
        for m in award.seated(found):
            award.record_opinion(session, clock, actor_of_member(session, m.user_id), found.id, keys[0], "综合最优。")
        award.chair_decide(session, clock, lead, found.id, keys[0], "集体议事后决定。")
    elif found.method == "lottery":
        award.commit_lottery(session, clock, world.tenderee, found.id)
        award.draw_lottery(session, clock, world.tenderee, found.id)
    else:
        for m in award.seated(found):
            award.cast_vote(session, clock, actor_of_member(session, m.user_id), found.id, keys[0])
        if award.phase(session, found).step == "lottery":
            award.commit_lottery(session, clock, world.tenderee, found.id)
            award.draw_lottery(session, clock, world.tenderee, found.id)
    session.commit()
    sign_by_all(session, clock, store, world, found)
    assert found.status == "decided"
    return found
