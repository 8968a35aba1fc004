"""The evaluation report (评标报告, 12号令第42条) as a signed record, and the score-sheet Excel that goes with it.

What the report contains follows 12号令第42条 (domain-rules 5.6): (1) basic data; (2) the committee, with each
member's venue (主场/副场) and sign-in; (3) the opening record's summary; (4) the compliant bids; (5) the rejected bids
with their grounds; (6) the method and the criteria; (7) the review results and every member's scores per bid, the
price computation with its inputs, the aggregates; (8) the ranking; (9) the candidates; (10) the clarifications; plus
the deviation explanations (偏离度说明).

How it is signed: the chair renders and signs it first (that fixes its content), then every other member adds their
own PAdES signature with their own PIN as an incremental update, so every earlier signature stays valid
(``signing.signed_records.add_version``). A dissenting member's written dissent (条例第53条) is in their signature's
reason and on the ledger. When every member has signed (or the chair recorded a refusal, deemed agreement) the
evaluation closes (:func:`bidding.evaluation.close_if_signed`).

The record is built by :func:`build_record` from plain data (:class:`ReportData`), so the benchmark renders a
50-bidder report without a database; :func:`report_data` reads that data from an evaluation.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import evaluation as ev
from bidding import opening_record
from bidding.bids import BID_STATUS_LABELS
from bidding.bonds import bond_states
from bidding.evaluation_models import Clarification, Evaluation
from bidding.notices import Signing
from bidding.opening import bids_at_opening
from core.actor import Actor
from core.clock import Clock
from core.errors import N_, Conflict
from core.files import FileStore
from expert_pool.models import ExpertDraw
from signing import records, seal, signed_records
from signing.signed_records import SignedRecord

KIND = "evaluation_report"
METHOD_TEXT = {"comprehensive": "综合评估法", "lowest_evaluated_price": "经评审的最低投标价法"}
KIND_TEXT = {"qualification": "资格评审", "compliance": "符合性评审", "bond": "投标保证金（平台核验）",
             "price_limit": "投标报价（平台核验）", "subjective": "主观", "objective": "客观", "price": "价格（公式计算）"}
VENUE_TEXT = {"main": "主场", "sub": "副场"}


@dataclass(frozen=True)
class MemberLine:
    id: int
    name: str
    kind: str
    chair: bool
    venue: str
    venue_place: str
    sign_in_venue: str
    signed_in_at: datetime | None
    declaration: str
    active: bool


@dataclass(frozen=True)
class BidderLine:
    id: int
    name: str
    credit_code: str
    price: Decimal | None
    status: str
    grounds: str
    low_price: str
    low_price_reason: str


@dataclass(frozen=True)
class Criterion:
    id: int
    group: str
    name: str
    kind: str
    max_points: Decimal | None = None
    basis: str = ""


@dataclass
class ReportData:
    """Everything the report prints, as plain values."""

    tender_code: str
    tender_title: str
    section_label: str
    tenderee: str
    agent: str
    price_limit: str
    method: str
    evaluation_at: datetime | None
    place: str
    draw_facts: list[tuple[str, str]]
    opening_facts: list[tuple[str, str]]
    opening_rows: list[list[str]]
    members: list[MemberLine]
    election_note: str
    bidders: list[BidderLine]
    review_criteria: list[Criterion]
    review_results: list[Any]  # evaluation.ItemResult
    score_criteria: list[Criterion]
    scores: dict[tuple[int, int, int], Decimal]
    config: dict[str, Any]
    price_inputs: dict[str, Any]
    result: dict[str, Any]
    adjustments: list[tuple[int, Decimal, str]] = field(default_factory=list)
    clarifications: list[list[str]] = field(default_factory=list)
    deviations: list[list[str]] = field(default_factory=list)


def report_data(session: Session, evaluation: Evaluation) -> ReportData:
    """Read the report's content from the evaluation (the stage must have a frozen result)."""
    tender, section = evaluation.tender, evaluation.section
    draw = session.get(ExpertDraw, evaluation.draw_id)
    opening = signed_records.for_tender(session, tender.id, opening_record.KIND)
    bonds = bond_states(session, tender)
    opening_rows = []
    for bid in bids_at_opening(session, tender):
        if bid.section_id != section.id:
            continue
        form = json.loads(bid.bid_form) if bid.bid_form else {}
        state = bonds.get((bid.section_id, bid.bidder_org_id))
        opening_rows.append([bid.bidder.name, BID_STATUS_LABELS.get(bid.status, bid.status), str(form.get("price", "—")),
                             state.text if state else "—"])
    names = {m.id: m.name for m in evaluation.members}
    bidder_names = {b.id: b.bidder.name for b in evaluation.bidders}
    clarifications = [[bidder_names[c.bidder_id], "异常低价说明" if c.kind == "low_price" else "澄清", c.question,
                       records.when(c.asked_at), records.when(c.deadline), c.answer or "（未答复）", records.when(c.answered_at)]
                      for c in session.scalars(select(Clarification).where(Clarification.evaluation_id == evaluation.id)
                                               .order_by(Clarification.asked_at, Clarification.id))]
    deviations = [[names[n.member_id], bidder_names[n.bidder_id], records.points(n.total), records.points(n.mean),
                   f"{n.deviation_pct:.2f}%", n.explanation or "（未说明）"] for n in ev.deviation_notes(session, evaluation)]
    adjustments = [(a.bidder_id, a.amount, a.reason) for a in ev.price_adjustments(session, evaluation)]
    active = {m.id for m in ev.active_members(evaluation)}
    scores = {(s.member_id, s.bidder_id, s.criterion_id): s.points for s in ev.scores_of(session, evaluation)
              if s.member_id in active}
    declaration = {"none": "无利害关系", "conflict": "存在利害关系，回避"}
    members = [MemberLine(
        id=m.id, name=m.name, kind=m.kind, chair=evaluation.chair_member_id == m.id, venue=m.venue,
        venue_place=m.venue_place, sign_in_venue=m.sign_in_venue, signed_in_at=m.signed_in_at,
        declaration=declaration.get(m.declaration or "", "未声明")
        + (f"（{bidder_names.get(m.conflict_bidder_id, '')}：{m.declaration_note}）" if m.declaration == "conflict" else ""),
        active=m.active) for m in evaluation.members]
    return ReportData(
        tender_code=tender.code, tender_title=tender.title, section_label=f"第 {section.number} 标段 {section.name}",
        tenderee=tender.tenderee.name, agent=tender.agent.name, price_limit=records.money(section.estimated_price),
        method=evaluation.method, evaluation_at=draw.evaluation_at, place=draw.place,
        draw_facts=[("专家抽取编号", str(draw.id)), ("备选专家库快照 SHA-256", draw.snapshot_sha256),
                    ("随机种子承诺 SHA-256", draw.seed_commitment)],
        opening_facts=[("开标时间", records.when(tender.opened_at)),
                       ("开标记录编号", opening[-1].id if opening else "—"),
                       ("开标记录 PDF SHA-256", opening[-1].pdf_sha256 if opening else "—")],
        opening_rows=opening_rows, members=members, election_note=evaluation.election_note,
        bidders=[BidderLine(b.id, b.bidder.name, b.bidder.credit_code, b.price, b.status, b.grounds, b.low_price,
                            b.low_price_reason) for b in evaluation.bidders],
        review_criteria=[Criterion(c.id, c.group_name, c.name, c.kind, None, c.basis) for c in ev.review_criteria(evaluation)],
        review_results=ev.review_results(session, evaluation),
        score_criteria=[Criterion(c.id, c.group_name, c.name, c.kind, c.max_points, c.basis)
                        for c in ev.score_criteria(evaluation)],
        scores=scores, config=ev.config(evaluation), price_inputs=json.loads(evaluation.price_inputs or "{}"),
        result=json.loads(evaluation.result or "{}"), adjustments=adjustments, clarifications=clarifications,
        deviations=deviations)


# --- the record -------------------------------------------------------------------------------------------------------


def _scorers(data: ReportData) -> list[MemberLine]:
    """Every seated member scores, chair first (tenderee representatives have the same rights, 12号令第9条)."""
    return sorted((m for m in data.members if m.active), key=lambda m: (not m.chair, m.id))


def _price_scores(data: ReportData) -> dict[str, str]:
    return {k: v["score"] for k, v in data.price_inputs.get("scores", {}).items()}


def score_table(data: ReportData, bidder: BidderLine) -> records.Table:
    """One bid: a row per scoring item, a column per member, the price score and each member's total."""
    scorers = _scorers(data)
    price = _price_scores(data).get(str(bidder.id))
    result = next((b for b in data.result.get("bidders", []) if b["key"] == str(bidder.id)), None)
    rows = []
    for c in data.score_criteria:
        if c.kind == "price":
            rows.append([f"{c.group}／{c.name}", records.points(c.max_points), *[records.points(price) for _ in scorers]])
        else:
            rows.append([f"{c.group}／{c.name}", records.points(c.max_points),
                         *[records.points(data.scores.get((m.id, bidder.id, c.id))) for m in scorers]])
    totals = result["totals"] if result else {}
    rows.append(["合计", "100.00", *[records.points(totals.get(str(m.id))) for m in scorers]])
    return records.Table(["评分因素", "满分", *[m.name + ("（组长）" if m.chair else "") for m in scorers]], rows)


def _price_blocks(data: ReportData, names: dict[str, str]) -> list[records.Block]:
    inputs, rule = data.price_inputs, data.price_inputs.get("rule", {})
    if data.method == "lowest_evaluated_price":
        adjustments: dict[int, list[str]] = {}
        for bidder_id, amount, reason in data.adjustments:
            adjustments.setdefault(bidder_id, []).append(f"{amount:+,.2f} 元：{reason}")
        rows = [[names[b["key"]], records.money(b["price"]), "\n".join(adjustments.get(int(b["key"]), [])) or "无",
                 records.money(b["final"]), str(b["rank"]) + ("（并列）" if b["joint"] else "")]
                for b in data.result.get("bidders", [])]
        return [records.Paragraph("评标价 = 投标报价 + 评标委员会按招标文件规定对商务偏差作出的价格调整（12号令第31条）；"
                                  "按评标价由低到高排序，评标价相同的以投标报价低者优先，仍相同的并列（法第41条第2项）。"),
                records.Table(["投标人", "投标报价（元）", "价格调整", "评标价（元）", "排序"], rows)]
    if not inputs.get("scores"):
        return [records.Paragraph("没有有效投标，未计算价格分。")]
    drop = rule.get("drop_extremes_from")
    facts = [
        ("公式", f"{rule.get('name')} 第 {rule.get('version')} 版：评标基准价 = 有效投标报价算术平均值 × (1 − K)；"
                 "偏差率 = (投标报价 − 评标基准价) ÷ 评标基准价 × 100%；价格分 = 满分 − |偏差率| × E（高于基准价用 E1，"
                 "低于基准价用 E2），最低 0 分，四舍五入保留两位小数"),
        ("价格分满分", records.points(rule.get("full_marks"))), ("下浮系数 K", str(rule.get("k"))),
        ("E1（高于基准价每 1% 扣分）", str(rule.get("e_above"))), ("E2（低于基准价每 1% 扣分）", str(rule.get("e_below"))),
        ("去掉最高和最低报价", f"有效报价不少于 {drop} 家时" if drop else "否"),
        ("参与平均的报价", "、".join(names[k] for k in inputs.get("used_prices", []))),
        ("去掉的报价", "、".join(names[k] for k in inputs.get("dropped", [])) or "无"),
        ("算术平均值（元）", records.money(inputs.get("mean"))), ("评标基准价（元）", records.money(inputs.get("base"))),
    ]
    rows = [[names[k], records.money(v["price"]), f"{Decimal(v['deviation_pct']):.2f}%", records.points(v["score"])]
            for k, v in inputs["scores"].items()]
    return [records.Facts(facts), records.Table(["投标人", "投标报价（元）", "偏差率", "价格分"], rows)]


def build_record(data: ReportData, record_id: str) -> records.Record:
    """The report as a record (every cell already text: the digest covers exactly what the reader sees)."""
    names = {str(b.id): b.name for b in data.bidders}
    member_names = {str(m.id): m.name for m in data.members}
    by_id = {b.id: b for b in data.bidders}
    valid = [b for b in data.bidders if b.status == "valid"]
    rejected = [b for b in data.bidders if b.status == "rejected"]
    config = data.config
    scorers = _scorers(data)
    blocks: list[records.Block] = [
        records.Heading("一、基本情况"),
        records.Facts([("项目编号", data.tender_code), ("项目名称", data.tender_title), ("标段", data.section_label),
                       ("招标人", data.tenderee), ("招标代理机构", data.agent), ("招标控制价（元）", data.price_limit),
                       ("评标办法", METHOD_TEXT.get(data.method, data.method)),
                       ("评标时间", records.when(data.evaluation_at)), ("评标地点（主场）", data.place), *data.draw_facts]),
        records.Heading("二、评标委员会成员名单"),
        records.Table(["序号", "姓名", "类别", "职务", "评标场地", "签到工位", "签到时间", "回避声明"], [
            [str(i), m.name, "评标专家" if m.kind == "expert" else "招标人代表",
             ("组长" if m.chair else "成员") if m.active else "已回避",
             f"{VENUE_TEXT.get(m.venue, m.venue)} {m.venue_place}", m.sign_in_venue or "—", records.when(m.signed_in_at),
             m.declaration] for i, m in enumerate(data.members, start=1)]),
        records.Paragraph(f"评标委员会由 {sum(1 for m in data.members if m.active)} 人组成，技术、经济等方面的专家从评标专家库中"
                          "随机抽取（条例第46条），招标人代表由招标人指派；组长由成员推选产生，与其他成员有同等表决权"
                          f"（12号令第9条）。推选结果：{data.election_note or '—'}。"),
        records.Heading("三、开标记录"),
        records.Facts(data.opening_facts),
        records.Table(["投标人", "解密状态", "投标报价（元）", "投标保证金"], data.opening_rows or [["—", "—", "—", "—"]]),
        records.Heading("四、符合要求的投标"),
        records.Table(["序号", "投标人", "统一社会信用代码", "投标报价（元）"],
                      [[str(i), b.name, b.credit_code, records.money(b.price)] for i, b in enumerate(valid, start=1)]
                      or [["—", "无", "—", "—"]]),
        records.Heading("五、否决投标及理由"),
        records.Table(["投标人", "否决理由"], [[b.name, b.grounds] for b in rejected] or [["无", "—"]]),
        records.Heading("六、评标办法和评审标准"),
        records.Paragraph("评标委员会按照招标文件确定的评标标准和方法评审（条例第49条），未采用招标文件以外的标准。"),
        records.Table(["序号", "类别", "评审因素", "依据"],
                      [[str(i), KIND_TEXT.get(c.kind, c.kind), c.name, c.basis or "招标文件"]
                       for i, c in enumerate(data.review_criteria, start=1)]),
    ]
    if data.score_criteria:
        blocks.append(records.Table(["序号", "分组", "评分因素", "类别", "满分"],
                                    [[str(i), c.group, c.name, KIND_TEXT.get(c.kind, c.kind), records.points(c.max_points)]
                                     for i, c in enumerate(data.score_criteria, start=1)]))
        blocks.append(records.Paragraph(
            f"最终得分为各成员总分的算术平均值"
            f"{'，去掉一个最高分和一个最低分' if config.get('drop_extremes') else ''}，四舍五入保留两位小数；"
            f"成员总分偏离平均分超过 {config.get('deviation_threshold_pct')}% 的，须书面说明理由。"))
    criteria = {c.id: c for c in data.review_criteria}
    review_rows = [[by_id[r.bidder_id].name, criteria[r.criterion_id].name, str(r.passes), str(r.fails),
                    "合格" if r.passed else "不合格", "；".join(r.reasons) or "—"] for r in data.review_results]
    blocks += [records.Heading("七、资格和符合性评审结果"),
               records.Table(["投标人", "评审因素", "合格票", "不合格票", "结论", "不合格理由"],
                             review_rows or [["—", "—", "—", "—", "—", "—"]])]
    blocks += [records.Heading("八、价格计算"), *_price_blocks(data, names)]
    if data.score_criteria and valid:
        blocks.append(records.Heading("九、各成员评分明细"))
        for bidder in valid:
            blocks += [records.Paragraph(f"投标人：{bidder.name}"), score_table(data, bidder)]
    blocks.append(records.Heading("十、评分汇总与排序" if data.method == "comprehensive" else "十、排序"))
    result_rows = []
    for b in data.result.get("bidders", []):
        dropped = "、".join(member_names.get(d, d) for d in b["dropped"]) or "—"
        if data.method == "comprehensive":
            totals = "；".join(f"{member_names.get(k, k)} {records.points(v)}" for k, v in b["totals"].items())
            result_rows.append([str(b["rank"]) + ("（并列）" if b["joint"] else ""), names[b["key"]], records.money(b["price"]),
                                totals, dropped, records.points(b["final"])])
        else:
            result_rows.append([str(b["rank"]) + ("（并列）" if b["joint"] else ""), names[b["key"]], records.money(b["price"]),
                                "—", "—", records.money(b["final"])])
    header = ["排序", "投标人", "投标报价（元）", "各成员总分", "去掉的最高分、最低分", "最终得分"]
    if data.method != "comprehensive":
        header[-1] = "评标价（元）"
    blocks.append(records.Table(header, result_rows or [["—", "无有效投标", "—", "—", "—", "—"]]))
    candidates = [names[k] for k in data.result.get("candidates", [])]
    blocks.append(records.Heading("十一、推荐的中标候选人"))
    if not candidates:
        blocks.append(records.Paragraph("所有投标均被否决，评标委员会不推荐中标候选人；依法必须招标的项目应当重新招标"
                                        "（法第42条；12号令第27条）。"))
    elif config.get("ranked", True):
        blocks.append(records.Table(["排序", "中标候选人"], [[str(i), n] for i, n in enumerate(candidates, start=1)]))
    else:
        blocks.append(records.Paragraph("按招标文件规定（评定分离），推荐以下中标候选人，不排序："
                                        + "、".join(candidates) + "。"))
    if len(candidates) < config.get("candidates", len(candidates)):
        blocks.append(records.Paragraph(f"有效投标不足，推荐中标候选人 {len(candidates)} 名，少于招标文件规定的"
                                        f" {config.get('candidates')} 名。"))
    blocks.append(records.Paragraph("签订合同前应当处理的事宜：无。"))
    blocks += [records.Heading("十二、澄清、说明和补正"),
               records.Table(["投标人", "类别", "内容", "提出时间", "期限", "答复", "答复时间"],
                             data.clarifications or [["—", "—", "无", "—", "—", "—", "—"]])]
    low = [b for b in data.bidders if b.low_price]
    if low:
        blocks.append(records.Table(["投标人", "投标报价（元）", "评标委员会认定"], [
            [b.name, records.money(b.price), {"accepted": "说明合理，不认定低于成本", "rejected": "认定低于成本，否决",
                                       "flagged": "待认定"}.get(b.low_price, b.low_price) + f"：{b.low_price_reason}"]
            for b in low]))
    if data.method == "comprehensive":
        blocks += [records.Heading("十三、评分偏离说明"),
                   records.Table(["成员", "投标人", "总分", "平均分", "偏离度", "说明"],
                                 data.deviations or [["—", "—", "—", "—", "—", "无超出偏离度的评分"]])]
    blocks.append(records.Paragraph("评标委员会成员对评标结果有不同意见的，其不同意见和理由记载于本人电子签名的签署理由中，"
                                    "并记入平台记录链；拒绝签字又不书面说明理由的，视为同意评标结果（条例第53条）。"))
    blocks.append(records.SignaturePlaces([("组长 " if m.chair else "成员 ") + m.name for m in scorers]))
    return records.Record(kind=KIND, title=f"{data.tender_title} {data.section_label} 评标报告",
                          tender_code=data.tender_code, record_id=record_id, blocks=blocks)


# --- signing ----------------------------------------------------------------------------------------------------------


def _reason(evaluation: Evaluation, member: Any) -> str:
    role = "组长" if evaluation.chair_member_id == member.id else "评标委员会成员"
    reason = f"评标报告 {evaluation.tender.code} 第{evaluation.section.number}标段：{role}签署"
    if member.dissent:
        reason += f"；不同意见：{member.dissent}"
    return reason


def sign_report(session: Session, clock: Clock, actor: Actor, evaluation_id: int, signing: Signing) -> SignedRecord:
    """The chair renders and signs the report first, once every deviation is explained; then each member signs the
    same PDF with their own PIN. The last signature closes the evaluation."""
    evaluation = ev.get_evaluation(session, evaluation_id, lock=True)
    member = ev.require_member(evaluation, actor)
    ev.require_stage(evaluation, ("report", "signing"), N_("签署评标报告"))
    if evaluation.status == "report":
        if evaluation.chair_member_id != member.id:
            raise Conflict(N_("评标报告由组长先签署。"))
        missing = ev.unexplained(session, evaluation)
        if missing:
            raise Conflict(N_("还有 %(n)s 处评分偏离未作书面说明，不能形成评标报告。"), n=len(missing))
        record_id = signed_records.new_record_id()
        record = build_record(report_data(session, evaluation), record_id)
        pdf = seal.sign_as_person(session, clock, signing.settings, actor.user_id, signing.pin, records.render(record),
                                  field_name=f"member{member.id}", reason=_reason(evaluation, member))
        signed = signed_records.register(session, clock, actor, signing.store, record_id=record_id, kind=KIND,
                                         title=record.title, content_sha256=records.content_digest(record), pdf=pdf,
                                         tender_id=evaluation.tender_id, subject_id=evaluation.id)
        member.report_signed_at = clock.now()
        ev.move(session, clock, actor, evaluation, "report", "signing",
                 {"record_id": record_id, "member_id": member.id, "dissent": member.dissent},
                 report_record_id=record_id)
        return signed
    if member.report_signed_at is not None or member.refused_at is not None:
        raise Conflict(N_("您已签署评标报告。"))
    current = session.scalars(select(SignedRecord).where(SignedRecord.id == evaluation.report_record_id)
                              .with_for_update().execution_options(populate_existing=True)).one()
    with signing.store.open(current.pdf_sha256) as handle:
        pdf = handle.read()
    pdf = seal.sign_as_person(session, clock, signing.settings, actor.user_id, signing.pin, pdf,
                              field_name=f"member{member.id}", reason=_reason(evaluation, member))
    signed = signed_records.add_version(session, clock, actor, signing.store, current, pdf)
    member.report_signed_at = clock.now()
    session.flush()
    ev.log(session, clock, actor, evaluation, "sign", {"member_id": member.id, "record_id": current.id,
                                                        "signatures": signed.signatures, "dissent": member.dissent})
    ev.close_if_signed(session, clock, evaluation)
    return signed


def report_pdf(session: Session, actor: Actor, evaluation_id: int, store: FileStore) -> bytes:
    """The current signed PDF: members and supervisors, and the tender's managers once the evaluation ended."""
    evaluation = ev.get_evaluation(session, evaluation_id)
    ev.watcher(evaluation, actor)
    if evaluation.report_record_id is None:
        raise Conflict(N_("评标报告尚未形成。"))
    record = signed_records.get(session, evaluation.report_record_id)
    with store.open(record.pdf_sha256) as handle:
        return handle.read()


# --- the score sheet ---------------------------------------------------------------------------------------------------


def _sheet_name(number: int, name: str, taken: set[str]) -> str:
    """Excel's limits: 31 characters, none of []:*?/\\, unique."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)
    title = f"{number:02d} {clean}"[:31]
    while title in taken:
        title = title[:28] + f"~{len(taken)}"
    taken.add(title)
    return title


def score_frames(data: ReportData) -> dict[str, pd.DataFrame]:
    """One frame per scoring member (bids × items, the price score and the total) and the summary, in sheet order."""
    names = {str(b.id): b.name for b in data.bidders}
    member_names = {str(m.id): m.name for m in data.members}
    frames: dict[str, pd.DataFrame] = {}
    taken = {"汇总"}
    valid = [b for b in data.bidders if b.status == "valid"]
    prices = _price_scores(data)
    results = {b["key"]: b for b in data.result.get("bidders", [])}
    if data.score_criteria:
        for number, member in enumerate(_scorers(data), start=1):
            rows = []
            for bidder in valid:
                row: dict[str, Any] = {"投标人": bidder.name}
                for c in data.score_criteria:
                    label = f"{c.group}／{c.name}（{records.points(c.max_points)}）"
                    value = prices.get(str(bidder.id)) if c.kind == "price" else data.scores.get((member.id, bidder.id, c.id))
                    row[label] = float(value) if value is not None else None
                total = results.get(str(bidder.id), {}).get("totals", {}).get(str(member.id))
                row["合计"] = float(total) if total is not None else None
                rows.append(row)
            frames[_sheet_name(number, member.name, taken)] = pd.DataFrame(rows)
    summary = []
    for key, b in results.items():
        row = {"排序": b["rank"], "并列": "是" if b["joint"] else "", "投标人": names[key], "投标报价（元）": float(b["price"])}
        for scorer, total in b["totals"].items():
            row[member_names.get(scorer, scorer)] = float(total)
        row["去掉的最高分、最低分"] = "、".join(member_names.get(d, d) for d in b["dropped"])
        row["最终得分" if data.method == "comprehensive" else "评标价（元）"] = float(b["final"])
        row["推荐为中标候选人"] = "是" if key in data.result.get("candidates", []) else ""
        summary.append(row)
    for b in data.bidders:
        if b.status == "rejected":
            summary.append({"投标人": b.name, "投标报价（元）": float(b.price) if b.price is not None else None,
                            "否决理由": b.grounds})
    frames = {"汇总": pd.DataFrame(summary), **frames}
    return frames


def write_excel(frames: dict[str, pd.DataFrame]) -> bytes:
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for title, frame in frames.items():
            frame.to_excel(writer, sheet_name=title, index=False)
    return out.getvalue()


def score_sheet_excel(session: Session, actor: Actor, evaluation_id: int) -> bytes:
    """The score sheet (评分表) as .xlsx: a summary sheet and one sheet per member. Once scoring has ended: for
    members and supervisors, and for the tender's managers after the evaluation."""
    evaluation = ev.get_evaluation(session, evaluation_id)
    ev.watcher(evaluation, actor)
    if evaluation.result is None:
        raise Conflict(N_("评分尚未结束，还没有评分表。"))
    return write_excel(score_frames(report_data(session, evaluation)))

