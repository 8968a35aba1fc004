"""Benchmark of signed records (`python bench/sign_record.py`): how long does a 50-page evaluation report take?

An evaluation report (评标报告) is the largest record the platform produces routinely: a few facts, the committee's
findings and a scoring table with a row per bidder, criterion and expert. This script builds one of about
``--pages`` pages, then times each step on it ``--runs`` times and prints seconds per record:

1. ``render``: ``signing.records.render`` (reportlab, embedded CJK font, two-pass page numbering);
2. (to come) ``sign``: the PAdES signature over the rendered bytes; add it as another entry in ``steps()``.

The first render also registers the font (parsing the 5 MB .ttc once per process); it is reported separately as
"cold" so the per-record figures are what a long-running worker pays. The last PDF is written to
bench/out/sign_record.pdf (ignored by git) for a look.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from signing.records import Facts, Heading, Paragraph, Record, SignaturePlaces, Table, render  # noqa: E402

ROWS_PER_PAGE = 29  # measured with the house style on A4: one row in six wraps onto a second line
BIDDERS = ["华夏建设工程有限公司", "东方市政工程集团有限公司", "中原路桥建设股份有限公司", "江南园林绿化工程有限公司",
           "西部水利水电工程有限责任公司", "北方交通建设集团有限公司"]
CRITERIA = ["施工组织设计", "项目管理机构", "质量保证措施", "安全文明施工", "工期保证措施", "投标报价"]
EXPERTS = ["张伟", "王芳", "李强", "刘洋", "陈静"]
LONG_REMARK = "内容完整，措施具体可行，针对本项目重点难点提出了有效的应对方案，但进度计划与劳动力安排衔接不够紧密"


def build_report_record(pages_hint: int = 50) -> Record:
    """An evaluation report of roughly ``pages_hint`` A4 pages, with realistic Chinese text; importable by other code."""
    rows: list[list[str]] = []
    for i in range(max(1, pages_hint * ROWS_PER_PAGE - 20)):
        bidder, criterion, expert = BIDDERS[i % 6], CRITERIA[i // 6 % 6], EXPERTS[i // 36 % 5]
        remark = "响应招标文件要求" if i % 6 else LONG_REMARK
        rows.append([str(i + 1), bidder, criterion, expert, f"{(i * 7919) % 1000 / 100 + 10:.2f}", remark])
    return Record(
        kind="evaluation_report",
        title="市政道路改造工程（一标段）评标报告",
        tender_code="ZB-2026-0042",
        record_id="PB-2026-0042-01",
        blocks=[
            Heading("一、项目基本情况"),
            Facts([("项目名称", "市政道路改造工程"), ("标段", "一标段"), ("招标人", "某市住房和城乡建设局"),
                   ("招标代理机构", "某某招标代理有限公司"), ("开标时间", "2026年3月2日 09:30"), ("评标办法", "综合评估法")]),
            Heading("二、评标委员会"),
            Paragraph("评标委员会由招标人代表1名和从省综合评标专家库中随机抽取的技术、经济专家4名组成，"
                      "共5人。评标委员会成员均已签署无利害关系承诺书。"),
            Heading("三、评分明细"),
            Table(["序号", "投标人", "评审因素", "评委", "得分", "评审意见"], rows),
            Heading("四、评标结论"),
            Paragraph("经评审，评标委员会推荐中标候选人依次为：华夏建设工程有限公司、东方市政工程集团有限公司、"
                      "中原路桥建设股份有限公司。"),
            SignaturePlaces(EXPERTS),
        ],
    )


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


def steps() -> dict[str, Callable[[Record], bytes]]:
    """The timed steps, in order; each takes the record and returns the bytes the next stage would keep."""
    return {"render": render}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50, help="approximate pages of the report (default 50)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per step (default 5)")
    args = parser.parse_args(argv)

    record = build_report_record(args.pages)
    rows = sum(len(b.rows) for b in record.blocks if isinstance(b, Table))
    for name, step in steps().items():
        started = time.perf_counter()
        output = step(record)
        cold = time.perf_counter() - started
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            output = step(record)
            times.append(time.perf_counter() - started)
        print(f"{name}: {page_count(output)} pages, {rows} table rows, {len(output) / 1024:.0f} KiB; "
              f"cold {cold:.3f} s, then {statistics.mean(times):.3f} s per record "
              f"(min {min(times):.3f}, max {max(times):.3f}, {args.runs} runs)")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "sign_record.pdf").write_bytes(output)


if __name__ == "__main__":
    main()
