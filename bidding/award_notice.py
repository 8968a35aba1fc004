"""The award notice (中标通知书) to the winner and the result notice (中标结果通知书) to every other bidder
(法第45条), each a record signed by the tenderee's PIN and delivered on the platform (电子办法第37条).

When: after the decision — at once where the rule set publishes no result, otherwise once the result's publicity
is over — and never while anything could still change the result: a suspension, a running publicity, an
unanswered objection (条例第54条) or a complaint not yet rejected or decided. The contract is then due within 30
days of the notice (法第46条), see :mod:`bidding.bond_release`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import award_rules, award_state, complaints, publicity
from bidding.access import manages
from bidding.award import is_tenderee
from bidding.award_models import Award, AwardNotice
from bidding.bond_release import contract_due  # noqa: F401  (re-exported: the notice's consequence)
from bidding.models import Bid
from bidding.notices import Signing
from core.actor import Actor, Role
from core.clock import Clock, shanghai_text
from core.errors import N_, Conflict, NotFound, NotPermitted
from core.files import FileStore
from core.identity import Organisation
from signing import ledger, records, seal, signed_records

AWARD_KIND = "award_notice"
RESULT_KIND = "result_notice"
KINDS = (AWARD_KIND, RESULT_KIND)
KIND_LABELS = {"award": N_("中标通知书"), "result": N_("中标结果通知书")}


def notice_record(award: Award, bidder: Organisation, kind: str, record_id: str, issued_at: datetime,
                  signer: str) -> records.Record:
    tender, section = award.tender, award.section
    winner = award.winner.name if award.winner is not None else "—"
    price = publicity.winning_price(award)
    price_text = f"{price:,.2f}" if price is not None else "—"
    due = shanghai_text(issued_at + timedelta(days=award_rules.CONTRACT_DAYS))
    facts = records.Facts([
        ("项目编号", tender.code),
        ("项目名称", tender.title),
        ("标段", f"第 {section.number} 标段 {section.name}"),
        ("招标人", tender.tenderee.name),
        ("招标代理机构", tender.agent.name),
        ("致", bidder.name),
        ("中标人", winner),
        ("中标价（元）", price_text),
        ("发出时间", shanghai_text(issued_at)),
    ])
    if kind == "award":
        title = f"{tender.title} 第{section.number}标段 中标通知书"
        body = (f"{bidder.name}：\n经评标委员会评审、招标人依法定标，确定贵单位为本标段中标人，中标价 {price_text} 元。"
                f"请于 {due} 前，按照招标文件和贵单位的投标文件与招标人订立书面合同（《招标投标法》第四十六条），"
                "合同的标的、价款、质量、履行期限等主要条款应当与招标文件和中标人的投标文件内容一致（条例第五十七条）；"
                "招标文件要求提交履约保证金的，请在订立合同前提交。")
    else:
        title = f"{tender.title} 第{section.number}标段 中标结果通知书"
        body = (f"{bidder.name}：\n感谢贵单位参加本标段投标。经评标委员会评审、招标人依法定标，本标段中标人为 {winner}，"
                f"中标价 {price_text} 元（《招标投标法》第四十五条）。贵单位的投标保证金将在合同签订后依法退还。")
    return records.Record(kind=AWARD_KIND if kind == "award" else RESULT_KIND, title=title, tender_code=tender.code,
                          record_id=record_id,
                          blocks=[facts, records.Paragraph(body), records.SignaturePlaces([signer])])


def _ready(session: Session, clock: Clock, award: Award) -> str:
    """The status the notices leave from, or the reason they must wait."""
    award_state.require_not_suspended(award.tender)
    rules = award_rules.rule_set(award.rule_set)
    if award.status == "decided" and rules.result_publicity_days > 0:
        raise Conflict(N_("本项目适用的规则要求先公示中标结果，公示期满后才能发出中标通知书。"))
    if award.status not in ("decided", "result_publicity"):
        raise Conflict(N_("定标后才能发出中标通知书。"))
    for shown in publicity.publicities_of(session, award.id):
        publicity.end_if_due(session, clock, shown)
        if shown.status == "running":
            raise Conflict(N_("公示期尚未结束，不能发出中标通知书（%(rule)s）。"), rule=N_("条例第54条"))
    if publicity.unanswered_objections(session, award.id):
        raise Conflict(N_("异议尚未答复，答复前应当暂停招标投标活动（%(rule)s）。"), rule=N_("条例第54条"))
    if complaints.open_complaints(session, award.tender_id):
        raise Conflict(N_("投诉尚未处理完毕，不能发出中标通知书。"))
    return award.status


def issue_notices(session: Session, clock: Clock, actor: Actor, award_id: int, signing: Signing) -> list[AwardNotice]:
    """The tenderee signs and sends the award notice to the winner and a result notice to every other bidder
    whose bid was decrypted in the section; the award becomes 'notified'."""
    award = award_state.get_award(session, award_id)
    tender = award.tender
    if not is_tenderee(actor, tender):
        raise NotPermitted(N_("只有本项目的招标人可以发出中标通知书。"))
    expected = _ready(session, clock, award)
    if award.winner_org_id is None:
        raise Conflict(N_("定标后才能发出中标通知书。"))
    now = clock.now()
    bids = session.scalars(select(Bid).where(Bid.section_id == award.section_id, Bid.status == "decrypted")
                           .order_by(Bid.id)).all()
    addressed = [award.winner_org_id] + [b.bidder_org_id for b in bids if b.bidder_org_id != award.winner_org_id]
    rows = []
    for org_id in addressed:
        bidder = session.get(Organisation, org_id)
        kind = "award" if org_id == award.winner_org_id else "result"
        record_id = signed_records.new_record_id()
        record = notice_record(award, bidder, kind, record_id, now, actor.name)
        pdf = seal.sign_as_person(session, clock, signing.settings, actor.user_id, signing.pin, records.render(record),
                                  field_name="tenderee", reason=f"发出{'中标通知书' if kind == 'award' else '中标结果通知书'} "
                                                                f"{tender.code}")
        signed_records.register(session, clock, actor, signing.store, record_id=record_id, kind=record.kind,
                                title=record.title, content_sha256=records.content_digest(record), pdf=pdf,
                                tender_id=tender.id, subject_id=award.id)
        row = AwardNotice(award_id=award.id, tender_id=tender.id, bidder_org_id=org_id, kind=kind,
                          record_id=record_id, issued_at=now)
        session.add(row)
        rows.append(row)
    session.flush()
    award_state.move(session, clock, actor, award, expected, "notified", "award.notify", values={"notified_at": now},
                     note={"notices": [r.id for r in rows], "contract_due": now + timedelta(days=award_rules.CONTRACT_DAYS)})
    award_state.sync_tender(session, clock, tender)
    return rows


def notices_of_award(session: Session, award_id: int) -> list[AwardNotice]:
    return list(session.scalars(select(AwardNotice).where(AwardNotice.award_id == award_id).order_by(AwardNotice.id)))


def my_notices(session: Session, actor: Actor) -> list[AwardNotice]:
    """The notices addressed to the bidder's organisation, newest first."""
    if not actor.has(Role.BIDDER) or actor.org_id is None:
        raise NotPermitted(N_("您没有执行此操作的权限。"))
    return list(session.scalars(select(AwardNotice).where(AwardNotice.bidder_org_id == actor.org_id)
                                .order_by(AwardNotice.issued_at.desc(), AwardNotice.id.desc())))


def _visible(session: Session, actor: Actor, notice_id: int) -> AwardNotice:
    notice = session.get(AwardNotice, notice_id)
    if notice is None:
        raise NotFound(N_("通知书不存在。"))
    award = award_state.get_award(session, notice.award_id)
    addressed = actor.has(Role.BIDDER) and actor.org_id == notice.bidder_org_id
    if not (addressed or manages(actor, award.tender) or actor.has(Role.SUPERVISOR)):
        raise NotFound(N_("通知书不存在。"))
    return notice


def notice_of_record(session: Session, actor: Actor, record_id: str) -> AwardNotice:
    """The notice a signed record is, if ``actor`` may read it (the addressed bidder, managers, supervisors)."""
    notice = session.scalars(select(AwardNotice).where(AwardNotice.record_id == record_id)).first()
    if notice is None:
        raise NotFound(N_("通知书不存在。"))
    return _visible(session, actor, notice.id)


def mark_read(session: Session, clock: Clock, actor: Actor, notice_id: int) -> AwardNotice:
    """The addressed bidder opened the notice: the time of receipt is on the record (电子签名法第11条)."""
    notice = _visible(session, actor, notice_id)
    if not (actor.has(Role.BIDDER) and actor.org_id == notice.bidder_org_id):
        raise NotPermitted(N_("只有收件投标人可以确认收到通知书。"))
    if notice.read_at is None:
        notice.read_at = clock.now()
        session.flush()
        ledger.append(session, clock, actor, "award_notice.read", "award_notice", notice.id,
                      tender_id=notice.tender_id, after={"read_at": notice.read_at})
    return notice


def notice_pdf(session: Session, actor: Actor, notice_id: int, store: FileStore) -> bytes:
    """The signed notice: the addressed bidder, the tender's managers and supervisors."""
    notice = _visible(session, actor, notice_id)
    with store.open(signed_records.get(session, notice.record_id).pdf_sha256) as handle:
        return handle.read()
