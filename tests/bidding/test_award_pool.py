"""The tenderee's award-member pool and the award committee drawn from it (评定分离): who may be in the pool, the
size the pool needs, the draw committed before it is computed and re-runnable, the principal as chair, the
evaluation committee kept out, recusal with a backup, and whose names are seen before the award is decided."""

from __future__ import annotations

import json

import pytest

from bidding import award, award_pool
from bidding.award_models import AwardPoolMember
from bidding.evaluation_models import EvaluationMember
from core.errors import Conflict, InvalidInput, NotFound, NotPermitted, RuleViolation
from signing import ledger
from tests.bidding.awarding import (
    actor_of_member,
    add_pool,
    drawn,
    evaluated,
    separated,
    tenderee_user,
    to_deciding,
)


@pytest.fixture
def built(session, clock, store, world):
    return evaluated(session, clock, store, world, **separated("vote"))


def test_the_pool_holds_the_tenderees_own_tenderee_users(session, clock, world):
    member = tenderee_user(session, clock, world, "leader1", "张主任")
    row = award_pool.add_pool_member(session, clock, world.tenderee, member.user_id, "leadership", position="主任",
                                     principal=True)
    assert (row.name, row.category, row.principal, row.status) == ("张主任", "leadership", True, "active")
    assert [p.id for p in award_pool.pool(session, world.tenderee)] == [row.id]
    with pytest.raises(Conflict):  # once
        award_pool.add_pool_member(session, clock, world.tenderee, member.user_id, "technical")
    with pytest.raises(InvalidInput):
        award_pool.add_pool_member(session, clock, world.tenderee, world.agent.user_id, "technical")  # not ours
    with pytest.raises(InvalidInput):
        award_pool.add_pool_member(session, clock, world.tenderee, member.user_id, "friends")
    for outsider in (world.agent, world.supervisor, world.bidders[0]):
        with pytest.raises(NotPermitted):
            award_pool.add_pool_member(session, clock, outsider, member.user_id, "technical")
        with pytest.raises(NotPermitted):
            award_pool.pool(session, outsider)
    award_pool.remove_pool_member(session, clock, world.tenderee, row.id)
    assert award_pool.pool(session, world.tenderee) == []
    with pytest.raises(Conflict):
        award_pool.remove_pool_member(session, clock, world.tenderee, row.id)
    with pytest.raises(NotFound):
        award_pool.remove_pool_member(session, clock, world.tenderee, 999999)
    again = award_pool.add_pool_member(session, clock, world.tenderee, member.user_id, "technical")
    assert again.id == row.id and again.status == "active" and again.category == "technical"
    assert [e.action for e in ledger.entries(session)][-3:] == ["award_pool.add", "award_pool.remove", "award_pool.add"]


def test_a_pool_smaller_than_twice_the_committee_cannot_be_drawn_from(session, clock, world, built):
    to_deciding(session, clock, world, built.award)
    add_pool(session, clock, world, 9)
    with pytest.raises(RuleViolation, match="少于定标委员会人数的 2 倍"):
        award_pool.draw_committee(session, clock, world.tenderee, built.award.id)
    assert built.award.drawn_at is None and not built.award.members


def test_the_draw_is_committed_first_seats_five_keeps_two_backups_and_re_runs(session, clock, world, built):
    found = drawn(session, clock, world, built, declare=False)
    seats = sorted(found.members, key=lambda m: m.position)
    assert [m.status for m in seats] == ["seated"] * 5 + ["backup"] * 2
    assert [m.chair for m in seats] == [True] + [False] * 6  # no principal: the first drawn is the chair
    actions = [e.action for e in ledger.entries(session)]
    assert actions.index("award.draw_commit") < actions.index("award.draw")
    snapshot = json.loads(found.pool_snapshot)
    assert len(snapshot["eligible"]) == 10 and found.seed_commitment and found.pool_sha256
    check = award_pool.verify_award_draw(session, found.id)
    assert check.ok and check.seats_checked == 7, check.problems
    found.pool_snapshot = found.pool_snapshot.replace("定标委员1", "定标委员X")
    check = award_pool.verify_award_draw(session, found.id)
    assert not check.ok and any("快照已被改动" in p.text for p in check.problems)


def test_a_swapped_seat_is_named_by_the_verification(session, clock, world, built):
    found = drawn(session, clock, world, built, declare=False)
    seats = sorted(found.members, key=lambda m: m.position)
    seats[0].position, seats[6].position = 6, 0
    check = award_pool.verify_award_draw(session, found.id)
    assert [p.params["position"] for p in check.problems] == [1, 7]


def test_the_principal_sits_as_chair_and_the_others_are_drawn(session, clock, world, built):
    found = drawn(session, clock, world, built, principal=True, declare=False)
    principal = session.query(AwardPoolMember).filter_by(principal=True).one()
    first = min(found.members, key=lambda m: m.position)
    assert first.pool_member_id == principal.id and first.chair and first.position == 0
    assert sum(m.status == "seated" for m in found.members) == 5
    assert award_pool.verify_award_draw(session, found.id).ok


def test_a_principal_must_be_flagged_in_the_pool(session, clock, world, built):
    to_deciding(session, clock, world, built.award)
    rows = add_pool(session, clock, world, 10)
    with pytest.raises(InvalidInput):
        award_pool.draw_committee(session, clock, world.tenderee, built.award.id, chair_principal_id=rows[0].id)


def test_who_sat_on_the_evaluation_committee_is_not_drawn(session, clock, world, built):
    to_deciding(session, clock, world, built.award)
    rows = add_pool(session, clock, world, 10)
    # a tenderee representative who sat on the evaluation committee (12号令第9条), made so for the test
    member = session.query(EvaluationMember).filter_by(evaluation_id=built.evaluation.id).first()
    member.user_id = rows[3].user_id
    session.flush()
    with pytest.raises(RuleViolation):  # nine left: too few for a committee of five
        award_pool.draw_committee(session, clock, world.tenderee, built.award.id)
    extra = add_pool(session, clock, world, 1, prefix="extra")
    award_pool.draw_committee(session, clock, world.tenderee, built.award.id)
    drawn_ids = {m.pool_member_id for m in built.award.members}
    assert rows[3].id not in drawn_ids
    snapshot = json.loads(built.award.pool_snapshot)
    assert rows[3].user_id in snapshot["excluded_user_ids"] and extra[0].id in {p["id"] for p in snapshot["eligible"]}


def test_only_the_tenderee_draws_once_in_deciding_and_only_for_separated(session, clock, store, world, built):
    with pytest.raises(Conflict):  # the report is not even accepted
        award_pool.draw_committee(session, clock, world.tenderee, built.award.id)
    to_deciding(session, clock, world, built.award)
    add_pool(session, clock, world, 10)
    for outsider in (world.agent, world.supervisor):
        with pytest.raises(NotPermitted):
            award_pool.draw_committee(session, clock, outsider, built.award.id)
    award_pool.draw_committee(session, clock, world.tenderee, built.award.id)
    with pytest.raises(Conflict):
        award_pool.draw_committee(session, clock, world.tenderee, built.award.id)


def test_a_conflict_recuses_the_member_and_the_first_backup_takes_the_seat(session, clock, world, built):
    found = drawn(session, clock, world, built, declare=False)
    lead = award.chair(found)
    actor = actor_of_member(session, lead.user_id)
    bidder = award.candidates(found)[0]["bidder_id"]
    with pytest.raises(InvalidInput):  # a conflict states its facts
        award_pool.declare(session, clock, actor, found.id, bidder, "")
    with pytest.raises(NotPermitted):
        award_pool.declare(session, clock, world.tenderee, found.id)
    backup = min((m for m in found.members if m.status == "backup"), key=lambda m: m.position)
    with pytest.raises(NotPermitted):  # a backup waits for a seat
        award_pool.declare(session, clock, actor_of_member(session, backup.user_id), found.id)
    award_pool.declare(session, clock, actor, found.id, bidder, "本人配偶在该公司任职")
    assert lead.status == "recused" and not lead.chair and backup.status == "seated"
    assert award.chair(found).position == 1  # the chair passes to the next seated in draw order
    with pytest.raises(NotPermitted):  # out
        award_pool.declare(session, clock, actor, found.id)
    for m in award.seated(found):
        award_pool.declare(session, clock, actor_of_member(session, m.user_id), found.id)
    with pytest.raises(Conflict):  # once
        award_pool.declare(session, clock, actor_of_member(session, backup.user_id), found.id)
    assert len(award.seated(found)) == 5 and all(m.declared_at for m in award.seated(found))


def test_names_are_seen_by_the_supervisor_and_the_members_only_until_the_award_is_decided(session, clock, world,
                                                                                             built):
    found = drawn(session, clock, world, built)
    member = actor_of_member(session, award.seated(found)[1].user_id)
    for viewer in (world.supervisor, member):
        assert all(s.name for s in award_pool.committee(session, viewer, found.id))
    for manager in (world.tenderee, world.agent):
        assert all(s.name is None for s in award_pool.committee(session, manager, found.id))
    with pytest.raises(NotPermitted):
        award_pool.committee(session, world.bidders[0], found.id)
    found.status = "decided"
    assert all(s.name for s in award_pool.committee(session, world.tenderee, found.id))
