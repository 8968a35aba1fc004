"""The evaluation report (12号令第42条): the chair signs first, then every member with their own PIN; a dissent goes
into the signature and the ledger; the report validates in pyHanko and in pdfsig with every signature; the evaluation
then closes, the draw's seed is revealed and the agent may read everything. The score sheet and 一标一评 follow."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from bidding import evaluation, evaluation_report, expert_ratings
from core.errors import Conflict, InvalidInput, NotFound, NotPermitted
from expert_pool.models import Expert
from signing import ledger, pki, records, signed_records
from signing.verify import verify_pdf
from tests.bidding.test_evaluation import (
    actor_of,
    build_room,
    chair_actor,
    elect,
    members,
    review_all,
    score_all,
    seat_everyone,
    set_up,
)
from tests.tools import nss_database, pdfsig
from tests.world import SIGNING, signing

DISSENT = "本人认为投标公司1的施工组织设计缺少雨季施工措施，评分应更低。"


def _scored(session, clock, store, world, **overrides):
    """Seven experts, drop the extremes, bidder 3 rejected on review, a clarification, one expert scoring low."""
    room = build_room(session, clock, store, world)
    ev = set_up(session, clock, world, room, drop_extremes=True, deviation_threshold_pct="10", **overrides)
    seat_everyone(session, clock, room, ev)
    elect(session, clock, room, ev)
    review_all(session, clock, room, ev, {(i, 3, "项目经理资格"): "项目经理无一级建造师注册证书" for i in range(5)})
    chair = chair_actor(room, ev)
    evaluation.close_review(session, clock, chair, ev.id)
    item = evaluation.ask_clarification(session, clock, chair, ev.id, ev.bidders[0].id, "请说明钢筋单价的计取依据。",
                                        clock.now() + timedelta(hours=1))
    evaluation.answer_clarification(session, clock, world.bidders[0], item.id, "按本市 2026 年 2 月信息价计取。")
    score_all(session, clock, room, ev, lambda i, b, c: c.max_points * (Decimal("0.4") if i == 6 else Decimal("0.8")))
    return room, ev


def _sign_all(session, clock, store, world, room, ev, *, skip: int = 0):
    chair = next(m for m in members(ev) if m.id == ev.chair_member_id)
    order = [chair] + [m for m in members(ev) if m is not chair]
    signed = None
    for m in order[:len(order) - skip]:
        signed = evaluation_report.sign_report(session, clock, actor_of(room, m), ev.id, signing(store))
    session.commit()
    return signed


def test_the_committee_signs_the_report_seven_times_and_it_validates(session, clock, store, world, tmp_path):
    room, ev = _scored(session, clock, store, world)
    assert ev.status == "report"
    notes = evaluation.deviation_notes(session, ev)
    low = members(ev)[6]
    assert notes and {n.member_id for n in notes} == {low.id} and all(n.deviation_pct < -10 for n in notes)
    chair = chair_actor(room, ev)
    with pytest.raises(Conflict, match="偏离"):  # no report before the deviations are explained
        evaluation_report.sign_report(session, clock, chair, ev.id, signing(store))
    with pytest.raises(NotFound):  # only the member who deviated explains
        evaluation.explain_deviation(session, clock, actor_of(room, members(ev)[1]), ev.id, notes[0].bidder_id, "说明")
    for note in notes:
        evaluation.explain_deviation(session, clock, actor_of(room, low), ev.id, note.bidder_id,
                                     "该投标人类似工程业绩证明材料不全，本人按招标文件从严评分。")
    with pytest.raises(Conflict, match="组长"):  # the chair signs first
        evaluation_report.sign_report(session, clock, actor_of(room, members(ev)[1]), ev.id, signing(store))
    dissenter = members(ev)[2]
    evaluation.record_dissent(session, clock, actor_of(room, dissenter), ev.id, DISSENT)
    with pytest.raises(NotPermitted, match="退出评标室"):
        evaluation_report.score_sheet_excel(session, world.agent, ev.id)

    signed = _sign_all(session, clock, store, world, room, ev, skip=1)
    assert ev.status == "signing" and signed.signatures == 6
    with pytest.raises(Conflict):  # signed once only
        evaluation_report.sign_report(session, clock, chair, ev.id, signing(store))
    with pytest.raises(NotPermitted):  # still no scores for the agent with one signature missing
        evaluation.score_view(session, world.agent, ev.id)
    with pytest.raises(Conflict, match="评标结束后"):  # 一标一评 comes after the end
        expert_ratings.rate_expert(session, clock, world.agent, ev.id, low.expert_id, _ratings())
    last = members(ev)[-1]
    signed = evaluation_report.sign_report(session, clock, actor_of(room, last), ev.id, signing(store))
    session.commit()

    assert signed.signatures == 7 and ev.status == "closed" and ev.closed_at == clock.now()
    assert room.draws[1].seed_revealed_at is not None and room.tender.status == "awarding"
    assert evaluation.score_view(session, world.agent, ev.id).others_visible  # the agent may read everything now
    pdf = evaluation_report.report_pdf(session, world.agent, ev.id, store)
    check = verify_pdf(pdf, pki.trust_roots(session), [pki.crl(session, clock, SIGNING)], clock.now())
    assert check.ok and len(check.signatures) == 7, [p for s in check.signatures for p in s.problems]
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    report = pdfsig(path, nss_database(tmp_path / "nss", pki.ca(session).pem))
    assert report.count("Signature is Valid.") == 7
    reasons = [str(s.sig_object.get("/Reason")) for s in PdfFileReader(io.BytesIO(pdf)).embedded_signatures]
    assert reasons[0].endswith("组长签署") and sum(DISSENT in r for r in reasons) == 1
    dissent = next(e for e in ledger.entries(session) if e.action == "evaluation.dissent")
    assert dissent.data["after"]["dissent"] == DISSENT
    assert ledger.verify(session).ok

    record = signed_records.get(session, ev.report_record_id)
    assert record.kind == "evaluation_report" and record.subject_id == ev.id
    rebuilt = evaluation_report.build_record(evaluation_report.report_data(session, ev), record.id)
    assert records.content_digest(rebuilt) == record.content_sha256  # the signed content can be re-derived
    content = records.canonical_content(rebuilt)
    for expected in ("项目经理资格不合格（条例第51条第3项；5/7 人不通过）：项目经理无一级建造师注册证书",
                     "请说明钢筋单价的计取依据", "按本市 2026 年 2 月信息价计取", "从严评分", "评标基准价（元）", "副场",
                     "推荐的中标候选人", "无利害关系", "开标记录 PDF SHA-256"):
        assert expected in content, expected

    workbook = openpyxl.load_workbook(io.BytesIO(evaluation_report.score_sheet_excel(session, world.agent, ev.id)))
    assert workbook.sheetnames[0] == "汇总" and len(workbook.sheetnames) == 8
    summary = list(workbook["汇总"].iter_rows(values_only=True))
    header = summary[0]
    assert header[:4] == ("排序", "并列", "投标人", "投标报价（元）") and "最终得分" in header
    assert summary[-1][header.index("投标人")] == "投标公司3"  # rejected, with its grounds
    first_sheet = list(workbook[workbook.sheetnames[1]].iter_rows(values_only=True))
    assert len(first_sheet) == 3 and first_sheet[0][0] == "投标人" and first_sheet[0][-1] == "合计"
    assert evaluation.recompute(session, world.supervisor, ev.id)


def _ratings(**kw):
    values = {"timeliness": 5, "competence": 4, "fairness": 5, "discipline": 5}
    values.update(kw)
    return values


def test_experts_are_rated_once_by_each_party_and_their_credit_follows(session, clock, store, world):
    room, ev = _scored(session, clock, store, world)
    for note in evaluation.deviation_notes(session, ev):
        evaluation.explain_deviation(session, clock, actor_of(room, members(ev)[6]), ev.id, note.bidder_id,
                                     "按招标文件从严评分。")
    _sign_all(session, clock, store, world, room, ev)
    assert ev.status == "closed"
    expert = session.get(Expert, members(ev)[6].expert_id)
    assert [r.name for r in expert_ratings.experts_to_rate(session, world.agent, ev.id)] == [m.name for m in members(ev)]
    expert_ratings.rate_expert(session, clock, world.agent, ev.id, expert.id, _ratings())
    assert expert.credit_score == 100
    with pytest.raises(Conflict):  # once per party
        expert_ratings.rate_expert(session, clock, world.agent, ev.id, expert.id, _ratings())
    with pytest.raises(InvalidInput):  # a low rating states its facts
        expert_ratings.rate_expert(session, clock, world.tenderee, ev.id, expert.id, _ratings(timeliness=1))
    for bad in (_ratings(fairness=6), _ratings(fairness=0), {"timeliness": 5}, _ratings(fairness=True)):
        with pytest.raises(InvalidInput):
            expert_ratings.rate_expert(session, clock, world.tenderee, ev.id, expert.id, bad)
    rating = expert_ratings.rate_expert(session, clock, world.tenderee, ev.id, expert.id,
                                        _ratings(timeliness=1, discipline=2), "迟到 40 分钟，评标中多次离席。")
    assert rating.credit_delta == -6 and expert.credit_score == 94  # (3 − 1) × 2 + (3 − 2) × 2
    expert_ratings.rate_expert(session, clock, world.supervisor, ev.id, expert.id, _ratings(discipline=1), "离席接打电话")
    assert expert.credit_score == 90
    for outsider in (world.other_agent, world.bidders[0], world.expert):
        with pytest.raises(NotPermitted):
            expert_ratings.rate_expert(session, clock, outsider, ev.id, expert.id, _ratings())
    with pytest.raises(NotFound):  # only experts of this committee
        expert_ratings.rate_expert(session, clock, world.supervisor, ev.id, 999999, _ratings())
    assert len(expert_ratings.ratings(session, world.supervisor, ev.id)) == 3
    with pytest.raises(NotPermitted):
        expert_ratings.sanction(session, clock, world.agent, expert.id, "suspended", "多次违纪")
    expert_ratings.sanction(session, clock, world.supervisor, expert.id, "removed", "评标纪律严重违规，予以清退")
    assert expert.status == "removed"
    assert [e.action for e in ledger.entries(session)][-1] == "expert.status"


def test_lowest_price_report_and_a_refusal_deemed_agreement(session, clock, store, world):
    room = build_room(session, clock, store, world, method="lowest_evaluated_price", main=5, sub=0)
    ev = set_up(session, clock, world, room, score_items=(), price_rule=None, candidates=1)
    seat_everyone(session, clock, room, ev)
    elect(session, clock, room, ev)
    review_all(session, clock, room, ev)
    chair = chair_actor(room, ev)
    evaluation.close_review(session, clock, chair, ev.id)
    evaluation.adjust_price(session, clock, chair, ev.id, ev.bidders[1].id, "800000", "工期偏离按招标文件折算")
    evaluation.finish_pricing(session, clock, chair, ev.id)
    with pytest.raises(Conflict):  # refusals are recorded while the report is being signed
        evaluation.record_refusal(session, clock, chair, ev.id, members(ev)[4].id, "拒绝签字")
    _sign_all(session, clock, store, world, room, ev, skip=1)
    refuser = members(ev)[-1]
    with pytest.raises(NotPermitted):
        evaluation.record_refusal(session, clock, actor_of(room, members(ev)[1]), ev.id, refuser.id, "拒绝签字")
    evaluation.record_refusal(session, clock, chair, ev.id, refuser.id, "拒绝签字，亦未书面陈述理由")
    session.commit()
    assert ev.status == "closed" and room.tender.status == "awarding"
    record = signed_records.get(session, ev.report_record_id)
    assert record.signatures == 4
    content = records.canonical_content(evaluation_report.build_record(
        evaluation_report.report_data(session, ev), record.id))
    assert "工期偏离按招标文件折算" in content and "评标价（元）" in content and "9,500,000.00" in content
    refusal = next(e for e in ledger.entries(session) if e.action == "evaluation.refuse")
    assert refusal.data["after"]["rule"] == "条例第53条"
