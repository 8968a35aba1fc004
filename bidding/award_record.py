"""The award record as a signed record: 定标结果 (ranked mode, the tenderee's decision under 条例第55条) and 定标报告
(评定分离: method, members, every ballot by name and round, tallies, the draw's evidence with seed and commitment, the
opinions, the chair's statement, the winner and the reasons; domain-rules section 6).

Built by :func:`build_record` from plain data (:class:`RecordData`) so the content is re-derivable and testable;
:func:`record_data` reads that data from an award. Every cell is text: the digest covers exactly what is read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import award_rules
from bidding.award_models import Award, AwardBallot, AwardPoolMember
from signing import records

KIND = "award_record"
MODE_TEXT = {"ranked": "排序推荐（第一名中标）", "separated": "评定分离（定标委员会定标）"}
STATUS_TEXT = {"seated": "成员", "backup": "备选", "recused": "已回避"}
OUTCOME_TEXT = {"winner": "产生中标人", "revote": "得票相同或未过半数，重新投票", "lottery": "仍未产生，抽签决定",
                "chair": "仍未产生，组长决定"}


@dataclass(frozen=True)
class MemberLine:
    id: int
    name: str
    category: str
    position: int
    status: str
    chair: bool
    declaration: str
    opinion: str
    opinion_bidder: str


@dataclass(frozen=True)
class RecordData:
    tender_code: str
    tender_title: str
    section_label: str
    tenderee: str
    agent: str
    mode: str
    method: str
    rule_set: str
    attempt: int
    candidates: list[dict[str, Any]]
    received_at: datetime | None
    accepted_at: datetime | None
    returns: list[tuple[str, str, str]]
    decision: dict[str, Any]
    winner: str
    reason: str
    members: list[MemberLine] = field(default_factory=list)
    ballots: list[tuple[int, str, str, datetime]] = field(default_factory=list)  # round, member, candidate, at
    draw: list[tuple[str, str]] = field(default_factory=list)


def record_data(session: Session, award: Award) -> RecordData:
    """What the record says, read from the award and its committee."""
    tender, section = award.tender, award.section
    listed = json.loads(award.candidates)
    names = {str(c["bidder_id"]): c["name"] for c in listed}
    pool = {p.id: p for p in session.scalars(select(AwardPoolMember).where(
        AwardPoolMember.id.in_([m.pool_member_id for m in award.members])))}
    members = []
    for m in award.members:
        if m.declared_at is None:
            declaration = "—"
        elif m.status == "recused":
            declaration = f"存在利害关系，回避：{m.conflict_note}"
        else:
            declaration = "无利害关系"
        category = award_rules.POOL_CATEGORIES.get(pool[m.pool_member_id].category, "")
        members.append(MemberLine(m.id, m.name, category, m.position, m.status, m.chair, declaration, m.opinion,
                                  names.get(str(m.opinion_bidder_id), "—")))
    member_names = {m.id: m.name for m in award.members}
    ballots = [(b.round, member_names.get(b.member_id, str(b.member_id)), names.get(str(b.bidder_id), "—"), b.at)
               for b in session.scalars(select(AwardBallot).where(AwardBallot.award_id == award.id)
                                        .order_by(AwardBallot.round, AwardBallot.id))]
    draw = []
    if award.drawn_at is not None:
        snapshot = json.loads(award.pool_snapshot or "{}")
        draw = [("抽取时间", records.when(award.drawn_at)), ("定标委员库可抽取人数", str(len(snapshot.get("eligible", [])))),
                ("定标委员库快照 SHA-256", award.pool_sha256 or "—"), ("随机种子承诺 SHA-256", award.seed_commitment or "—"),
                ("随机种子", award.seed_hex or "—")]
    returns = [(records.when(r.returned_at), r.error, "—" if r.answer is None else
                f"{r.answer}（{'已更正' if r.corrected else '未更正'}）") for r in award.returns]
    return RecordData(
        tender_code=tender.code, tender_title=tender.title, section_label=f"第 {section.number} 标段 {section.name}",
        tenderee=tender.tenderee.name, agent=tender.agent.name, mode=award.mode, method=award.method,
        rule_set=str(award_rules.rule_set(award.rule_set).label), attempt=award.attempt, candidates=listed,
        received_at=award.report_received_at, accepted_at=award.accepted_at, returns=returns,
        decision=json.loads(award.decision or "{}"), winner=names.get(str(award.winner_bidder_id), "—"),
        reason=award.reason, members=members, ballots=ballots, draw=draw)


def _candidate_table(data: RecordData) -> records.Table:
    return records.Table(["序号", "中标候选人", "投标报价（元）", "排序"],
                         [[str(i), c["name"], records.money(c["price"]), "—" if c["rank"] is None else str(c["rank"])]
                          for i, c in enumerate(data.candidates, start=1)])


def _ranked_blocks(data: RecordData, names: dict[str, str]) -> list[records.Block]:
    dropouts = data.decision.get("dropouts", {})
    blocks: list[records.Block] = [records.Heading("四、定标结果")]
    if dropouts:
        blocks.append(records.Table(["候选人", "情形", "事实"], [
            [names.get(k, k), award_rules.DROPOUT_GROUNDS.get(v["ground"], v["ground"]), v["facts"]]
            for k, v in dropouts.items()]))
    blocks.append(records.Paragraph(
        "招标人根据评标委员会提出的书面评标报告和推荐的中标候选人确定中标人（法第40条）；依法必须招标的国有资金项目，"
        "招标人应当确定排名第一的中标候选人为中标人，排名第一的中标候选人放弃中标、因不可抗力不能履行合同、不按照招标文件"
        "要求提交履约保证金，或者被查实存在影响中标结果的违法行为的，招标人可以按照评标委员会提出的中标候选人名单排序"
        "依次确定其他中标候选人为中标人（条例第55条）。"))
    return blocks


def _round_rows(data: RecordData, names: dict[str, str]) -> list[list[str]]:
    rows = []
    for r in data.decision.get("rounds", []):
        counts = "；".join(f"{names.get(k, k)} {v} 票" for k, v in r["tally"].items())
        tied = "、".join(names.get(k, k) for k in r["tied"]) or "—"
        rows.append([str(r["round"]), counts, str(r["votes_cast"]),
                     "过半数" if r["majority"] == "absolute" else "相对多数",
                     OUTCOME_TEXT.get(r["outcome"], r["outcome"]), tied])
    return rows


def _separated_blocks(data: RecordData, names: dict[str, str]) -> list[records.Block]:
    blocks: list[records.Block] = [
        records.Heading("四、定标委员会"),
        records.Table(["序号", "姓名", "类别", "职务", "回避声明"], [
            [str(i), m.name, m.category, ("组长" if m.chair else STATUS_TEXT.get(m.status, m.status)),
             m.declaration] for i, m in enumerate(data.members, start=1)]),
        records.Paragraph("定标委员会成员从招标人定标委员库中随机抽取，评标委员会成员不得参加；与中标候选人有利害关系的成员"
                          "回避，由备选人员依次递补。未指定法定代表人或主要负责人担任组长的，由第一位抽中的成员担任组长。"),
    ]
    if data.draw:
        blocks.append(records.Facts(data.draw))
    decision = data.decision
    blocks.append(records.Heading(f"五、定标过程（{award_rules.METHOD_LABELS.get(data.method, data.method)}）"))
    if data.ballots:
        blocks.append(records.Table(["轮次", "委员", "投票给", "投票时间"],
                                    [[str(r), m, c, records.when(at)] for r, m, c, at in data.ballots]))
    rows = _round_rows(data, names)
    if rows:
        blocks.append(records.Table(["轮次", "计票", "投票数", "规则", "结果", "得票相同"], rows))
    if "shortlist" in decision:
        s = decision["shortlist"]
        blocks.append(records.Paragraph(
            f"票决入围 {s['size']} 家（与最后入围者票数相同的一并入围）：" + "、".join(names.get(k, k) for k in s["shortlist"])
            + "；计票：" + "；".join(f"{names.get(k, k)} {v} 票" for k, v in s["tally"].items()) + "。"))
    if "price" in decision:
        p = decision["price"]
        blocks.append(records.Table(["中标候选人", "投标报价（元）"],
                                    [[names.get(k, k), records.money(v)] for k, v in p["prices"].items()]))
        blocks.append(records.Paragraph(f"最低投标报价 {records.money(p['lowest'])} 元："
                                        + "、".join(names.get(k, k) for k in p["tied"]) + "。"))
    if "lottery" in decision:
        lot = decision["lottery"]
        blocks.append(records.Paragraph("抽签：抽签前在平台记录链公布随机种子的 SHA-256 承诺，抽签时公开种子；"
                                        "各候选人的签值为 HMAC-SHA256(种子, \"lottery:候选人编号\")，签值最小者中选。"))
        blocks.append(records.Facts([("随机种子", lot["seed"]), ("种子承诺 SHA-256", lot["commitment"])]))
        blocks.append(records.Table(["顺序", "候选人", "签值"], [
            [str(i), names.get(k, k), lot["keys"][k]] for i, k in enumerate(lot["order"], start=1)]))
    opinions = [m for m in data.members if m.opinion]
    if opinions:
        blocks.append(records.Table(["委员", "倾向的候选人", "意见和理由"],
                                    [[m.name, m.opinion_bidder, m.opinion] for m in opinions]))
    if "deliberation" in decision:
        blocks.append(records.Paragraph("组长决定：" + decision["deliberation"]["statement"]))
    if "chair" in decision:
        blocks.append(records.Paragraph("得票相同，组长决定：" + decision["chair"]["statement"]))
    return blocks


def build_record(data: RecordData, record_id: str) -> records.Record:
    """The record (定标结果 or 定标报告) of the award as plain blocks."""
    names = {str(c["bidder_id"]): c["name"] for c in data.candidates}
    separated = data.mode == "separated"
    blocks: list[records.Block] = [
        records.Heading("一、基本情况"),
        records.Facts([("项目编号", data.tender_code), ("项目名称", data.tender_title), ("标段", data.section_label),
                       ("招标人", data.tenderee), ("招标代理机构", data.agent),
                       ("定标方式", MODE_TEXT.get(data.mode, data.mode)),
                       ("定标方法", award_rules.METHOD_LABELS.get(data.method, "—") if separated else "—"),
                       ("适用规则", data.rule_set), ("定标次序", f"第 {data.attempt} 次"),
                       ("收到评标报告时间", records.when(data.received_at)),
                       ("评标报告审查通过时间", records.when(data.accepted_at))]),
        records.Heading("二、中标候选人"),
        _candidate_table(data),
        records.Heading("三、评标报告审查"),
        records.Table(["退回时间", "指出的错误", "评标委员会答复"], [list(r) for r in data.returns] or [["—", "无", "—"]]),
    ]
    blocks += _separated_blocks(data, names) if separated else _ranked_blocks(data, names)
    blocks.append(records.Heading("六、中标人" if separated else "五、中标人"))
    blocks.append(records.Facts([("中标人", data.winner), ("理由", data.reason or "—")]))
    if separated:
        signers = [("组长 " if m.chair else "委员 ") + m.name for m in data.members if m.status == "seated"]
        blocks.append(records.SignaturePlaces([*signers, f"招标人（盖章） {data.tenderee}"]))
        title = f"{data.tender_title} {data.section_label} 定标报告"
    else:
        blocks.append(records.SignaturePlaces([f"招标人 {data.tenderee}"]))
        title = f"{data.tender_title} {data.section_label} 定标结果"
    return records.Record(kind=KIND, title=title, tender_code=data.tender_code, record_id=record_id, blocks=blocks)
