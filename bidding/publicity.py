"""Publicity (公示) of the candidates and of the award result on the public site, as signed records, and the
scheduler's end of each publicity period.

Why a publicity holds the award: 条例第54条 lets bidders object to the evaluation result only while it is public,
and the award waits until each objection is answered. So the award leaves ``candidates_publicity`` for
``deciding`` only when the period is over, no objection is unanswered and the tender is not suspended; whichever
comes last (the scheduler's :func:`close_due`, the last answer, the supervisor's resume) moves it, through
:func:`advance`, idempotently.

The candidates must be published within 3 days of receiving the report (条例第54条). A late start is not refused
(refusing would only delay the publicity further) but is flagged for the supervisor by :func:`late_publicities`.
The 3 days count from the report's receipt, or from the corrected report's when the tenderee returned it for an
error (the later answer of the chair), because that is when the tenderee held the report it could publish.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from bidding import award_rules, award_state
from bidding.access import manages, require_role
from bidding.award_models import Award, AwardObjection, Publicity
from bidding.evaluation_models import Evaluation
from bidding.models import Tender
from bidding.notices import Signing
from core.actor import Actor, Role
from core.clock import Clock, shanghai_text
from core.errors import N_, Conflict, InvalidInput, NotFound, NotPermitted, RuleViolation
from core.files import FileStore
from signing import ledger, records, seal, signed_records

KIND = "publicity"
KIND_TITLES = {"candidates": "中标候选人公示", "result": "中标结果公示"}
KIND_LABELS = {"candidates": N_("中标候选人公示"), "result": N_("中标结果公示")}
MAX_PUBLICITY_DAYS = 30
MODE_TEXT = {"ranked": "排序推荐", "separated": "不排序推荐（评定分离）"}


def candidates_of(award: Award) -> list[dict[str, Any]]:
    """The candidates as the committee recommended them (ranked ones by rank)."""
    items = json.loads(award.candidates or "[]")
    return sorted(items, key=lambda c: (c.get("rank") is None, c.get("rank") or 0))


def winning_price(award: Award) -> Decimal | None:
    """The winner's bid price as the candidates list carries it (the price the contract must keep, 条例第57条)."""
    for item in candidates_of(award):
        if item.get("org_id") == award.winner_org_id or (
                award.winner_bidder_id is not None and item.get("bidder_id") == award.winner_bidder_id):
            return Decimal(str(item["price"])) if item.get("price") is not None else None
    return None


def publicity_due(award: Award) -> datetime:
    """The last moment to start the candidates' publicity: 3 days after the (corrected) report was received."""
    received = award.report_received_at
    for back in award.returns:
        if back.answered_at is not None and back.answered_at > received:
            received = back.answered_at
    return received + timedelta(days=award_rules.PUBLICITY_START_DAYS)


def unanswered_objections(session: Session, award_id: int) -> list[AwardObjection]:
    return list(session.scalars(select(AwardObjection).where(AwardObjection.award_id == award_id,
                                                             AwardObjection.answer.is_(None))
                                .order_by(AwardObjection.raised_at)))


def publicities_of(session: Session, award_id: int, kind: str | None = None) -> list[Publicity]:
    query = select(Publicity).where(Publicity.award_id == award_id).order_by(Publicity.starts_at, Publicity.id)
    if kind:
        query = query.where(Publicity.kind == kind)
    return list(session.scalars(query))


def get_publicity(session: Session, publicity_id: int) -> Publicity:
    row = session.get(Publicity, publicity_id)
    if row is None:
        raise NotFound(N_("公示不存在。"))
    return row


# --- the record ---------------------------------------------------------------------------------------------------


def _objection_paragraph(ends_at: datetime) -> records.Paragraph:
    return records.Paragraph(
        f"投标人或者其他利害关系人对评标结果有异议的，应当在公示期间（截止 {shanghai_text(ends_at)}）通过本平台"
        "“异议”功能以书面形式向招标人提出，写明异议事项和理由。招标人自收到异议之日起 3 日内作出答复；"
        "作出答复前，暂停招标投标活动（《招标投标法实施条例》第五十四条）。对答复不满意的，可以自收到答复之日起 10 日内"
        "向有关行政监督部门投诉（条例第六十条）。")


def _head(award: Award, kind: str, starts_at: datetime, ends_at: datetime) -> records.Facts:
    tender, section = award.tender, award.section
    return records.Facts([
        ("项目编号", tender.code),
        ("项目名称", tender.title),
        ("标段", f"第 {section.number} 标段 {section.name}"),
        ("招标人", tender.tenderee.name),
        ("招标代理机构", tender.agent.name),
        ("公示类型", KIND_TITLES[kind]),
        ("候选人推荐方式", MODE_TEXT.get(award.mode, award.mode)),
        ("公示期", f"{shanghai_text(starts_at)} 至 {shanghai_text(ends_at)}"),
        ("公示媒介", "本平台公共服务门户（公示内容与其他媒介发布的内容一致）"),
    ])


def _evaluation_blocks(session: Session, award: Award) -> list[records.Block]:
    """评标情况 (10号令第6条): how many bids were reviewed, which were rejected and why."""
    evaluation = session.get(Evaluation, award.evaluation_id)
    bidders = evaluation.bidders if evaluation is not None else []
    rejected = [b for b in bidders if b.status != "valid"]
    blocks: list[records.Block] = [
        records.Heading("评标情况"),
        records.Paragraph(f"本标段共有 {len(bidders)} 家投标人的投标文件进入评审，其中 {len(rejected)} 家被否决，"
                          f"{len(bidders) - len(rejected)} 家通过评审；评标委员会推荐中标候选人 "
                          f"{len(candidates_of(award))} 名。"),
        records.Table(["投标人", "投标报价（元）", "评审结果"],
                      [[b.bidder.name, records.money(b.price), "通过" if b.status == "valid" else f"否决：{b.grounds or '—'}"]
                       for b in bidders] or [["—", "—", "—"]], col_widths=[4, 3, 6]),
    ]
    return blocks


def candidates_record(session: Session, award: Award, record_id: str, starts_at: datetime, ends_at: datetime,
                      publisher: str) -> records.Record:
    """中标候选人公示 (条例第54条, 10号令第6条): candidates with names, prices and rank, the evaluation, the
    channel and method for objections with the deadline."""
    ranked = award.mode == "ranked"
    rows = [[str(c["rank"]) if ranked and c.get("rank") is not None else str(i), c["name"], records.money(c.get("price"))]
            for i, c in enumerate(candidates_of(award), start=1)]
    header = ["排名", "中标候选人", "投标报价（元）"] if ranked else ["序号", "中标候选人（不排序）", "投标报价（元）"]
    return records.Record(
        kind=KIND, title=f"{award.tender.title} 第{award.section.number}标段 中标候选人公示",
        tender_code=award.tender.code, record_id=record_id,
        blocks=[
            _head(award, "candidates", starts_at, ends_at),
            records.Heading("中标候选人"),
            records.Table(header, rows or [["—", "—", "—"]], col_widths=[1, 6, 3]),
            *_evaluation_blocks(session, award),
            records.Heading("提出异议的渠道和方式"),
            _objection_paragraph(ends_at),
            records.SignaturePlaces([publisher]),
        ])


def result_record(award: Award, record_id: str, starts_at: datetime, ends_at: datetime,
                  publisher: str) -> records.Record:
    """中标结果公示: the winner and its price, how it was decided and, for 评定分离, the award committee (whose
    names are confidential until the result, domain-rules section 6)."""
    winner = award.winner.name if award.winner is not None else "—"
    facts = [("中标人", winner), ("中标价（元）", records.money(winning_price(award))),
             ("定标时间", shanghai_text(award.decided_at) if award.decided_at else "—")]
    if award.mode == "separated":
        facts.append(("定标方法", award_rules.METHOD_LABELS.get(award.method, award.method)))
    blocks: list[records.Block] = [_head(award, "result", starts_at, ends_at), records.Heading("中标结果"),
                                   records.Facts(facts)]
    seated = [m.name for m in award.members if m.status == "seated"]
    if seated:
        blocks += [records.Heading("定标委员会成员"), records.Paragraph("、".join(seated))]
    blocks += [records.Heading("提出异议的渠道和方式"), _objection_paragraph(ends_at),
               records.SignaturePlaces([publisher])]
    return records.Record(kind=KIND, title=f"{award.tender.title} 第{award.section.number}标段 中标结果公示",
                          tender_code=award.tender.code, record_id=record_id, blocks=blocks)


# --- starting a publicity -----------------------------------------------------------------------------------------


def _publisher(session: Session, actor: Actor, award_id: int) -> tuple[Award, Tender]:
    award = award_state.get_award(session, award_id)
    tender = award.tender
    if not manages(actor, tender):
        raise NotPermitted(N_("只有本项目的招标代理或招标人可以发布公示。"))
    award_state.require_not_suspended(tender)
    return award, tender


def _days(days: int, least: int) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or days > MAX_PUBLICITY_DAYS:
        raise InvalidInput(N_("公示天数应为不超过 %(max)s 的整数。"), field="days", max=MAX_PUBLICITY_DAYS)
    if days < least:
        raise RuleViolation(N_("公示期不得少于 %(days)s 日（%(rule)s）。"), field="days", days=least,
                            rule=N_("条例第54条"))
    return days


def _publish(session: Session, clock: Clock, actor: Actor, award: Award, kind: str, days: int,
             signing: Signing) -> Publicity:
    now = clock.now()
    ends_at = now + timedelta(days=days)
    record_id = signed_records.new_record_id()
    if kind == "candidates":
        record = candidates_record(session, award, record_id, now, ends_at, actor.name)
    else:
        record = result_record(award, record_id, now, ends_at, actor.name)
    pdf = seal.sign_as_person(session, clock, signing.settings, actor.user_id, signing.pin, records.render(record),
                              field_name="publisher", reason=f"发布{KIND_TITLES[kind]} {award.tender.code}")
    signed_records.register(session, clock, actor, signing.store, record_id=record_id, kind=KIND, title=record.title,
                            content_sha256=records.content_digest(record), pdf=pdf, tender_id=award.tender_id,
                            subject_id=award.id)
    row = Publicity(tender_id=award.tender_id, award_id=award.id, kind=kind, starts_at=now, ends_at=ends_at,
                    status="running", record_id=record_id, published_by=actor.user_id)
    session.add(row)
    session.flush()
    return row


def start_candidates(session: Session, clock: Clock, actor: Actor, award_id: int, days: int,
                     signing: Signing) -> Publicity:
    """Publish the candidates of an accepted report for ``days`` (≥ 3, 条例第54条), signed by the publisher."""
    award, tender = _publisher(session, actor, award_id)
    days = _days(days, award_rules.MIN_PUBLICITY_DAYS)
    if award.status != "accepted":
        raise Conflict(N_("评标报告经招标人审查接受后才能公示中标候选人。"))
    due = publicity_due(award)
    late = clock.now() > due
    row = _publish(session, clock, actor, award, "candidates", days, signing)
    award_state.move(session, clock, actor, award, "accepted", "candidates_publicity", "award.publicity",
                     note={"publicity_id": row.id, "record_id": row.record_id, "ends_at": row.ends_at,
                           "late": late, "due": due})
    award_state.sync_tender(session, clock, tender)
    return row


def start_result(session: Session, clock: Clock, actor: Actor, award_id: int, signing: Signing,
                 days: int | None = None) -> Publicity:
    """Publish the award result where the rule set asks for it (e.g. 深圳: 3 days) before the notices."""
    award, tender = _publisher(session, actor, award_id)
    least = award_rules.rule_set(award.rule_set).result_publicity_days
    if least <= 0:
        raise Conflict(N_("本项目适用的规则不要求中标结果公示。"))
    days = _days(least if days is None else days, least)
    if award.status != "decided":
        raise Conflict(N_("定标后才能公示中标结果。"))
    row = _publish(session, clock, actor, award, "result", days, signing)
    award_state.move(session, clock, actor, award, "decided", "result_publicity", "award.result_publicity",
                     note={"publicity_id": row.id, "record_id": row.record_id, "ends_at": row.ends_at})
    award_state.sync_tender(session, clock, tender)
    return row


# --- the end of a publicity ---------------------------------------------------------------------------------------


def end_if_due(session: Session, clock: Clock, publicity: Publicity) -> bool:
    """Mark one publicity ended once its period is over; True when this call did it."""
    if publicity.status != "running" or publicity.ends_at > clock.now():
        return False
    result = session.execute(update(Publicity).where(Publicity.id == publicity.id, Publicity.status == "running")
                             .values(status="ended").execution_options(synchronize_session=False))
    session.refresh(publicity)
    if result.rowcount != 1:
        return False
    ledger.append(session, clock, Actor.system(), "publicity.end", "publicity", publicity.id,
                  tender_id=publicity.tender_id, before={"status": "running"},
                  after={"status": "ended", "award_id": publicity.award_id, "kind": publicity.kind})
    return True


def advance(session: Session, clock: Clock, award: Award) -> bool:
    """candidates_publicity → deciding once the publicity is over, every objection answered and the tender not
    suspended; otherwise nothing (the last of those events calls again)."""
    if award.status != "candidates_publicity" or award.tender.status == "suspended":
        return False
    running = [p for p in publicities_of(session, award.id, "candidates") if p.status == "running"]
    for publicity in running:
        end_if_due(session, clock, publicity)
    if any(p.status == "running" for p in running) or unanswered_objections(session, award.id):
        return False
    moved = award_state.move(session, clock, Actor.system(), award, "candidates_publicity", "deciding",
                             "award.publicity_over")
    award_state.sync_tender(session, clock, award.tender)
    return moved


def close_due(session: Session, clock: Clock) -> list[int]:
    """The scheduler's pass: end the publicities whose period is over and move their awards on; idempotent.

    Returns the ids of the publicities this pass ended."""
    ended = []
    for publicity in session.scalars(select(Publicity).where(Publicity.status == "running",
                                                             Publicity.ends_at <= clock.now())).all():
        if end_if_due(session, clock, publicity):
            ended.append(publicity.id)
    waiting = session.scalars(select(Award).join(Publicity, Publicity.award_id == Award.id)
                              .where(Award.status == "candidates_publicity", Publicity.kind == "candidates",
                                     Publicity.status == "ended").distinct()).all()
    for award in waiting:
        advance(session, clock, award)
    return ended


# --- what the public and the supervisor see -----------------------------------------------------------------------


def public_publicities(session: Session, *, running: bool | None = None) -> list[Publicity]:
    """Every publicity for the public site, newest first (announcements stay traceable, 10号令第11条)."""
    query = select(Publicity).order_by(Publicity.starts_at.desc(), Publicity.id.desc())
    if running is not None:
        query = query.where(Publicity.status == ("running" if running else "ended"))
    return list(session.scalars(query))


def tender_publicities(session: Session, tender_id: int) -> list[Publicity]:
    """A tender's publicities, newest first, for its public notice page (public, like every publicity)."""
    return list(session.scalars(select(Publicity).where(Publicity.tender_id == tender_id)
                                .order_by(Publicity.starts_at.desc(), Publicity.id.desc())))


def publicity_pdf(session: Session, publicity_id: int, store: FileStore) -> bytes:
    """The signed PDF of a publicity: public, like the publicity itself."""
    publicity = get_publicity(session, publicity_id)
    record = signed_records.get(session, publicity.record_id)
    with store.open(record.pdf_sha256) as handle:
        return handle.read()


@dataclass(frozen=True)
class LatePublicity:
    """A candidates' publicity that started (or has not started) after its 3-day limit (条例第54条)."""

    award_id: int
    tender_id: int
    tender_code: str
    section_number: int
    due: datetime
    started_at: datetime | None
    days_late: int


def late_publicities(session: Session, clock: Clock, actor: Actor) -> list[LatePublicity]:
    """For the supervisor: publicities started late, and accepted reports still unpublished past the limit."""
    require_role(actor, Role.SUPERVISOR)
    now = clock.now()
    out = []
    awards = session.scalars(select(Award).where(Award.status.in_(
        ("accepted", "candidates_publicity", "deciding", "decided", "result_publicity", "notified", "contracted")))
        .options(selectinload(Award.returns)).order_by(Award.id)).all()
    # when each award's first candidates' publicity started, in one query
    first_start = dict(session.execute(select(Publicity.award_id, func.min(Publicity.starts_at))
                                       .where(Publicity.kind == "candidates").group_by(Publicity.award_id)).all())
    for award in awards:
        due = publicity_due(award)
        started = first_start.get(award.id)
        moment = started if started is not None else (now if award.status == "accepted" else None)
        if moment is None or moment <= due:
            continue
        days = max(1, -(-int((moment - due).total_seconds()) // 86400))
        out.append(LatePublicity(award.id, award.tender_id, award.tender.code, award.section.number, due, started,
                                 days))
    return out
