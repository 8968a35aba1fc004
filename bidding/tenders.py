"""Tender plans and tenders: create, document, publish, amend, close (DESIGN.md section 2)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidding import award_rules, rules
from bidding.access import PUBLIC_STATUSES, require_manager, require_role, require_visible
from bidding.bond_waiver import sign_waiver_decision
from bidding.escrow import require_escrow
from bidding.lifecycle import transition
from bidding.models import Amendment, Section, Tender, TenderDocument, TenderPlan
from bidding.notices import Signing, sign_notice
from bidding.schemas import AmendmentInput, BondPolicy, PlanInput, TenderInput
from core.actor import Actor, OrgKind, Role
from core.clock import Clock
from core.errors import N_, Conflict, InvalidInput, NotFound, phrase
from core.files import FileStore
from core.identity import Organisation
from signing import ledger


@dataclass(frozen=True)
class Upload:
    """A file as the adapter received it; ``stream`` is read once, in chunks."""

    title: str
    filename: str
    content_type: str
    stream: BinaryIO


def _tenderee(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None or org.kind != OrgKind.TENDEREE or org.status != "approved":
        raise InvalidInput(N_("招标人不存在或未通过审核。"), field="tenderee_org_id")
    return org


def _require_agent(actor: Actor) -> None:
    require_role(actor, Role.AGENT)


def get_tender(session: Session, actor: Actor, tender_id: int) -> Tender:
    return require_visible(actor, session.get(Tender, tender_id))


# --- tender plans (招标计划) -------------------------------------------------------------------


def create_plan(session: Session, clock: Clock, actor: Actor, data: PlanInput) -> TenderPlan:
    _require_agent(actor)
    _tenderee(session, data.tenderee_org_id)
    if data.expected_notice_date < clock.now() - rules.PAST_TOLERANCE:
        raise InvalidInput(N_("%(label)s不能早于现在。"), field="expected_notice_date", label=phrase(N_("预计发布公告时间")))
    plan = TenderPlan(
        **data.model_dump(),
        agent_org_id=actor.org_id,
        created_by=actor.user_id,
        created_at=clock.now(),
        status="draft",
    )
    session.add(plan)
    session.flush()
    ledger.append(session, clock, actor, "plan.create", "plan", plan.id, after=data.model_dump(mode="json"))
    return plan


def publish_plan(session: Session, clock: Clock, actor: Actor, plan_id: int) -> TenderPlan:
    plan = session.get(TenderPlan, plan_id)
    if plan is None or not (actor.has(Role.AGENT) and actor.org_id == plan.agent_org_id):
        raise NotFound(N_("招标计划不存在。"))
    if plan.status != "draft":
        raise Conflict(N_("招标计划已发布。"))
    plan.status = "published"
    plan.published_at = clock.now()
    ledger.append(session, clock, actor, "plan.publish", "plan", plan.id, before={"status": "draft"},
                  after={"status": "published"})
    return plan


def public_plans(session: Session, limit: int = 50) -> list[TenderPlan]:
    return list(
        session.scalars(
            select(TenderPlan).where(TenderPlan.status == "published").order_by(TenderPlan.published_at.desc()).limit(limit)
        )
    )


def agency_plans(session: Session, actor: Actor) -> list[TenderPlan]:
    _require_agent(actor)
    return list(session.scalars(select(TenderPlan).where(TenderPlan.agent_org_id == actor.org_id).order_by(TenderPlan.id.desc())))


# --- tenders ------------------------------------------------------------------------------------


def _check(session: Session, clock: Clock, actor: Actor, data: TenderInput) -> None:
    _tenderee(session, data.tenderee_org_id)
    if data.plan_id is not None:
        plan = session.get(TenderPlan, data.plan_id)
        if plan is None or plan.agent_org_id != actor.org_id:
            raise InvalidInput(N_("招标计划不存在。"), field="plan_id")
    rules.check_method(data)
    rules.check_timeline(data, clock.now())
    for number, section in enumerate(data.sections, start=1):
        rules.check_section(data.category, number, section)


def _fields(data: TenderInput) -> dict[str, Any]:
    """The tender's own columns, with the award plan checked against its rule set and normalised."""
    plan = award_rules.check_plan(data.award_mode, data.award_method, data.award_committee_size, data.rule_set,
                                  data.award_params, is_compulsory=data.is_compulsory,
                                  is_state_funded=data.is_state_funded)
    fields = data.model_dump(exclude={"sections"})
    fields.update(award_mode=plan.mode, award_method=plan.method, award_committee_size=plan.committee_size,
                  award_params=json.dumps(plan.params, sort_keys=True), rule_set=plan.rule_set)
    return fields


def _sections(data: TenderInput) -> list[Section]:
    return [
        Section(
            number=number,
            name=s.name,
            estimated_price=s.estimated_price,
            bond_policy=s.bond_policy,
            bond_amount=s.bond_amount if s.bond_policy == BondPolicy.REQUIRED else None,
            bond_forms=rules.stored_bond_forms(s),
            bond_waiver_basis=s.bond_waiver_basis if s.bond_policy != BondPolicy.REQUIRED else "",
            evaluation_method=s.evaluation_method,
        )
        for number, s in enumerate(data.sections, start=1)
    ]


def _code_taken(session: Session, code: str, tender_id: int | None = None) -> bool:
    query = select(Tender.id).where(func.lower(Tender.code) == code.lower())
    if tender_id is not None:
        query = query.where(Tender.id != tender_id)
    return session.scalar(query) is not None


def create_tender(session: Session, clock: Clock, actor: Actor, data: TenderInput) -> Tender:
    """A draft tender with its sections; nothing is public until ``publish_tender``."""
    _require_agent(actor)
    _check(session, clock, actor, data)
    if _code_taken(session, data.code):
        raise Conflict(N_("招标项目编号 %(code)s 已被使用。"), field="code", code=data.code)
    fields = _fields(data)
    tender = Tender(
        **fields,
        agent_org_id=actor.org_id,
        status="draft",
        created_by=actor.user_id,
        created_at=clock.now(),
        sections=_sections(data),
    )
    session.add(tender)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent creation took the code between check and insert
        raise Conflict(N_("招标项目编号 %(code)s 已被使用。"), field="code", code=data.code) from exc
    ledger.append(session, clock, actor, "tender.create", "tender", tender.id, tender_id=tender.id,
                  after=data.model_dump(mode="json"))
    return tender


def update_tender(session: Session, clock: Clock, actor: Actor, tender_id: int, data: TenderInput) -> Tender:
    """Edit a draft; a published tender changes only through amendments."""
    tender = get_tender(session, actor, tender_id)
    require_manager(actor, tender)
    _require_agent(actor)
    if tender.status != "draft":
        raise Conflict(N_("已发布的招标项目只能通过澄清或修改变更。"))
    _check(session, clock, actor, data)
    if _code_taken(session, data.code, tender.id):
        raise Conflict(N_("招标项目编号 %(code)s 已被使用。"), field="code", code=data.code)
    for name, value in _fields(data).items():
        setattr(tender, name, value)
    tender.sections.clear()
    session.flush()
    tender.sections.extend(_sections(data))
    ledger.append(session, clock, actor, "tender.update", "tender", tender.id, tender_id=tender.id,
                  after=data.model_dump(mode="json"))
    return tender


def _store(session: Session, clock: Clock, actor: Actor, store: FileStore, tender: Tender, upload: Upload,
           max_bytes: int, amendment: Amendment | None = None) -> TenderDocument:
    title = upload.title.strip() or upload.filename
    if not upload.filename or len(title) > 200 or len(upload.filename) > 255:
        raise InvalidInput(N_("请选择文件，并填写不超过 200 字的文件名称。"), field="file")
    stored = store.put(upload.stream, max_bytes)
    previous = [d for d in tender.documents if d.title == title and d.superseded_by_id is None]
    doc = TenderDocument(
        tender_id=tender.id,
        title=title,
        version=(max(d.version for d in previous) + 1) if previous else 1,
        filename=upload.filename,
        content_type=(upload.content_type or "application/octet-stream")[:100],
        sha256=stored.sha256,
        size=stored.size,
        amendment_id=amendment.id if amendment else None,
        uploaded_by=actor.user_id,
        uploaded_at=clock.now(),
    )
    session.add(doc)
    session.flush()
    for old in previous:
        old.superseded_by_id = doc.id
    tender.documents.append(doc)
    ledger.append(session, clock, actor, "document.add", "document", doc.id, tender_id=tender.id,
                  after={"title": title, "version": doc.version, "sha256": stored.sha256, "size": stored.size})
    return doc


def add_document(session: Session, clock: Clock, actor: Actor, store: FileStore, tender_id: int, upload: Upload,
                 max_bytes: int) -> TenderDocument:
    """Attach a document to a draft (a document of the same title becomes its next version)."""
    tender = get_tender(session, actor, tender_id)
    require_manager(actor, tender)
    if tender.status != "draft":
        raise Conflict(N_("已发布的招标项目只能通过澄清或修改发布新版本文件。"))
    return _store(session, clock, actor, store, tender, upload, max_bytes)


def publish_tender(session: Session, clock: Clock, actor: Actor, tender_id: int, signing: Signing) -> Tender:
    """Make the notice and documents public, with the notice signed by the agent (DESIGN.md section 4).

    The timeline is checked against the clock now; the signature needs the agent's PIN, and a
    wrong PIN publishes nothing.
    """
    tender = get_tender(session, actor, tender_id)
    require_manager(actor, tender)
    _require_agent(actor)
    if tender.status != "draft":
        raise Conflict(N_("招标项目已发布。"))
    if not tender.documents:
        raise InvalidInput(N_("发布前请至少上传一份招标文件。"))
    require_escrow(tender)
    data = tender_input(tender)
    rules.check_method(data)
    rules.check_timeline(data, clock.now(), publishing=True)
    transition(session, clock, actor, tender, "draft", "published", "tender.publish",
               values={"published_at": clock.now()})
    sign_notice(session, clock, actor, tender, signing)
    sign_waiver_decision(session, clock, actor, tender, signing)
    return tender


def tender_input(tender: Tender) -> TenderInput:
    """The tender as the input shape, to re-check rules and to prefill the edit form."""
    return TenderInput.model_construct(
        code=tender.code, title=tender.title, tenderee_org_id=tender.tenderee_org_id, plan_id=tender.plan_id,
        category=tender.category, method=tender.method, is_compulsory=tender.is_compulsory,
        is_state_funded=tender.is_state_funded, region=tender.region, description=tender.description,
        sale_start=tender.sale_start, sale_end=tender.sale_end,
        clarification_deadline=tender.clarification_deadline, bid_deadline=tender.bid_deadline,
        bid_validity_days=tender.bid_validity_days, sections=[], award_mode=tender.award_mode,
        award_method=tender.award_method, award_committee_size=tender.award_committee_size,
        award_params=award_rules.plan_params(tender.award_params), rule_set=tender.rule_set,
    )


def amend_tender(session: Session, clock: Clock, actor: Actor, store: FileStore, tender_id: int,
                 data: AmendmentInput, uploads: list[Upload], max_bytes: int) -> Amendment:
    """Publish a clarification or amendment with new document versions (法第23条)."""
    tender = get_tender(session, actor, tender_id)
    require_manager(actor, tender)
    if tender.status != "published":
        raise Conflict(N_("只有招标中的项目可以澄清或修改。"))
    now = clock.now()
    new_deadline = rules.check_amendment_deadline(now, tender.bid_deadline, data.new_deadline)
    amendment = Amendment(
        tender_id=tender.id,
        number=len(tender.amendments) + 1,
        kind=data.kind,
        title=data.title,
        body=data.body,
        old_deadline=tender.bid_deadline,
        new_deadline=new_deadline,
        published_at=now,
        created_by=actor.user_id,
    )
    session.add(amendment)
    session.flush()
    tender.amendments.append(amendment)
    if new_deadline != tender.bid_deadline:
        shift = new_deadline - tender.bid_deadline
        tender.bid_deadline = new_deadline
        tender.sale_end = max(tender.sale_end, min(tender.sale_end + shift, new_deadline))
        tender.clarification_deadline = min(tender.clarification_deadline + shift, new_deadline)
    ledger.append(session, clock, actor, "tender.amend", "amendment", amendment.id, tender_id=tender.id,
                  before={"bid_deadline": amendment.old_deadline},
                  after={"kind": data.kind, "title": data.title, "bid_deadline": new_deadline})
    for upload in uploads:
        _store(session, clock, actor, store, tender, upload, max_bytes, amendment)
    return amendment


# --- lists ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    items: list[Tender]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def public_tenders(session: Session, *, q: str = "", category: str = "", region: str = "", status: str = "",
                   page: int = 1, per_page: int = 20) -> Page:
    """The public notice list: published tenders, newest first, searchable and filtered."""
    query = select(Tender).where(Tender.status.in_(PUBLIC_STATUSES))
    if q:
        like = f"%{q.strip()[:100]}%"
        query = query.where(or_(Tender.title.ilike(like), Tender.code.ilike(like)))
    if category:
        query = query.where(Tender.category == category)
    if region:
        query = query.where(Tender.region.ilike(f"%{region.strip()[:100]}%"))
    if status:
        query = query.where(Tender.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    items = session.scalars(
        query.order_by(Tender.published_at.desc(), Tender.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(list(items), total, page, per_page)


def managed_tenders(session: Session, actor: Actor) -> list[Tender]:
    require_role(actor, Role.AGENT, Role.TENDEREE)
    column = Tender.agent_org_id if actor.has(Role.AGENT) else Tender.tenderee_org_id
    return list(session.scalars(select(Tender).where(column == actor.org_id).order_by(Tender.id.desc())))


def all_tenders(session: Session, actor: Actor) -> list[Tender]:
    """Every tender, drafts included: the supervisor's view."""
    require_role(actor, Role.SUPERVISOR)
    return list(session.scalars(select(Tender).order_by(Tender.id.desc())))


def current_documents(tender: Tender) -> list[TenderDocument]:
    return [d for d in tender.documents if d.superseded_by_id is None]


def document(session: Session, actor: Actor, tender_id: int, document_id: int) -> tuple[Tender, TenderDocument]:
    tender = get_tender(session, actor, tender_id)
    doc = session.get(TenderDocument, document_id)
    if doc is None or doc.tender_id != tender.id:
        raise NotFound(N_("文件不存在。"))
    return tender, doc
