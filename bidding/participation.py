"""What bidders do before the deadline: obtain documents, ask questions, object (异议)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import rules
from bidding.access import manages, require_manager, require_role
from bidding.lifecycle import transition
from bidding.models import DocumentObtained, Objection, Question, Tender, TenderDocument
from bidding.tenders import document, get_tender
from core.actor import Actor, Role
from core.clock import Clock
from core.errors import N_, Conflict, DeadlinePassed, InvalidInput, NotFound, NotPermitted
from core.identity import Organisation
from signing import ledger

MAX_TEXT = 5000


def approved_bidder(session: Session, actor: Actor) -> Organisation:
    require_role(actor, Role.BIDDER)
    org = session.get(Organisation, actor.org_id) if actor.org_id else None
    if org is None or org.status != "approved":
        raise NotPermitted(N_("贵单位尚未通过企业入库审核，暂不能参与投标。"))
    return org


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) < 2 or len(value) > MAX_TEXT:
        raise InvalidInput(N_("请填写 2 到 %(max)s 字的内容。"), field=field, max=MAX_TEXT)
    return value


def obtained(session: Session, tender_id: int, org_id: int | None) -> DocumentObtained | None:
    if org_id is None:
        return None
    return session.scalars(
        select(DocumentObtained).where(DocumentObtained.tender_id == tender_id, DocumentObtained.bidder_org_id == org_id)
    ).one_or_none()


def obtain_documents(session: Session, clock: Clock, actor: Actor, tender_id: int) -> DocumentObtained:
    """获取招标文件 within the sale period (条例第16条); recorded once per bidder."""
    tender = get_tender(session, actor, tender_id)
    org = approved_bidder(session, actor)
    existing = obtained(session, tender.id, org.id)
    if existing:
        return existing
    now = clock.now()
    if tender.status != "published":
        raise Conflict(N_("该项目当前不在招标中。"))
    if now < tender.sale_start:
        raise DeadlinePassed(N_("招标文件发售尚未开始。"))
    if now > tender.sale_end:
        raise DeadlinePassed(N_("招标文件发售期已结束。"))
    record = DocumentObtained(tender_id=tender.id, bidder_org_id=org.id, user_id=actor.user_id, obtained_at=now)
    session.add(record)
    session.flush()
    ledger.append(session, clock, actor, "documents.obtain", "tender", tender.id, tender_id=tender.id,
                  after={"bidder_org_id": org.id})
    return record


def document_for_download(session: Session, actor: Actor, tender_id: int, document_id: int) -> TenderDocument:
    """Bidders who obtained the documents, the tender's managers and supervisors may download."""
    tender, doc = document(session, actor, tender_id, document_id)
    if manages(actor, tender) or actor.has(Role.SUPERVISOR):
        return doc
    if actor.has(Role.BIDDER) and obtained(session, tender.id, actor.org_id):
        return doc
    raise NotPermitted(N_("请先获取招标文件。"))


def obtainers(session: Session, clock: Clock, actor: Actor, tender_id: int) -> list[DocumentObtained]:
    """Who obtained the documents: supervisors always, managers only after the deadline (法第22条)."""
    tender = get_tender(session, actor, tender_id)
    if actor.has(Role.SUPERVISOR):
        pass
    elif manages(actor, tender) and clock.now() >= tender.bid_deadline:
        pass
    else:
        raise NotPermitted(N_("投标截止前，获取招标文件的潜在投标人名称和数量对任何人保密（法第22条）。"))
    return list(
        session.scalars(
            select(DocumentObtained).where(DocumentObtained.tender_id == tender.id).order_by(DocumentObtained.obtained_at)
        )
    )


def ask_question(session: Session, clock: Clock, actor: Actor, tender_id: int, body: str) -> Question:
    tender = get_tender(session, actor, tender_id)
    org = approved_bidder(session, actor)
    if not obtained(session, tender.id, org.id):
        raise NotPermitted(N_("请先获取招标文件。"))
    if tender.status != "published":
        raise Conflict(N_("该项目当前不在招标中。"))
    if clock.now() > tender.clarification_deadline:
        raise DeadlinePassed(N_("澄清截止时间已过，不能再提问。"))
    question = Question(tender_id=tender.id, asker_org_id=org.id, body=_text(body, "body"), asked_at=clock.now())
    session.add(question)
    session.flush()
    ledger.append(session, clock, actor, "question.ask", "question", question.id, tender_id=tender.id)
    return question


def _answer(session: Session, clock: Clock, actor: Actor, tender: Tender, row: Question | Objection | None,
            answer: str, missing: str, answered: str) -> None:
    """Record the manager's answer to a question or objection, once, on the ledger."""
    if row is None or row.tender_id != tender.id:
        raise NotFound(missing)
    if row.answer is not None:
        raise Conflict(answered)
    row.answer = _text(answer, "answer")
    row.answered_at = clock.now()
    row.answered_by = actor.user_id
    session.flush()
    kind = "question" if isinstance(row, Question) else "objection"
    ledger.append(session, clock, actor, f"{kind}.answer", kind, row.id, tender_id=tender.id)


def answer_question(session: Session, clock: Clock, actor: Actor, tender_id: int, question_id: int,
                    answer: str) -> Question:
    tender = get_tender(session, actor, tender_id)
    require_manager(actor, tender)
    question = session.get(Question, question_id)
    _answer(session, clock, actor, tender, question, answer, N_("问题不存在。"), N_("该问题已答复。"))
    return question


def questions(session: Session, tender: Tender, *, answered_only: bool) -> list[Question]:
    query = select(Question).where(Question.tender_id == tender.id).order_by(Question.asked_at)
    if answered_only:
        query = query.where(Question.answer.is_not(None))
    return list(session.scalars(query))


def raise_objection(session: Session, clock: Clock, actor: Actor, tender_id: int, body: str) -> Objection:
    """异议 to the documents (条例第22条): the tender is suspended until the answer (T8)."""
    tender = get_tender(session, actor, tender_id)
    org = approved_bidder(session, actor)
    if not obtained(session, tender.id, org.id):
        raise NotPermitted(N_("请先获取招标文件。"))
    if tender.status not in {"published", "suspended"}:
        raise Conflict(N_("该项目当前不在招标中。"))
    rules.check_objection_time(clock.now(), tender.bid_deadline)
    objection = Objection(tender_id=tender.id, bidder_org_id=org.id, body=_text(body, "body"), raised_at=clock.now())
    session.add(objection)
    session.flush()
    ledger.append(session, clock, actor, "objection.raise", "objection", objection.id, tender_id=tender.id)
    if tender.status == "published":
        transition(session, clock, actor, tender, "published", "suspended", "tender.suspend",
                   values={"resume_status": "published"}, note={"reason": "objection", "objection_id": objection.id})
    return objection


def answer_objection(session: Session, clock: Clock, actor: Actor, tender_id: int, objection_id: int,
                     answer: str) -> Objection:
    """The answer resumes the tender once no objection is left open (条例第22条)."""
    tender = get_tender(session, actor, tender_id)
    require_manager(actor, tender)
    objection = session.get(Objection, objection_id)
    _answer(session, clock, actor, tender, objection, answer, N_("异议不存在。"), N_("该异议已答复。"))
    if tender.status == "suspended" and not open_objections(session, tender.id):
        transition(session, clock, actor, tender, "suspended", tender.resume_status or "published", "tender.resume",
                   values={"resume_status": None})
    return objection


def open_objections(session: Session, tender_id: int) -> list[Objection]:
    return list(session.scalars(select(Objection).where(Objection.tender_id == tender_id, Objection.answer.is_(None))))


def objections(session: Session, actor: Actor, tender: Tender) -> list[Objection]:
    """The objections a person may read: managers and supervisors all, a bidder its own."""
    query = select(Objection).where(Objection.tender_id == tender.id).order_by(Objection.raised_at)
    if not (manages(actor, tender) or actor.has(Role.SUPERVISOR)):
        if not actor.has(Role.BIDDER):
            return []
        query = query.where(Objection.bidder_org_id == actor.org_id)
    return list(session.scalars(query))
