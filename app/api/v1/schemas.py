"""Response shapes of API v1; with the domain's input shapes they generate the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from bidding.models import Tender
from bidding.tenders import current_documents


class SectionOut(BaseModel):
    number: int
    name: str
    estimated_price: Decimal
    bond_policy: str
    bond_amount: Decimal | None
    bond_forms: list[str]
    bond_waiver_basis: str
    evaluation_method: str


class DocumentOut(BaseModel):
    id: int
    title: str
    version: int
    filename: str
    sha256: str
    size: int


class AmendmentOut(BaseModel):
    number: int
    kind: str
    title: str
    body: str
    published_at: datetime
    old_deadline: datetime
    new_deadline: datetime


class TenderSummary(BaseModel):
    id: int
    code: str
    title: str
    category: str
    region: str
    status: str
    published_at: datetime | None
    bid_deadline: datetime


class TenderOut(TenderSummary):
    method: str
    is_compulsory: bool
    is_state_funded: bool
    description: str
    tenderee: str
    agent: str
    sale_start: datetime
    sale_end: datetime
    clarification_deadline: datetime
    bid_validity_days: int
    award_mode: str
    award_method: str
    award_committee_size: int
    rule_set: str
    sections: list[SectionOut]
    documents: list[DocumentOut]
    amendments: list[AmendmentOut]


class TenderPage(BaseModel):
    items: list[TenderSummary]
    total: int
    page: int
    per_page: int


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class Error(BaseModel):
    error: ErrorBody


def summary(tender: Tender) -> TenderSummary:
    return TenderSummary.model_validate(tender, from_attributes=True)


def detail(tender: Tender) -> TenderOut:
    return TenderOut(
        **summary(tender).model_dump(),
        method=tender.method, is_compulsory=tender.is_compulsory, is_state_funded=tender.is_state_funded,
        description=tender.description, tenderee=tender.tenderee.name, agent=tender.agent.name,
        sale_start=tender.sale_start, sale_end=tender.sale_end, clarification_deadline=tender.clarification_deadline,
        bid_validity_days=tender.bid_validity_days, award_mode=tender.award_mode, award_method=tender.award_method,
        award_committee_size=tender.award_committee_size, rule_set=tender.rule_set,
        sections=[SectionOut(number=s.number, name=s.name, estimated_price=s.estimated_price, bond_policy=s.bond_policy,
                             bond_amount=s.bond_amount, bond_forms=s.accepted_bond_forms,
                             bond_waiver_basis=s.bond_waiver_basis, evaluation_method=s.evaluation_method)
                  for s in tender.sections],
        documents=[DocumentOut.model_validate(d, from_attributes=True) for d in current_documents(tender)],
        amendments=[AmendmentOut.model_validate(a, from_attributes=True) for a in tender.amendments],
    )
