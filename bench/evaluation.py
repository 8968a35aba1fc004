"""Benchmark of the committee result and the evaluation report (`python bench/evaluation.py`).

The issue's size: 50 bidders × 9 experts × 30 scoring items (29 typed by the experts, the price score computed),
13,050 typed scores. The steps, each timed ``--runs`` times (median), on synthetic data and without a database:

1. ``aggregate``: the price computation (:class:`bidding.price_rules.MeanDeviationRule`) and the committee result
   (:func:`bidding.aggregation.committee_result`: totals, means with the extremes dropped, deviations, ranking,
   candidates), all in :class:`~decimal.Decimal` from the raw score rows, as :func:`bidding.evaluation.compute_result`
   does after reading them;
2. ``baseline``: a plain pandas groupby over the same numbers (sum per expert and bid, then mean per bid, as floats):
   the cheapest way to get the means, measured in the same run;
3. ``record``: building the report's content (:func:`bidding.evaluation_report.build_record`) and its digest;
4. ``render``: the PDF (reportlab, embedded CJK font; the first render, which registers the font, is left out);
5. ``excel``: the score sheet (a summary and one sheet per expert, pandas + openpyxl).

It prints the medians and the ratio of each step to the pandas baseline, and writes bench/out/evaluation.pdf and
bench/out/evaluation.xlsx (ignored by git).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from bidding import aggregation  # noqa: E402
from bidding.evaluation import ItemResult  # noqa: E402
from bidding.evaluation_report import (  # noqa: E402
    BidderLine,
    Criterion,
    MemberLine,
    ReportData,
    build_record,
    score_frames,
    write_excel,
)
from bidding.price_rules import MeanDeviationRule  # noqa: E402
from signing import records  # noqa: E402

SURNAMES = "张王李刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GROUPS = ["施工组织设计", "项目管理机构", "质量安全文明施工", "企业业绩与信誉"]


def synthetic(bidders: int, experts: int, criteria: int, seed: int = 7) -> dict[str, Any]:
    """Score rows as the database holds them: (expert, bidder, item, points), with prices and maxima."""
    rng = random.Random(seed)
    typed = criteria - 1
    maxima = {c: (Decimal(60) / typed).quantize(Decimal("0.01")) for c in range(1, typed + 1)}
    maxima[typed] += Decimal(60) - sum(maxima.values())  # the typed items add up to 60, the price to 40
    prices = {b: Decimal(rng.randrange(85_000_000, 99_000_000)) / 10 for b in range(1, bidders + 1)}
    rows = [(e, b, c, (maxima[c] * Decimal(rng.randrange(50, 101)) / 100).quantize(Decimal("0.01")))
            for e in range(1, experts + 1) for b in prices for c in maxima]
    return {"maxima": maxima, "prices": prices, "rows": rows, "experts": list(range(1, experts + 1))}


def aggregate(data: dict[str, Any], rule: MeanDeviationRule) -> tuple[dict[str, Any], aggregation.CommitteeResult]:
    """What scoring's end computes: price scores, each expert's total, the committee result."""
    computation = rule.compute({str(b): p for b, p in data["prices"].items()})
    typed: dict[str, dict[str, Decimal]] = {}
    for expert, bidder, _, points in data["rows"]:
        per = typed.setdefault(str(bidder), {})
        per[str(expert)] = per.get(str(expert), Decimal(0)) + points
    totals = {b: {e: aggregation.expert_total({"typed": t}, computation.scores[b].score) for e, t in per.items()}
              for b, per in typed.items()}
    options = aggregation.Options(drop_extremes=True, deviation_threshold_pct=Decimal(20), candidates=3)
    return computation.as_json(), aggregation.committee_result({str(b): p for b, p in data["prices"].items()}, totals,
                                                               options)


def baseline(frame: pd.DataFrame) -> pd.Series:
    """The plain way to the means: sum per (bidder, expert), mean per bidder."""
    return frame.groupby(["bidder", "expert"])["points"].sum().groupby(level="bidder").mean()


def report_data(data: dict[str, Any], inputs: dict[str, Any], result: aggregation.CommitteeResult) -> ReportData:
    rng = random.Random(11)
    names = {b: f"{''.join(rng.sample(SURNAMES, 2))}建设工程有限公司{b:02d}" for b in data["prices"]}
    members = [MemberLine(id=e, name=f"{SURNAMES[e % len(SURNAMES)]}专家{e}", kind="expert", chair=e == 1,
                          venue="main" if e <= 6 else "sub", venue_place="杭州市公共资源交易中心第 3 评标室",
                          sign_in_venue=f"工位 {e}", signed_in_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
                          declaration="无利害关系", active=True) for e in data["experts"]]
    bidders = [BidderLine(id=b, name=names[b], credit_code=f"91330100MA{b:07d}X", price=p, status="valid", grounds="",
                          low_price="", low_price_reason="") for b, p in data["prices"].items()]
    review = [Criterion(100 + i, "资格评审", n, "qualification") for i, n in enumerate(["营业执照", "资质", "项目经理"])]
    score = [Criterion(c, GROUPS[c % len(GROUPS)], f"评分因素 {c}", "subjective", m) for c, m in data["maxima"].items()]
    score.append(Criterion(999, "投标报价", "投标报价得分", "price", Decimal(40)))
    return ReportData(
        tender_code="ZB-2026-0042", tender_title="市政道路改造工程", section_label="第 1 标段 一标段",
        tenderee="某市住房和城乡建设局", agent="某某招标代理有限公司", price_limit="100,000,000.00", method="comprehensive",
        evaluation_at=datetime(2026, 3, 2, 1, 30, tzinfo=UTC), place="杭州市公共资源交易中心第 3 评标室",
        draw_facts=[("专家抽取编号", "1")], opening_facts=[("开标时间", "2026-03-01 09:30:00")],
        opening_rows=[[names[b], "已解密", str(p), "已缴纳"] for b, p in data["prices"].items()], members=members,
        election_note="过半数当选", bidders=bidders, review_criteria=review,
        review_results=[ItemResult(c.id, b.id, len(members), 0, True, []) for c in review for b in bidders],
        score_criteria=score, scores={(e, b, c): p for e, b, c, p in data["rows"]},
        config={"drop_extremes": True, "deviation_threshold_pct": "20", "candidates": 3, "ranked": True},
        price_inputs=inputs, result=result.as_json())


def timed(step: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, output = [], None
    for _ in range(runs):
        started = time.perf_counter()
        output = step()
        times.append(time.perf_counter() - started)
    return statistics.median(times), output


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bidders", type=int, default=50)
    parser.add_argument("--experts", type=int, default=9)
    parser.add_argument("--criteria", type=int, default=30, help="scoring items including the price (default 30)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    data = synthetic(args.bidders, args.experts, args.criteria)
    rule = MeanDeviationRule(full_marks=Decimal(40), e_above=Decimal(2), e_below=Decimal(1), k=Decimal("0.02"),
                             drop_extremes_from=7)
    frame = pd.DataFrame([(e, b, c, float(p)) for e, b, c, p in data["rows"]],
                         columns=["expert", "bidder", "criterion", "points"])
    base_s, means = timed(lambda: baseline(frame), args.runs * 4)
    agg_s, (inputs, result) = timed(lambda: aggregate(data, rule), args.runs)
    typed_means = {int(b.key): b.mean_all - Decimal(inputs["scores"][str(b.key)]["score"]) for b in result.bidders}
    if any(abs(float(typed_means[b]) - means[b]) > 0.01 for b in typed_means):
        raise SystemExit("the committee result and the pandas baseline disagree")
    report = report_data(data, inputs, result)
    record_s, record = timed(lambda: build_record(report, "PB-BENCH-1"), args.runs)
    timed(lambda: records.content_digest(record), 1)
    records.render(record)  # registers the font once (cold), not counted
    render_s, pdf = timed(lambda: records.render(record), args.runs)
    excel_s, xlsx = timed(lambda: write_excel(score_frames(report)), args.runs)

    pages = len(re.findall(rb"/Type /Page\b", pdf))
    print(f"evaluation: {args.bidders} bidders × {args.experts} experts × {args.criteria} items "
          f"({len(data['rows'])} typed scores), median of {args.runs} runs")
    print(f"{'step':<12}{'median s':>12}{'vs pandas':>12}")
    print(f"{'baseline':<12}{base_s:>12.4f}{1:>12.1f}   pandas groupby sum → mean (floats)")
    for name, seconds, note in (("aggregate", agg_s, "Decimal price scores, totals, drop extremes, deviations, ranking"),
                                ("record", record_s, "report content (12号令第42条)"),
                                ("render", render_s, f"PDF, {pages} pages, {len(pdf) / 1024:.0f} KiB"),
                                ("excel", excel_s, f"score sheet, {args.experts + 1} sheets, {len(xlsx) / 1024:.0f} KiB")):
        print(f"{name:<12}{seconds:>12.4f}{seconds / base_s:>12.1f}   {note}")
    print(f"aggregate + record + render: {agg_s + record_s + render_s:.3f} s per report "
          f"({len(result.deviations)} deviations flagged)")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "evaluation.pdf").write_bytes(pdf)
    (out / "evaluation.xlsx").write_bytes(xlsx)


if __name__ == "__main__":
    main()
