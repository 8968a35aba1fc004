"""Benchmark of signed records (`python bench/sign_record.py`): how long does a 50-page evaluation report take?

An evaluation report (评标报告) is the largest record the platform produces routinely: a few facts, the committee's
findings and a scoring table with a row per bidder, criterion and expert. This script builds one of about
``--pages`` pages, then times each step on it ``--runs`` times and prints seconds per record:

1. ``render``: ``signing.records.render`` (reportlab, embedded CJK font, two-pass page numbering);
2. ``sign``: a person's PAdES B-T signature over the rendered bytes (key unsealed with the PIN, chain
   embedded, timestamp from the platform TSA), on a fresh SQLite instance with its own platform CA;
3. ``verify``: pyHanko's validation of that signature against the platform CA and CRL.

It prints seconds per record, signatures per second, and the ratio of signing (and verifying) to
rendering measured in the same run.

The first render also registers the font (parsing the 5 MB .ttc once per process); it is reported separately as
"cold" so the per-record figures are what a long-running worker pays. The last PDF is written to
bench/out/sign_record.pdf (ignored by git) for a look.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
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


def _timed(step: Callable[[], bytes | object], runs: int) -> tuple[float, list[float], object]:
    started = time.perf_counter()
    output = step()
    cold = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        output = step()
        times.append(time.perf_counter() - started)
    return cold, times, output


def _signing_instance(workdir: Path):
    """A migrated SQLite database with the platform CA and one signer: what `flask signing init` leaves."""
    from app.cli import upgrade
    from core.actor import Actor, Role
    from core.clock import SystemClock
    from core.db import make_engine, make_session_factory
    from core.identity import User, UserRole, hash_password
    from signing import pki

    url = f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    session = make_session_factory(make_engine(url))()
    clock = SystemClock()
    settings = pki.PlatformSettings(passphrase="bench-passphrase", crl_url="http://127.0.0.1:5000/pki/crl.der")
    pki.init_platform(session, clock, Actor.system(), settings)
    user = User(username="expert", display_name="张伟", password_hash=hash_password("bench-password"), active=True,
                created_at=clock.now(), role_rows=[UserRole(role=Role.EXPERT)])
    session.add(user)
    session.flush()
    pki.issue_person(session, clock, user.actor(), settings, user.id, "张伟", "省评标专家库", PIN)
    session.commit()
    return session, clock, settings, user


PIN = "bench-pin-2468"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50, help="approximate pages of the report (default 50)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per step (default 5)")
    args = parser.parse_args(argv)

    from signing import pki, seal
    from signing.verify import verify_pdf

    record = build_report_record(args.pages)
    rows = sum(len(b.rows) for b in record.blocks if isinstance(b, Table))
    with tempfile.TemporaryDirectory(prefix="sealbid-bench-") as tmp:
        session, clock, settings, user = _signing_instance(Path(tmp))
        cold, render_times, pdf = _timed(lambda: render(record), args.runs)
        print(f"render: {page_count(pdf)} pages, {rows} table rows, {len(pdf) / 1024:.0f} KiB; cold {cold:.3f} s, "
              f"then {statistics.mean(render_times):.3f} s per record")

        def sign() -> bytes:
            return seal.sign_as_person(session, clock, settings, user.id, PIN, pdf, field_name="expert",
                                       reason="评标报告签名")

        cold, sign_times, signed = _timed(sign, args.runs)
        crl = pki.crl(session, clock, settings)
        roots = pki.trust_roots(session)
        _, verify_times, check = _timed(lambda: verify_pdf(signed, roots, [crl]), args.runs)
        session.close()
    if not check.ok:
        raise SystemExit("the benchmark's signature did not verify")
    render_s, sign_s, verify_s = (statistics.mean(t) for t in (render_times, sign_times, verify_times))
    print(f"sign (PAdES B-T, PIN unseal + TSA): cold {cold:.3f} s, then {sign_s:.3f} s per signature "
          f"= {1 / sign_s:.1f} signatures/s")
    print(f"verify (pyHanko): {verify_s:.3f} s per signed record")
    print(f"ratio sign/render: {sign_s / render_s:.2f}; verify/render: {verify_s / render_s:.2f}; "
          f"render+sign: {render_s + sign_s:.3f} s per record")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "sign_record.pdf").write_bytes(signed)


if __name__ == "__main__":
    main()
