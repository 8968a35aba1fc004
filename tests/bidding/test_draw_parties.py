"""What the bidding layer hands the expert draw: the section's tenderee, agent and bidders as plain values, and the
procurement checks before a committee is drawn (a failed section, a tender that is no longer drawable)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bidding import bids, draw_parties, participation
from bidding.models import Tender
from core.errors import Conflict, NotFound, NotPermitted, RuleViolation
from core.identity import Organisation
from expert_pool import draw
from expert_pool.draw import GroupRequest
from expert_pool.recusal import OrgRef
from tests.bidding.sealing import sealed, submit
from tests.expert_pool.helpers import add_experts, request, row
from tests.world import encryption_key, ensure_signing, published_tender

SECTIONS = [{"name": "一标段", "estimated_price": "10000000.00", "bond_amount": "200000.00"},
            {"name": "二标段", "estimated_price": "5000000.00", "bond_amount": "100000.00"}]


@pytest.fixture
def tender(session, clock, store, world) -> Tender:
    """Two sections; the three bidders obtained the documents and hold keys and certificates."""
    t = published_tender(session, clock, store, world, sections=SECTIONS)
    clock.advance(timedelta(hours=2))
    for i, bidder in enumerate(world.bidders, start=1):
        participation.obtain_documents(session, clock, bidder, t.id)
        ensure_signing(session, clock, world, f"bidder{i}")
        encryption_key(session, clock, world, f"bidder{i}")
    session.commit()
    return t


def _bid(session, clock, store, world, tender, number: int, section: int):
    submission, _ = submit(session, clock, store, world, tender, sealed(session, world, tender, number, section),
                           number, section)
    return submission.bid_id


def _org(session, actor) -> Organisation:
    return session.get(Organisation, actor.org_id)


def test_parties_are_the_tenderee_the_agent_and_the_sections_bidders(session, clock, store, world, tender):
    _bid(session, clock, store, world, tender, 1, 1)
    withdrawn = _bid(session, clock, store, world, tender, 2, 1)
    _bid(session, clock, store, world, tender, 2, 2)
    _bid(session, clock, store, world, tender, 3, 2)
    bids.withdraw(session, clock, world.bidders[1], withdrawn)
    session.commit()

    first = draw_parties.section_parties(session, tender, bids.section_by_number(tender, 1))
    tenderee, agency = _org(session, world.tenderee), _org(session, world.agent)
    assert (first.tender_id, first.section_id) == (tender.id, tender.sections[0].id)
    assert (first.tender_code, first.tender_title, first.bid_deadline) == (tender.code, tender.title,
                                                                          tender.bid_deadline)
    assert first.section_label == "第 1 标段 一标段"
    assert first.tenderee == OrgRef(tenderee.name, tenderee.credit_code, tenderee.id)
    assert first.agent == OrgRef(agency.name, agency.credit_code, agency.id)
    # bidder 2 withdrew from section 1 before the deadline: no party of it; its bid in section 2 counts there only
    assert [b.org_id for b in first.bidders] == [world.bidders[0].org_id]
    assert first.bidders[0].credit_code == _org(session, world.bidders[0]).credit_code

    second = draw_parties.section_parties(session, tender, bids.section_by_number(tender, 2))
    assert {b.org_id for b in second.bidders} == {world.bidders[1].org_id, world.bidders[2].org_id}
    assert second.section_label == "第 2 标段 二标段"


def test_a_resubmitted_bid_names_its_bidder_once_and_a_section_without_bids_has_none(session, clock, store, world,
                                                                                   tender):
    _bid(session, clock, store, world, tender, 1, 1)
    clock.advance(timedelta(minutes=5))
    _bid(session, clock, store, world, tender, 1, 1)  # a new envelope replaces the bid
    parties = draw_parties.section_parties(session, tender, tender.sections[0])
    assert [b.org_id for b in parties.bidders] == [world.bidders[0].org_id]
    assert draw_parties.section_parties(session, tender, tender.sections[1]).bidders == ()


def test_a_section_of_another_tender_is_refused(session, clock, store, world, tender):
    other = published_tender(session, clock, store, world, code="BJ-2026-002")
    with pytest.raises(ValueError):
        draw_parties.section_parties(session, tender, other.sections[0])


def test_a_bidders_staff_are_not_drawn_through_the_section_draw(session, clock, store, world, tender):
    for number in (1, 2, 3):
        _bid(session, clock, store, world, tender, number, 1)
    bidder = _org(session, world.bidders[2])
    experts = add_experts(session, clock, world, [
        *[row(f"专家{i}", i, region="北京市朝阳区") for i in range(1, 6)],
        row("投标人职工", 6, region="北京市朝阳区", employer=bidder.name, credit_code=bidder.credit_code)])
    clock.set(tender.bid_deadline + timedelta(minutes=1))
    made = draw_parties.request_section_draw(session, clock, world.agent, tender.id, 1,
                                             request(clock, GroupRequest("A0101", 5, "北京市")))
    assert experts[5].id not in {p.expert_id for p in made.picks}
    assert made.groups[0].matching == 6 and made.groups[0].pool_size == 5
    assert draw.verify_draw(session, made.id).ok
    assert draw_parties.section_draw(session, world.agent, tender.id, 1, made.id) is made
    with pytest.raises(NotFound):
        draw_parties.section_draw(session, world.agent, tender.id, 2, made.id)
    with pytest.raises(NotFound):
        draw_parties.section_draw(session, world.agent, tender.id, 1, 0)


def test_only_the_tenders_agent_draws(session, clock, store, world, tender):
    add_experts(session, clock, world, [row(f"专家{i}", i, region="北京市朝阳区") for i in range(1, 6)])
    clock.set(tender.bid_deadline + timedelta(minutes=1))
    ask = request(clock, GroupRequest("A0101", 5, "北京市"))
    with pytest.raises(NotPermitted):
        draw_parties.request_section_draw(session, clock, world.other_agent, tender.id, 1, ask)
    with pytest.raises(NotPermitted):  # the tenderee manages the tender, but the agent draws
        draw_parties.request_section_draw(session, clock, world.tenderee, tender.id, 1, ask)
    with pytest.raises(NotFound):
        draw_parties.request_section_draw(session, clock, world.agent, tender.id, 9, ask)


def test_a_failed_section_and_a_finished_tender_get_no_draw(session, clock, store, world, tender):
    for number in (1, 2, 3):
        _bid(session, clock, store, world, tender, number, 1)
    add_experts(session, clock, world, [row(f"专家{i}", i, region="北京市朝阳区") for i in range(1, 6)])
    clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, clock)  # section 2 had no bid: 流标
    assert [s.status for s in tender.sections] == ["proceeding", "failed"]
    ask = request(clock, GroupRequest("A0101", 5, "北京市"))
    with pytest.raises(RuleViolation) as refused:
        draw_parties.request_section_draw(session, clock, world.agent, tender.id, 2, ask)
    assert "已流标" in str(refused.value) and "条例第44条" in str(refused.value)
    tender.status = "awarded"
    with pytest.raises(Conflict) as finished:
        draw_parties.request_section_draw(session, clock, world.agent, tender.id, 1, ask)
    assert "已中标" in str(finished.value)
