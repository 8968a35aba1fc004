"""Creating and publishing tenders: the legal time limits and amounts (domain-rules sections 1 and 2)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from bidding import tenders
from bidding.models import Tender
from bidding.schemas import TenderInput, parse
from core.errors import Conflict, InvalidInput, NotFound, NotPermitted, RuleViolation
from tests.world import draft_with_escrow, published_tender, signing, tender_data, tender_input

# A waived bond states its legal basis.
WAIVED = {"bond_policy": "waived", "bond_waiver_basis": "政府投资项目免收"}


def test_compulsory_tender_needs_twenty_days(session, clock, world):
    data = tender_data(world, clock)
    data["bid_deadline"] = data["sale_start"] + timedelta(days=19, hours=23)
    with pytest.raises(RuleViolation) as refused:
        tenders.create_tender(session, clock, world.agent, parse(TenderInput, data))
    assert refused.value.rule == "法第24条"
    assert "20" in str(refused.value)


def test_non_compulsory_tender_may_be_shorter(session, clock, world):
    data = tender_data(world, clock, is_compulsory=False, is_state_funded=False)
    data["clarification_deadline"] = data["sale_start"] + timedelta(days=6)
    data["bid_deadline"] = data["sale_start"] + timedelta(days=10)
    tender = tenders.create_tender(session, clock, world.agent, parse(TenderInput, data))
    assert tender.status == "draft"


def test_document_sale_period_is_at_least_five_days(session, clock, world):
    data = tender_data(world, clock)
    data["sale_end"] = data["sale_start"] + timedelta(days=4, hours=23)
    with pytest.raises(RuleViolation) as refused:
        tenders.create_tender(session, clock, world.agent, parse(TenderInput, data))
    assert refused.value.rule == "条例第16条"


def test_dates_in_the_past_are_refused(session, clock, world):
    with pytest.raises(InvalidInput) as refused:
        tenders.create_tender(session, clock, world.agent,
                              tender_input(world, clock, sale_start=clock.now() - timedelta(days=1)))
    assert refused.value.field == "sale_start"


def test_clarification_deadline_must_fall_before_the_bid_deadline(session, clock, world):
    data = tender_data(world, clock)
    data["clarification_deadline"] = data["bid_deadline"] + timedelta(hours=1)
    with pytest.raises(InvalidInput):
        tenders.create_tender(session, clock, world.agent, parse(TenderInput, data))


def test_state_funded_compulsory_tender_cannot_be_invited(session, clock, world):
    with pytest.raises(RuleViolation) as refused:
        tenders.create_tender(session, clock, world.agent, tender_input(world, clock, method="invited"))
    assert refused.value.rule == "条例第8条"


def test_section_without_price_is_refused(session, clock, world):
    data = tender_data(world, clock, sections=[{"name": "一标段", **WAIVED}])
    with pytest.raises(InvalidInput) as refused:
        parse(TenderInput, data)
    assert refused.value.field == "sections.0.estimated_price"
    assert "第 1 标段" in str(refused.value)


def test_tender_without_sections_is_refused(clock, world):
    with pytest.raises(InvalidInput):
        parse(TenderInput, tender_data(world, clock, sections=[]))


@pytest.mark.parametrize("price", ["-5", "0", "1000000000000000", "12.345", "abc"])
def test_negative_or_absurd_prices_are_refused(clock, world, price):
    with pytest.raises(InvalidInput):
        parse(TenderInput, tender_data(world, clock, sections=[{"name": "一标段", "estimated_price": price,
                                                                **WAIVED}]))


def test_bid_bond_is_capped_at_two_percent(session, clock, world):
    sections = [{"name": "一标段", "estimated_price": "1000000.00", "bond_amount": "20000.01"}]
    with pytest.raises(RuleViolation) as refused:
        tenders.create_tender(session, clock, world.agent, tender_input(world, clock, sections=sections))
    assert refused.value.rule == "条例第26条"


def test_works_bid_bond_is_capped_at_eight_hundred_thousand(session, clock, world):
    sections = [{"name": "一标段", "estimated_price": "100000000.00", "bond_amount": "800000.01"}]
    with pytest.raises(RuleViolation):
        tenders.create_tender(session, clock, world.agent, tender_input(world, clock, sections=sections))


def test_waived_bond_takes_no_amount_and_required_bond_needs_one(session, clock, world):
    with pytest.raises(InvalidInput):
        tenders.create_tender(session, clock, world.agent, tender_input(
            world, clock, sections=[{"name": "一标段", "estimated_price": "100.00", **WAIVED,
                                     "bond_amount": "1.00"}]))
    with pytest.raises(InvalidInput):
        tenders.create_tender(session, clock, world.agent, tender_input(
            world, clock, sections=[{"name": "一标段", "estimated_price": "100.00"}]))


def test_waiver_without_its_legal_basis_is_refused(session, clock, world):
    with pytest.raises(InvalidInput) as refused:
        tenders.create_tender(session, clock, world.agent, tender_input(
            world, clock, sections=[{"name": "一标段", "estimated_price": "100.00", "bond_policy": "waived"}]))
    assert refused.value.field == "bond_waiver_basis"


def test_waiver_for_a_credit_commitment_accepts_only_the_commitment(session, clock, world):
    tender = tenders.create_tender(session, clock, world.agent, tender_input(
        world, clock, sections=[{"name": "一标段", "estimated_price": "100.00", "bond_policy": "waived_credit_commitment",
                                 "bond_waiver_basis": "政府投资项目以信用承诺替代"}]))
    assert tender.sections[0].accepted_bond_forms == ["credit_commitment"]
    assert tender.sections[0].bond_amount is None


def test_required_bond_must_accept_a_guarantee_instead_of_cash(session, clock, world):
    sections = [{"name": "一标段", "estimated_price": "1000000.00", "bond_amount": "20000.00", "bond_forms": ["cash"]}]
    with pytest.raises(RuleViolation) as refused:
        tenders.create_tender(session, clock, world.agent, tender_input(world, clock, sections=sections))
    assert refused.value.rule == "发改法规〔2023〕27号"


@pytest.mark.parametrize("forms", [[], ["credit_commitment", "cash"], ["gold_bars"]])
def test_required_bond_forms_must_be_real_bond_forms(session, clock, world, forms):
    sections = [{"name": "一标段", "estimated_price": "1000000.00", "bond_amount": "20000.00", "bond_forms": forms}]
    with pytest.raises(InvalidInput):
        tenders.create_tender(session, clock, world.agent, parse(TenderInput, tender_data(world, clock, sections=sections)))


def test_duplicate_tender_code_is_refused_whatever_its_case(session, clock, world):
    tenders.create_tender(session, clock, world.agent, tender_input(world, clock))
    session.commit()
    with pytest.raises(Conflict):
        tenders.create_tender(session, clock, world.agent, tender_input(world, clock, code="bj-2026-001"))


def test_bidder_cannot_create_or_publish(session, clock, world, store):
    with pytest.raises(NotPermitted):
        tenders.create_tender(session, clock, world.bidders[0], tender_input(world, clock))
    tender = tenders.create_tender(session, clock, world.agent, tender_input(world, clock))
    with pytest.raises(NotFound):  # a draft is invisible to bidders
        tenders.publish_tender(session, clock, world.bidders[0], tender.id, signing(store))
    assert tender.status == "draft"


def test_another_agency_cannot_see_a_draft(session, clock, world):
    tender = tenders.create_tender(session, clock, world.agent, tender_input(world, clock))
    with pytest.raises(NotFound):
        tenders.get_tender(session, world.other_agent, tender.id)
    assert tenders.get_tender(session, world.supervisor, tender.id).id == tender.id


def test_publishing_needs_a_document(session, clock, world, store):
    tender = tenders.create_tender(session, clock, world.agent, tender_input(world, clock))
    with pytest.raises(InvalidInput):
        tenders.publish_tender(session, clock, world.agent, tender.id, signing(store))


def test_publishing_rechecks_the_timeline_against_the_clock(session, clock, world, store):
    tender = draft_with_escrow(session, clock, store, world)
    session.commit()
    clock.advance(timedelta(days=6))  # documents would now go out 19 days before the deadline
    with pytest.raises(RuleViolation):
        tenders.publish_tender(session, clock, world.agent, tender.id, signing(store))


def test_published_tender_is_public_and_listed(session, clock, world, store):
    tender = published_tender(session, clock, store, world)
    assert tender.status == "published"
    assert tender.published_at == clock.now()
    page = tenders.public_tenders(session, q="道路")
    assert [t.id for t in page.items] == [tender.id]
    assert tenders.public_tenders(session, category="goods").total == 0
    assert tenders.public_tenders(session, region="朝阳").total == 1


def test_drafts_are_not_listed(session, clock, world):
    tenders.create_tender(session, clock, world.agent, tender_input(world, clock))
    session.commit()
    assert tenders.public_tenders(session).total == 0


def test_document_over_the_size_limit_is_refused_and_not_kept(session, clock, world, store):
    tender = tenders.create_tender(session, clock, world.agent, tender_input(world, clock))
    with pytest.raises(InvalidInput):
        tenders.add_document(session, clock, world.agent, store, tender.id,
                             tenders.Upload("图纸", "big.dwg", "application/octet-stream", io.BytesIO(b"x" * 2048)),
                             max_bytes=1024)
    assert not list((store.root / "tmp").iterdir())
    assert tender.documents == []


def test_same_title_document_becomes_a_new_version(session, clock, world, store):
    tender = tenders.create_tender(session, clock, world.agent, tender_input(world, clock))
    first = tenders.add_document(session, clock, world.agent, store, tender.id,
                                 tenders.Upload("工程量清单", "a.xlsx", "", io.BytesIO(b"one")), 10**6)
    second = tenders.add_document(session, clock, world.agent, store, tender.id,
                                  tenders.Upload("工程量清单", "b.xlsx", "", io.BytesIO(b"two")), 10**6)
    assert (first.version, second.version) == (1, 2)
    assert first.superseded_by_id == second.id
    assert tenders.current_documents(tender) == [second]


def test_editing_a_published_tender_is_refused(session, clock, world, store):
    tender = published_tender(session, clock, store, world)
    with pytest.raises(Conflict):
        tenders.update_tender(session, clock, world.agent, tender.id, tender_input(world, clock, title="改名"))
    assert session.scalars(select(Tender.title)).one() == "道路改造工程施工"
