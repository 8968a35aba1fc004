"""Test helpers for what follows the award decision: publicity, objections, notices — driving the real functions.

    award = notified_award(session, clock, store, world)          # evaluated → accepted → published → decided → notified
    award = evaluate_opened(session, clock, store, world, tender)  # an opened tender of another test: award in review
    notify(session, clock, store, world, award)                    # from review/accepted/deciding/decided to notified

The bond tests open a tender of their own (its bonds are their subject); :func:`evaluate_opened` runs the evaluation
on it (five experts, the report signed by all) so that their contracts follow a real award notice (法第46条).
"""

from __future__ import annotations

from datetime import timedelta

from bidding import award, award_notice, award_rules, award_state, evaluation, opening_record, publicity
from bidding.award_models import Award, Publicity
from bidding.models import Tender
from expert_pool.draw import GroupRequest
from signing import signed_records
from tests.bidding.awarding import accept, decided_award, evaluated, sign_report
from tests.bidding.test_evaluation import (
    HZ,
    Room,
    chair_actor,
    draw_and_confirm,
    elect,
    make_experts,
    review_all,
    score_all,
    seat_everyone,
    set_up,
)
from tests.expert_pool.helpers import row
from tests.world import ensure_signing, signing


def evaluate_opened(session, clock, store, world, tender: Tender, section: int = 1) -> Award:
    """The opened ``tender``'s opening record signed by the agent and the supervisor, five experts drawn, the review
    (and scoring, for the comprehensive method) done and the report signed by all: the award is in ``review``."""
    ensure_signing(session, clock, world, "agent", "supervisor")
    signed = {r.id: r for r in signed_records.for_tender(session, tender.id, "opening_record")}
    if not signed or max(r.signatures for r in signed.values()) < 2:
        for name in ("agent", "supervisor"):
            opening_record.sign_opening_record(session, clock, world.users[name].actor(), tender.id, signing(store))
    session.commit()
    actors = make_experts(session, clock, world, [row(f"杭州专家{i}", i) for i in range(1, 7)])
    draw = draw_and_confirm(session, clock, world, tender, section,
                            (GroupRequest("A0101", 5, HZ, "main", backups=1),), actors)
    clock.set(draw.evaluation_at)
    room = Room(tender, {section: draw}, actors, {})
    method = next(s for s in tender.sections if s.number == section).evaluation_method
    overrides = {"score_items": (), "price_rule": None} if method == "lowest_evaluated_price" else {}
    ev = set_up(session, clock, world, room, section, **overrides)
    seat_everyone(session, clock, room, ev)
    elect(session, clock, room, ev)
    review_all(session, clock, room, ev)
    chair = chair_actor(room, ev)
    evaluation.close_review(session, clock, chair, ev.id)
    if ev.status == "scoring":
        score_all(session, clock, room, ev)
    if ev.status == "pricing":
        evaluation.finish_pricing(session, clock, chair, ev.id)
    sign_report(session, clock, store, room, ev)
    found = award_state.current_award(session, ev.section_id)
    assert found is not None and found.status == "review"
    return found


def publish_candidates(session, clock, store, world, found: Award, days: int = 3) -> Publicity:
    """The tenderee accepts the report (if still in review) and the agent publishes the candidates."""
    if found.status == "review":
        accept(session, clock, world, found)
    ensure_signing(session, clock, world, "agent")
    shown = publicity.start_candidates(session, clock, world.agent, found.id, days, signing(store))
    session.commit()
    return shown


def end_publicity(session, clock, shown: Publicity) -> None:
    """The clock past the publicity's end and the scheduler's pass."""
    if clock.now() < shown.ends_at:
        clock.set(shown.ends_at)
    publicity.close_due(session, clock)
    session.commit()


def notify(session, clock, store, world, found: Award) -> Award:
    """Drive ``found`` to ``notified``: publish the candidates, end the period, decide (ranked: the first candidate),
    publish the result where the rule set asks for it, and the tenderee issues the notices."""
    if found.status in ("review", "accepted"):
        end_publicity(session, clock, publish_candidates(session, clock, store, world, found))
    if found.status == "deciding":
        ensure_signing(session, clock, world, "tenderee")
        first = award.candidates(found)[0]
        award.decide_ranked(session, clock, world.tenderee, found.id, first["bidder_id"], "", signing(store))
        session.commit()
    if found.status == "decided" and publicity_days(found) > 0:
        shown = publicity.start_result(session, clock, world.agent, found.id, signing(store))
        session.commit()
        end_publicity(session, clock, shown)
    ensure_signing(session, clock, world, "tenderee")
    award_notice.issue_notices(session, clock, world.tenderee, found.id, signing(store))
    session.commit()
    assert found.status == "notified"
    return found


def publicity_days(found: Award) -> int:
    return award_rules.rule_set(found.rule_set).result_publicity_days


def decided_after_publicity(session, clock, store, world, **tender_overrides) -> Award:
    """A decided award whose candidates were really published (and the period ended)."""
    built = evaluated(session, clock, store, world, **tender_overrides)
    end_publicity(session, clock, publish_candidates(session, clock, store, world, built.award))
    assert built.award.status == "deciding"
    return decided_award(session, clock, store, world, built)


def notified_award(session, clock, store, world, **tender_overrides) -> Award:
    """An evaluated tender's award through its publicity and decision to ``notified``."""
    return notify(session, clock, store, world, evaluated(session, clock, store, world, **tender_overrides).award)


def open_and_notify(session, clock, store, world, tender: Tender, section: int = 1) -> Award:
    """For the bond tests: evaluate the opened ``tender`` and take its award to ``notified``."""
    found = evaluate_opened(session, clock, store, world, tender, section)
    notify(session, clock, store, world, found)
    clock.advance(timedelta(hours=1))
    return found
