"""The evaluation workflow on real opened tenders with real draws: setup, sign-in and presence, recusal with a backup,
the chair's election, the review and rejections, clarifications, abnormally low prices, scoring with its refusals,
the lowest-evaluated-price method, representatives, and who may read what while the committee works."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bidding import bank_transfers, bids, bonds, evaluation, opening, opening_record, participation
from bidding.evaluation import ReviewItem, ScoreItem, Setup
from bidding.evaluation_models import Evaluation, EvaluationMember
from bidding.models import Bid, Tender
from bidding.price_rules import MeanDeviationRule
from core.actor import Actor
from core.errors import Conflict, DeadlinePassed, InvalidInput, NotFound, NotPermitted, RuleViolation
from core.identity import User
from expert_pool import draw
from expert_pool.draw import GroupRequest
from expert_pool.models import DrawPick, ExpertDraw
from signing import envelope, ledger
from tests.bidding.sealing import container, sealed, submit
from tests.bonding import BASIC_ACCOUNTS, set_basic_accounts, statement, statement_row
from tests.expert_pool.helpers import add_experts, expert_user, request, row, section_parties
from tests.world import encryption_key, ensure_signing, published_tender, signing, tender_data

HZ, NB = "浙江省杭州市", "浙江省宁波市"
PRICES = {1: "9500000.00", 2: "9000000.00", 3: "9800000.00"}
REVIEW = (ReviewItem("营业执照和施工资质", "qualification"), ReviewItem("项目经理资格", "qualification"),
          ReviewItem("投标函签章", "compliance"), ReviewItem("工期", "compliance"))
SCORING = (ScoreItem("技术部分", "施工组织设计", "20"), ScoreItem("技术部分", "项目管理机构", "15"),
           ScoreItem("技术部分", "质量和安全措施", "10"), ScoreItem("商务部分", "企业业绩", "10", objective=True),
           ScoreItem("商务部分", "企业信誉", "5", objective=True))
PRICE_RULE = MeanDeviationRule(full_marks=Decimal(40), e_above=Decimal(2), e_below=Decimal(1), k=Decimal("0.02"))


@dataclass
class Room:
    """An opened tender, its signed opening record and a complete draw per section, at the evaluation time."""

    tender: Tender
    draws: dict[int, ExpertDraw]
    actors: dict[int, Actor] = field(default_factory=dict)  # user id -> actor, for every expert and representative
    bids: dict[tuple[int, int], Bid] = field(default_factory=dict)  # (section, bidder number) -> bid


def make_tender(session, clock, store, world, sections: list[dict[str, Any]] | None = None, **overrides: Any) -> Tender:
    """Published, in its sale period, the three bidders hold the documents, keys and signing certificates.
    ``sections`` change the standard section; ``overrides`` go to tests.world.tender_data."""
    if sections is not None:
        base = tender_data(world, clock)["sections"][0]
        overrides["sections"] = [{**base, **s} for s in sections]
    tender = published_tender(session, clock, store, world, **overrides)
    clock.advance(timedelta(hours=2))
    for i, bidder in enumerate(world.bidders, start=1):
        participation.obtain_documents(session, clock, bidder, tender.id)
        ensure_signing(session, clock, world, f"bidder{i}")
        encryption_key(session, clock, world, f"bidder{i}")
    session.commit()
    return tender


def bid_and_open(session, clock, store, world, tender, prices: dict[tuple[int, int], str],
                 unpaid: set[tuple[int, int]] = frozenset(), signers: tuple[str, ...] = ("agent", "supervisor")
                 ) -> dict[tuple[int, int], Bid]:
    """Cash bonds (except ``unpaid``), sealed bids at ``prices``, the deadline, every bid decrypted, the opening
    finished and its record signed by the agent and the supervisor."""
    set_basic_accounts(session, clock, world)
    rows = []
    for (section, number) in prices:
        bond = bonds.choose_cash(session, clock, world.bidders[number - 1], tender.id, section)
        if (section, number) not in unpaid:
            rows.append(statement_row(f"S{section}{number}", clock.now(), f"投标公司{number}", BASIC_ACCOUNTS[number],
                                      bond.virtual_account, Decimal("200000.00")))
    if rows:
        bank_transfers.import_statement(session, clock, world.admin, statement(*rows))
    placed = {}
    for (section, number), price in prices.items():
        data = sealed(session, world, tender, number, section,
                      plaintext=container({"price": price, "duration_days": 365}, {"技术标.pdf": b"%PDF tech" * 50}))
        submission, _ = submit(session, clock, store, world, tender, data, number, section)
        placed[(section, number)] = (session.get(Bid, submission.bid_id), data)
    clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, clock)
    opening.start_due_openings(session, clock, timedelta(minutes=30))
    for (_, number), (bid, data) in placed.items():
        key = envelope.unwrap_for_bidder(envelope.read_header(io.BytesIO(data)), world.encryption_keys[f"bidder{number}"])
        opening.decrypt_own_bid(session, clock, world.bidders[number - 1], store, bid.id, key)
    clock.advance(timedelta(minutes=31))
    opening.finish_opening(session, clock, world.agent, tender.id)
    ensure_signing(session, clock, world, "agent", "supervisor")
    for name in signers:
        opening_record.sign_opening_record(session, clock, world.users[name].actor(), tender.id, signing(store))
    session.commit()
    return {k: bid for k, (bid, _) in placed.items()}


def make_experts(session, clock, world, rows: list[dict[str, str]]) -> dict[int, Actor]:
    """Experts with sign-in accounts and signing certificates; by user id."""
    actors = {}
    for expert in add_experts(session, clock, world, rows):
        actor = expert_user(session, clock, world, expert)
        username = f"expert{expert.id}"
        world.users[username] = session.get(User, actor.user_id)
        ensure_signing(session, clock, world, username)
        actors[actor.user_id] = actor
    session.commit()
    return actors


def draw_and_confirm(session, clock, world, tender, section: int, groups: tuple[GroupRequest, ...],
                     actors: dict[int, Actor], representatives: int = 0) -> ExpertDraw:
    parties = section_parties(session, tender, section)
    d = draw.request_draw(session, clock, world.agent, parties, request(clock, *groups, representatives=representatives))
    for pick in [p for p in d.picks if p.status == "notified"]:
        draw.respond(session, clock, actors[pick.expert.user_id], pick.id, True)
    session.commit()
    assert d.status == "complete"
    return d


def build_room(session, clock, store, world, *, prices: dict[int, str] = PRICES, unpaid: tuple[int, ...] = (),
               method: str = "comprehensive", main: int = 5, sub: int = 2, representatives: int = 0) -> Room:
    tender = make_tender(session, clock, store, world, [{"evaluation_method": method}])
    placed = bid_and_open(session, clock, store, world, tender, {(1, n): p for n, p in prices.items()},
                          {(1, n) for n in unpaid})
    rows = [row(f"杭州专家{i}", i) for i in range(1, main + 2)]
    rows += [row(f"宁波专家{i}", 100 + i, region=NB) for i in range(1, sub + 2)] if sub else []
    actors = make_experts(session, clock, world, rows)
    groups = (GroupRequest("A0101", main, HZ, "main", backups=1),)
    if sub:
        groups += (GroupRequest("A0101", sub, NB, "sub", backups=1, venue_place="宁波市公共资源交易中心副场"),)
    d = draw_and_confirm(session, clock, world, tender, 1, groups, actors, representatives)
    clock.set(d.evaluation_at)
    return Room(tender, {1: d}, actors, placed)


def default_setup(**overrides: Any) -> Setup:
    values: dict[str, Any] = {"review_items": REVIEW, "score_items": SCORING, "price_rule": PRICE_RULE}
    values.update(overrides)
    return Setup(**values)


def set_up(session, clock, world, room: Room, section: int = 1, **overrides: Any) -> Evaluation:
    ev = evaluation.set_up(session, clock, world.agent, room.tender.id, section, default_setup(**overrides))
    session.commit()
    return ev


def members(ev: Evaluation) -> list[EvaluationMember]:
    return evaluation.active_members(ev)


def actor_of(room: Room, member: EvaluationMember) -> Actor:
    return room.actors[member.user_id]


def seat_everyone(session, clock, room: Room, ev: Evaluation) -> None:
    for m in members(ev):
        evaluation.sign_in(session, clock, actor_of(room, m), ev.id, f"{'杭州' if m.venue == 'main' else '宁波'}工位{m.id}")
        evaluation.declare(session, clock, actor_of(room, m), ev.id)
    session.commit()


def elect(session, clock, room: Room, ev: Evaluation, chair: EvaluationMember | None = None) -> EvaluationMember:
    chair = chair or members(ev)[0]
    for m in members(ev):
        evaluation.vote_chair(session, clock, actor_of(room, m), ev.id, chair.id)
        if ev.status != "sign_in":
            break
    session.commit()
    assert ev.chair_member_id == chair.id
    return chair


def review_all(session, clock, room: Room, ev: Evaluation, fails: dict[tuple[int, int, str], str] | None = None) -> None:
    """Every member marks every item of every bid: pass, except ``fails[(member index, bidder position, item)]``."""
    fails = fails or {}
    criteria = [c for c in ev.criteria if c.stage == "review" and not c.automatic]
    for i, m in enumerate(members(ev)):
        for b in ev.bidders:
            marks = {c.id: (False, fails[(i, b.position, c.name)]) if (i, b.position, c.name) in fails else (True, "")
                     for c in criteria}
            evaluation.mark_review(session, clock, actor_of(room, m), ev.id, b.id, marks)
    session.commit()


def chair_actor(room: Room, ev: Evaluation) -> Actor:
    return actor_of(room, next(m for m in members(ev) if m.id == ev.chair_member_id))


def typed(ev: Evaluation):
    return [c for c in ev.criteria if c.stage == "score" and c.kind != "price"]


def score_all(session, clock, room: Room, ev: Evaluation, points=None, submit_scores: bool = True) -> None:
    """Every member scores every typed item of every valid bid: ``points(member index, bidder, criterion)``, by default
    80% of the maximum."""
    points = points or (lambda i, b, c: c.max_points * Decimal("0.8"))
    for i, m in enumerate(members(ev)):
        for b in ev.bidders:
            if b.status == "valid":
                evaluation.save_scores(session, clock, actor_of(room, m), ev.id, b.id,
                                       {c.id: points(i, b, c) for c in typed(ev)})
        if submit_scores:
            evaluation.submit_scores(session, clock, actor_of(room, m), ev.id)
    session.commit()


def through_review(session, clock, world, room: Room, **overrides: Any) -> Evaluation:
    ev = set_up(session, clock, world, room, **overrides)
    seat_everyone(session, clock, room, ev)
    elect(session, clock, room, ev)
    review_all(session, clock, room, ev)
    evaluation.close_review(session, clock, chair_actor(room, ev), ev.id)
    session.commit()
    return ev


def two_sections(session, clock, store, world) -> tuple[Room, Evaluation, Evaluation]:
    """Two opened sections, each with its own committee (Hangzhou experts for the first, Ningbo for the second),
    both evaluations set up."""
    tender = make_tender(session, clock, store, world, [{"name": "一标段"}, {"name": "二标段"}])
    bid_and_open(session, clock, store, world, tender, {(s, n): PRICES[n] for s in (1, 2) for n in (1, 2, 3)})
    actors = make_experts(session, clock, world, [row(f"杭州专家{i}", i) for i in range(1, 6)]
                          + [row(f"宁波专家{i}", 100 + i, region=NB) for i in range(1, 6)])
    d1 = draw_and_confirm(session, clock, world, tender, 1, (GroupRequest("A0101", 5, HZ),), actors)
    d2 = draw_and_confirm(session, clock, world, tender, 2, (GroupRequest("A0101", 5, NB),), actors)
    clock.set(max(d1.evaluation_at, d2.evaluation_at))
    room = Room(tender, {1: d1, 2: d2}, actors)
    ev1 = set_up(session, clock, world, room, 1)
    ev2 = set_up(session, clock, world, room, 2)
    return room, ev1, ev2


@pytest.fixture
def room(session, clock, store, world) -> Room:
    return build_room(session, clock, store, world)


# --- setup ------------------------------------------------------------------------------------------------------------


def test_setup_seats_the_confirmed_picks_and_adds_the_platforms_items(session, clock, world, room):
    ev = set_up(session, clock, world, room)
    assert ev.status == "sign_in" and ev.method == "comprehensive" and room.tender.status == "evaluating"
    picks = draw.committee(room.draws[1])
    assert [m.pick_id for m in ev.members] == [p.id for p in picks] and len(ev.members) == 7
    assert {m.venue for m in ev.members} == {"main", "sub"}
    assert [c.name for c in ev.criteria if c.stage == "review"][-2:] == ["投标保证金", "投标报价不超过招标控制价"]
    price = next(c for c in ev.criteria if c.kind == "price")
    assert price.max_points == Decimal(40) and sum(c.max_points for c in ev.criteria if c.stage == "score") == 100
    assert [b.price for b in ev.bidders] == [Decimal(PRICES[n]) for n in (1, 2, 3)]
    entry = next(e for e in ledger.entries(session) if e.action == "evaluation.setup")
    assert entry.data["after"]["config"]["price_rule"]["name"] == "mean_deviation"


def test_setup_refusals(session, clock, world, room):
    with pytest.raises(NotPermitted):
        evaluation.set_up(session, clock, world.tenderee, room.tender.id, 1, default_setup())
    with pytest.raises(NotPermitted):
        evaluation.set_up(session, clock, world.other_agent, room.tender.id, 1, default_setup())
    with pytest.raises(InvalidInput, match="100"):  # 55 + 40 points
        evaluation.set_up(session, clock, world.agent, room.tender.id, 1, default_setup(score_items=SCORING[:-1]))
    with pytest.raises(RuleViolation, match="条例第53条"):
        evaluation.set_up(session, clock, world.agent, room.tender.id, 1, default_setup(candidates=4))
    with pytest.raises(InvalidInput):  # the lowest-price method's shape on a comprehensive section
        evaluation.set_up(session, clock, world.agent, room.tender.id, 1, default_setup(score_items=(), price_rule=None))
    with pytest.raises(InvalidInput):
        evaluation.set_up(session, clock, world.agent, room.tender.id, 1,
                          default_setup(score_items=(ScoreItem("技术", "方案", "59.999"),)))
    set_up(session, clock, world, room, drop_extremes=True)  # 7 members: allowed
    with pytest.raises(Conflict):
        evaluation.set_up(session, clock, world.agent, room.tender.id, 1, default_setup())


def test_dropping_extremes_needs_seven_scorers(session, clock, store, world):
    room = build_room(session, clock, store, world, main=5, sub=0)
    with pytest.raises(RuleViolation, match="7 人以上"):
        evaluation.set_up(session, clock, world.agent, room.tender.id, 1, default_setup(drop_extremes=True))


def test_no_evaluation_before_the_opening_nor_before_its_record_is_signed_by_both(session, clock, store, world):
    tender = make_tender(session, clock, store, world)
    with pytest.raises(Conflict, match="开标结束后"):
        evaluation.set_up(session, clock, world.agent, tender.id, 1, default_setup())
    bid_and_open(session, clock, store, world, tender, {(1, n): p for n, p in PRICES.items()}, signers=("agent",))
    with pytest.raises(Conflict, match="开标记录"):
        evaluation.set_up(session, clock, world.agent, tender.id, 1, default_setup())


# --- sign-in, presence, recusal ---------------------------------------------------------------------------------------


def test_sign_in_from_the_evaluation_time_and_presence_for_the_supervisor(session, clock, world, room):
    ev = set_up(session, clock, world, room)
    first = members(ev)[0]
    clock.advance(timedelta(minutes=-5))
    with pytest.raises(RuleViolation):
        evaluation.sign_in(session, clock, actor_of(room, first), ev.id, "杭州主场 3 号工位")
    clock.advance(timedelta(minutes=5))
    evaluation.sign_in(session, clock, actor_of(room, first), ev.id, "杭州主场 3 号工位")
    seen = {p.member_id: p for p in evaluation.presence(session, clock, world.supervisor, ev.id)}
    assert seen[first.id].present and seen[first.id].sign_in_venue == "杭州主场 3 号工位"
    assert not seen[members(ev)[1].id].present and seen[first.id].name == first.name
    clock.advance(timedelta(minutes=3))
    assert not {p.member_id: p for p in evaluation.present(session, clock, ev)}[first.id].present
    evaluation.heartbeat(session, clock, actor_of(room, first), ev.id, "杭州主场 3 号工位")
    assert {p.member_id: p for p in evaluation.present(session, clock, ev)}[first.id].present
    for outsider in (world.agent, world.tenderee):  # no names for the managers while the committee works
        with pytest.raises(NotPermitted, match="退出评标室"):
            evaluation.presence(session, clock, outsider, ev.id)
    progress = evaluation.progress(session, world.agent, ev.id)
    assert (progress.seats, progress.signed_in, progress.status, progress.rejected) == (7, 1, "sign_in", None)
    assert [e.action for e in ledger.entries(session)][-1] == "evaluation.sign_in"
    with pytest.raises(NotPermitted):  # not a member of this committee
        evaluation.sign_in(session, clock, world.expert, ev.id, "工位")


def test_a_declared_conflict_ends_the_members_part_and_the_backup_joins(session, clock, world, room):
    ev = set_up(session, clock, world, room)
    conflicted = members(ev)[1]
    actor = actor_of(room, conflicted)
    with pytest.raises(Conflict):  # sign in first: the declaration follows the bidder list
        evaluation.declare(session, clock, actor, ev.id)
    evaluation.sign_in(session, clock, actor, ev.id, "杭州主场 1 号工位")
    listed = evaluation.bidder_list(session, actor, ev.id)
    assert [b.name for b in listed] == ["投标公司1", "投标公司2", "投标公司3"]
    with pytest.raises(InvalidInput):  # a conflict needs its facts
        evaluation.declare(session, clock, actor, ev.id, listed[0].bidder_id, "")
    evaluation.declare(session, clock, actor, ev.id, listed[0].bidder_id, "本人配偶在该公司任职")
    session.commit()
    assert conflicted.status == "recused" and not conflicted.active
    pick = session.get(DrawPick, conflicted.pick_id)
    backup = session.scalars(select(DrawPick).where(DrawPick.replaces_pick_id == pick.id)).one()
    assert pick.status == "recused" and backup.status == "notified" and room.draws[1].status == "notifying"
    with pytest.raises(NotPermitted):  # the recused member is out
        evaluation.vote_chair(session, clock, actor, ev.id, members(ev)[0].id)
    for m in members(ev):
        if m.signed_in_at is None:
            evaluation.sign_in(session, clock, actor_of(room, m), ev.id, "工位")
            evaluation.declare(session, clock, actor_of(room, m), ev.id)
    with pytest.raises(Conflict, match="尚未全部签到"):  # the backup has not joined yet
        evaluation.vote_chair(session, clock, actor_of(room, members(ev)[0]), ev.id, members(ev)[0].id)
    draw.respond(session, clock, room.actors[backup.expert.user_id], backup.id, True)
    evaluation.sign_in(session, clock, room.actors[backup.expert.user_id], ev.id, "杭州主场 9 号工位")
    joined = next(m for m in ev.members if m.pick_id == backup.id)
    assert joined.replaces_member_id == conflicted.id and len(members(ev)) == 7
    evaluation.declare(session, clock, room.actors[backup.expert.user_id], ev.id)
    elect(session, clock, room, ev)
    assert ev.status == "review"
    actions = [e.action for e in ledger.entries(session)]
    assert "expert_draw.recuse" in actions and "evaluation.seat" in actions


def test_chair_by_majority_or_by_lot_from_the_ledger_hash(session, clock, world, room):
    ev = set_up(session, clock, world, room)
    seat_everyone(session, clock, room, ev)
    seats = members(ev)
    a, b, c = seats[0], seats[1], seats[2]
    votes = [a, b, a, b, a, b, c]
    for voter, choice in zip(seats, votes, strict=True):
        evaluation.vote_chair(session, clock, actor_of(room, voter), ev.id, choice.id)
    with pytest.raises(Conflict):
        evaluation.vote_chair(session, clock, actor_of(room, seats[0]), ev.id, a.id)
    last_vote = [e for e in ledger.entries(session) if e.action == "evaluation.vote"][-1]
    tied = sorted([a.id, b.id])
    assert ev.chair_member_id == tied[int(last_vote.entry_hash, 16) % 2]
    assert "抽签" in ev.election_note and last_vote.entry_hash in ev.election_note


def test_majority_elects_before_everyone_has_voted(session, clock, world, room):
    ev = set_up(session, clock, world, room)
    seat_everyone(session, clock, room, ev)
    seats = members(ev)
    for voter in seats[:3]:
        evaluation.vote_chair(session, clock, actor_of(room, voter), ev.id, seats[4].id)
    assert ev.status == "sign_in"
    evaluation.vote_chair(session, clock, actor_of(room, seats[3]), ev.id, seats[4].id)
    assert ev.status == "review" and ev.chair_member_id == seats[4].id and "过半数" in ev.election_note
    with pytest.raises(Conflict):  # the election is over
        evaluation.vote_chair(session, clock, actor_of(room, seats[5]), ev.id, seats[4].id)


# --- review -----------------------------------------------------------------------------------------------------------


def test_review_majority_rejects_with_grounds_and_a_missing_bond_fails_on_its_own(session, clock, store, world):
    room = build_room(session, clock, store, world, unpaid=(3,))
    ev = set_up(session, clock, world, room)
    seat_everyone(session, clock, room, ev)
    chair = elect(session, clock, room, ev)
    with pytest.raises(Conflict, match="还有"):
        evaluation.close_review(session, clock, actor_of(room, chair), ev.id)
    # bidder 1: 4 of 7 fail the signature item -> rejected; bidder 2: 3 of 7 fail the period -> passes
    fails = {(i, 1, "投标函签章"): "投标函未加盖电子签章" for i in range(4)}
    fails.update({(i, 2, "工期"): "工期 400 日历天超过招标文件要求" for i in range(4, 7)})
    review_all(session, clock, room, ev, fails)
    with pytest.raises(InvalidInput):  # a fail needs its reason
        evaluation.mark_review(session, clock, actor_of(room, chair), ev.id, ev.bidders[0].id,
                               {next(c.id for c in ev.criteria if c.name == "工期"): (False, " ")})
    view = evaluation.review_view(session, actor_of(room, members(ev)[1]), ev.id)
    assert {m.member_id for m in view.marks} == {members(ev)[1].id} and view.results is None  # own marks only
    with pytest.raises(NotPermitted):  # only the chair closes the review
        evaluation.close_review(session, clock, actor_of(room, members(ev)[1]), ev.id)
    with pytest.raises(NotPermitted, match="退出评标室"):
        evaluation.review_view(session, world.agent, ev.id)
    evaluation.close_review(session, clock, actor_of(room, chair), ev.id)
    session.commit()
    first, second, third = ev.bidders
    assert first.status == "rejected" and "投标函签章不合格（条例第51条第6项；4/7 人不通过）" in first.grounds
    assert second.status == "valid"
    assert third.status == "rejected" and "投标保证金不合格（12号令第25条第1项" in third.grounds and "未缴纳" in third.grounds
    assert ev.status == "scoring"
    assert len(evaluation.review_view(session, actor_of(room, members(ev)[1]), ev.id).results) == 6 * 3
    with pytest.raises(Conflict, match="资格和符合性评审"):  # out of step: the review is over
        evaluation.mark_review(session, clock, actor_of(room, chair), ev.id, second.id, {})
    with pytest.raises(RuleViolation):  # a rejected bid is never scored
        evaluation.save_scores(session, clock, actor_of(room, chair), ev.id, first.id, {typed(ev)[0].id: "10"})


def test_a_member_may_overrule_the_platforms_answer_only_with_a_reason(session, clock, store, world):
    room = build_room(session, clock, store, world, unpaid=(3,))
    ev = set_up(session, clock, world, room)
    seat_everyone(session, clock, room, ev)
    elect(session, clock, room, ev)
    bond = next(c for c in ev.criteria if c.kind == "bond")
    third = ev.bidders[2]
    actor = actor_of(room, members(ev)[0])
    with pytest.raises(InvalidInput):
        evaluation.mark_review(session, clock, actor, ev.id, third.id, {bond.id: (True, "")})
    mark = evaluation.mark_review(session, clock, actor, ev.id, third.id, {bond.id: (True, "已线下核验到账凭证")})[0]
    assert mark.passed and not mark.automatic


# --- scoring ----------------------------------------------------------------------------------------------------------


def test_scoring_waits_for_the_review(session, clock, world, room):
    ev = set_up(session, clock, world, room)
    seat_everyone(session, clock, room, ev)
    chair = elect(session, clock, room, ev)
    with pytest.raises(Conflict, match="资格和符合性评审"):
        evaluation.save_scores(session, clock, actor_of(room, chair), ev.id, ev.bidders[0].id, {typed(ev)[0].id: "10"})


def test_bad_scores_are_refused(session, clock, world, room):
    ev = through_review(session, clock, world, room)
    actor, bidder = actor_of(room, members(ev)[0]), ev.bidders[0]
    design = typed(ev)[0]  # 20 points
    price = next(c for c in ev.criteria if c.kind == "price")
    for bad in ("20.01", "-1", "10.005", "abc", "NaN", "1e9"):
        with pytest.raises(InvalidInput):
            evaluation.save_scores(session, clock, actor, ev.id, bidder.id, {design.id: bad})
    with pytest.raises(InvalidInput, match="价格分"):
        evaluation.save_scores(session, clock, actor, ev.id, bidder.id, {price.id: "40"})
    assert evaluation.save_scores(session, clock, actor, ev.id, bidder.id, {design.id: "19.50"})[0].points == Decimal("19.50")
    with pytest.raises(Conflict, match="未打分"):
        evaluation.submit_scores(session, clock, actor, ev.id)
    with pytest.raises(NotPermitted):
        evaluation.save_scores(session, clock, world.expert, ev.id, bidder.id, {design.id: "10"})
    with pytest.raises(NotPermitted):
        evaluation.save_scores(session, clock, world.bidders[0], ev.id, bidder.id, {design.id: "10"})


def test_an_expert_sees_the_others_scores_only_after_submitting_and_the_agent_never_during(session, clock, world, room):
    ev = through_review(session, clock, world, room)
    score_all(session, clock, room, ev, submit_scores=False)
    first, second = members(ev)[0], members(ev)[1]
    view = evaluation.score_view(session, actor_of(room, first), ev.id)
    assert not view.others_visible and {s.member_id for s in view.scores} == {first.id}
    evaluation.submit_scores(session, clock, actor_of(room, first), ev.id)
    view = evaluation.score_view(session, actor_of(room, first), ev.id)
    assert view.others_visible and {s.member_id for s in view.scores} == {first.id}  # never the others' drafts
    evaluation.submit_scores(session, clock, actor_of(room, second), ev.id)
    view = evaluation.score_view(session, actor_of(room, first), ev.id)
    assert {s.member_id for s in view.scores} == {first.id, second.id}
    with pytest.raises(Conflict):  # submitted scores are final
        evaluation.save_scores(session, clock, actor_of(room, first), ev.id, ev.bidders[0].id, {typed(ev)[0].id: "1"})
    assert not evaluation.score_view(session, actor_of(room, members(ev)[2]), ev.id).others_visible
    assert evaluation.score_view(session, world.supervisor, ev.id).others_visible
    for outsider in (world.agent, world.tenderee):
        with pytest.raises(NotPermitted, match="退出评标室"):
            evaluation.score_view(session, outsider, ev.id)
        with pytest.raises(NotPermitted):
            evaluation.committee_result(session, outsider, ev.id)
    for outsider in (world.other_agent, world.bidders[0], world.expert):
        with pytest.raises(NotPermitted):
            evaluation.score_view(session, outsider, ev.id)


def test_last_submission_computes_the_price_scores_and_the_result(session, clock, world, room):
    ev = through_review(session, clock, world, room)
    score_all(session, clock, room, ev)
    assert ev.status == "report" and ev.result is not None
    result = evaluation.committee_result(session, world.supervisor, ev.id)
    # mean 9,433,333.33 × 0.98 = 9,244,666.67; bidder 2 at 9,000,000 is 2.65% below: 40 − 2.65 = 37.35
    by_key = {b["key"]: b for b in result["bidders"]}
    second = by_key[str(ev.bidders[1].id)]
    assert second["rank"] == 1 and Decimal(second["final"]) == Decimal("80.00") * Decimal("0.6") + Decimal("37.35")
    assert result["candidates"] == [b["key"] for b in result["bidders"]]
    assert evaluation.recompute(session, world.supervisor, ev.id)
    with pytest.raises(NotPermitted):
        evaluation.recompute(session, world.agent, ev.id)


# --- clarifications and abnormally low prices -------------------------------------------------------------------------


def test_clarification_asked_by_the_chair_and_answered_by_that_bidder_only(session, clock, world, room):
    ev = through_review(session, clock, world, room)
    chair, other = chair_actor(room, ev), actor_of(room, members(ev)[1])
    target = ev.bidders[0]
    deadline = clock.now() + timedelta(hours=1)
    with pytest.raises(NotPermitted):
        evaluation.ask_clarification(session, clock, other, ev.id, target.id, "请说明混凝土单价的组成。", deadline)
    with pytest.raises(InvalidInput):
        evaluation.ask_clarification(session, clock, chair, ev.id, target.id, "请说明混凝土单价的组成。",
                                     clock.now() - timedelta(minutes=1))
    item = evaluation.ask_clarification(session, clock, chair, ev.id, target.id, "请说明混凝土单价的组成。", deadline)
    for stranger in (world.bidders[1], world.agent, world.expert):
        with pytest.raises(NotFound):
            evaluation.answer_clarification(session, clock, stranger, item.id, "答复")
    assert evaluation.clarifications_for_bidder(session, world.bidders[0]) == [item]
    assert evaluation.clarifications_for_bidder(session, world.bidders[1]) == []
    evaluation.answer_clarification(session, clock, world.bidders[0], item.id, "单价含材料、人工和机械台班费用。")
    with pytest.raises(Conflict):
        evaluation.answer_clarification(session, clock, world.bidders[0], item.id, "再答一次")
    assert evaluation.clarifications(session, other, ev.id)[0].answer.startswith("单价含")
    with pytest.raises(NotPermitted):
        evaluation.clarifications(session, world.agent, ev.id)
    late = evaluation.ask_clarification(session, clock, chair, ev.id, target.id, "请补充说明工期安排。",
                                        clock.now() + timedelta(minutes=30))
    clock.advance(timedelta(minutes=31))
    with pytest.raises(DeadlinePassed):
        evaluation.answer_clarification(session, clock, world.bidders[0], late.id, "工期安排如下。")


def test_an_abnormally_low_price_must_be_justified_then_is_decided(session, clock, store, world):
    room = build_room(session, clock, store, world, prices={1: "9500000.00", 2: "6000000.00", 3: "9800000.00"})
    ev = through_review(session, clock, world, room)
    assert ev.status == "low_price"
    low = ev.bidders[1]
    assert low.low_price == "flagged" and [b.low_price for b in ev.bidders] == ["", "flagged", ""]
    request_ = evaluation.clarifications_for_bidder(session, world.bidders[1])[0]
    assert request_.kind == "low_price" and "第二十一条" in request_.question
    chair = chair_actor(room, ev)
    with pytest.raises(Conflict, match="尚未提交"):
        evaluation.decide_low_price(session, clock, chair, ev.id, low.id, False, "不能说明")
    with pytest.raises(Conflict):  # scoring waits for the decision
        evaluation.save_scores(session, clock, chair, ev.id, ev.bidders[0].id, {typed(ev)[0].id: "10"})
    evaluation.answer_clarification(session, clock, world.bidders[1], request_.id, "本公司自有砂石料场，材料成本较低。")
    with pytest.raises(NotPermitted):
        evaluation.decide_low_price(session, clock, actor_of(room, members(ev)[1]), ev.id, low.id, False, "理由")
    evaluation.decide_low_price(session, clock, chair, ev.id, low.id, False, "未提供料场权属和成本测算证明")
    session.commit()
    assert low.status == "rejected" and low.low_price == "rejected" and "低于成本" in low.grounds
    assert ev.status == "scoring"
    score_all(session, clock, room, ev)
    inputs = evaluation.committee_result(session, world.supervisor, ev.id)
    assert str(low.id) not in {b["key"] for b in inputs["bidders"]}  # nor in the base price


def test_silence_past_the_deadline_lets_the_committee_decide(session, clock, store, world):
    room = build_room(session, clock, store, world, prices={1: "9500000.00", 2: "6000000.00", 3: "9800000.00"})
    ev = through_review(session, clock, world, room, low_price_answer_minutes=30)
    clock.advance(timedelta(minutes=31))
    evaluation.decide_low_price(session, clock, chair_actor(room, ev), ev.id, ev.bidders[1].id, True,
                                "报价与本地同类工程造价相符")
    assert ev.bidders[1].status == "valid" and ev.bidders[1].low_price == "accepted" and ev.status == "scoring"


# --- the lowest evaluated price ---------------------------------------------------------------------------------------


def test_lowest_evaluated_price_with_the_committees_adjustments(session, clock, store, world):
    room = build_room(session, clock, store, world, method="lowest_evaluated_price")
    with pytest.raises(InvalidInput):
        evaluation.set_up(session, clock, world.agent, room.tender.id, 1, default_setup())
    ev = through_review(session, clock, world, room, score_items=(), price_rule=None)
    assert ev.status == "pricing" and not typed(ev)
    chair = chair_actor(room, ev)
    cheapest = ev.bidders[1]  # 9,000,000
    with pytest.raises(InvalidInput):
        evaluation.adjust_price(session, clock, chair, ev.id, cheapest.id, "0", "无")
    with pytest.raises(NotPermitted):
        evaluation.adjust_price(session, clock, actor_of(room, members(ev)[1]), ev.id, cheapest.id, "1", "理由充分")
    evaluation.adjust_price(session, clock, chair, ev.id, cheapest.id, "600000.00", "付款条件偏离，按招标文件折算")
    evaluation.finish_pricing(session, clock, chair, ev.id)
    session.commit()
    result = evaluation.committee_result(session, actor_of(room, members(ev)[2]), ev.id)
    assert [(b["key"], b["final"]) for b in result["bidders"]] == [
        (str(ev.bidders[0].id), "9500000.00"), (str(ev.bidders[1].id), "9600000.00"), (str(ev.bidders[2].id), "9800000.00")]
    assert ev.status == "report" and result["candidates"][0] == str(ev.bidders[0].id)


# --- representatives and other sections -------------------------------------------------------------------------------


def test_tenderee_representatives_sit_score_and_are_not_chair(session, clock, store, world):
    room = build_room(session, clock, store, world, main=4, sub=0, representatives=1)
    ev = set_up(session, clock, world, room)
    assert ev.status == "representatives"
    rep_user = world.users["tenderee"]
    with pytest.raises(NotPermitted):
        evaluation.name_representatives(session, clock, world.agent, ev.id, [rep_user.id])
    with pytest.raises(InvalidInput):  # not a user of the tenderee
        evaluation.name_representatives(session, clock, world.tenderee, ev.id, [world.users["agent"].id])
    with pytest.raises(Conflict):  # nobody signs in before the committee is complete
        evaluation.sign_in(session, clock, actor_of(room, members(ev)[0]), ev.id, "工位")
    evaluation.name_representatives(session, clock, world.tenderee, ev.id, [rep_user.id])
    room.actors[rep_user.id] = world.tenderee
    assert ev.status == "sign_in" and len(members(ev)) == 5
    seat_everyone(session, clock, room, ev)
    rep = next(m for m in members(ev) if m.kind == "representative")
    with pytest.raises(RuleViolation):
        evaluation.vote_chair(session, clock, world.tenderee, ev.id, rep.id)
    elect(session, clock, room, ev)
    # as a member the representative sees the review; the agent still does not
    assert evaluation.review_view(session, world.tenderee, ev.id).marks
    review_all(session, clock, room, ev)
    evaluation.close_review(session, clock, chair_actor(room, ev), ev.id)
    score_all(session, clock, room, ev)
    result = evaluation.committee_result(session, world.tenderee, ev.id)
    assert str(rep.id) in result["bidders"][0]["totals"]


def test_an_expert_cannot_act_on_another_sections_evaluation(session, clock, store, world):
    room, ev1, ev2 = two_sections(session, clock, store, world)
    outsider = actor_of(room, members(ev1)[0])
    assert outsider.user_id not in {m.user_id for m in ev2.members}
    for call in (lambda: evaluation.sign_in(session, clock, outsider, ev2.id, "工位"),
                 lambda: evaluation.vote_chair(session, clock, outsider, ev2.id, members(ev2)[0].id),
                 lambda: evaluation.score_view(session, outsider, ev2.id),
                 lambda: evaluation.save_scores(session, clock, outsider, ev2.id, ev2.bidders[0].id, {1: "1"})):
        with pytest.raises(NotPermitted):
            call()
    evaluation.sign_in(session, clock, outsider, ev1.id, "工位")
    with pytest.raises(NotFound):  # a bid of section 2 is not before section 1's committee
        evaluation.declare(session, clock, outsider, ev1.id, ev2.bidders[0].id, "与该投标人存在利害关系")


def test_the_committee_reads_the_decrypted_bid_documents_after_its_declaration(session, clock, store, world, room):
    ev = set_up(session, clock, world, room)
    first = members(ev)[0]
    evaluation.sign_in(session, clock, actor_of(room, first), ev.id, "杭州工位 1")
    with pytest.raises(Conflict, match="回避声明"):
        evaluation.bid_documents(session, actor_of(room, first), ev.id)
    evaluation.declare(session, clock, actor_of(room, first), ev.id)
    documents = evaluation.bid_documents(session, actor_of(room, first), ev.id)
    assert [len(files) for _, files in documents] == [1, 1, 1]
    document = documents[0][1][0]
    assert store.open(document.sha256).read().startswith(b"%PDF")
    assert evaluation.bid_document(session, world.supervisor, ev.id, document.id) is document
    for outsider in (world.agent, world.tenderee, world.bidders[0], world.expert):
        with pytest.raises(NotPermitted):
            evaluation.bid_documents(session, outsider, ev.id)
    with pytest.raises(NotFound):
        evaluation.bid_document(session, actor_of(room, first), ev.id, 999999)
