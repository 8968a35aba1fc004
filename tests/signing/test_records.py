"""Signed-record PDFs in the house style: readable Chinese in an embedded font, numbered pages, the digest on every page.

The PDFs are read back with poppler's ``pdftotext``/``pdffonts``/``pdfinfo`` (Debian ``poppler-utils``), the same
family of tools an independent reader would use. Without them these tests skip on a developer's machine and FAIL in
CI (CI=true), where a missing tool is a broken setup rather than a reason to test nothing.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from signing import records
from signing.records import Facts, Heading, Paragraph, Record, SignaturePlaces, Table

TABLE_HEADER = ["序号", "投标人名称", "投标报价（元）", "符合性审查", "综合得分"]
FACTS = [("项目名称", "市政道路改造工程"), ("招标人", "某市住房和城乡建设局"), ("开标时间", "2026年3月2日 09:30")]
LONG_REMARK = "报价明显低于其他投标报价，评标委员会要求其作出书面说明并提供相关证明材料，经审查后认定其报价合理"


def require_tool(name: str) -> str:
    """The tool's path; skip without it, except in CI where its absence must fail the run."""
    path = shutil.which(name)
    if path is None:
        reason = f"{name} not installed (Debian package poppler-utils)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI=true, so .ci/run must install it", pytrace=False)
        pytest.skip(reason)
    return path


def run_tool(name: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    return subprocess.run([require_tool(name), *args, str(path), *(["-"] if name == "pdftotext" else [])],
                          check=True, capture_output=True, text=True, encoding="utf-8").stdout


def page_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text of each page, in drawing order; pdftotext ends every page with a form feed.

    ``-raw`` because the default layout mode drops narrow spaces (WenQuanYi's space is a quarter em) by guessing word
    gaps, turning "第 1 页" into "第1页"; raw mode keeps the space characters that are in the file.
    """
    return run_tool("pdftotext", pdf, tmp_path, "-raw", "-enc", "UTF-8").split("\f")[:-1]


def evaluation_report(rows: int = 3, **changes: object) -> Record:
    record = Record(
        kind="evaluation_report",
        title="市政道路改造工程评标报告",
        tender_code="ZB-2026-0042",
        record_id="PB-2026-0042-01",
        blocks=[
            Heading("一、项目基本情况"),
            Facts(FACTS),
            Paragraph("评标委员会依法组建，按照招标文件规定的评标标准和方法，对投标文件进行了系统的评审和比较。"),
            Heading("二、评审结果"),
            Table(TABLE_HEADER, [
                [str(i), f"某某建设工程有限公司第{i}分公司", f"{1_000_000 + 37 * i:,}.00", "合格" if i % 3 else LONG_REMARK,
                 f"{90 - i / 100:.2f}"]
                for i in range(1, rows + 1)
            ]),
            SignaturePlaces(["张三", "李四", "王五"]),
        ],
    )
    return dataclasses.replace(record, **changes)


@pytest.fixture(scope="module")
def short_pdf() -> bytes:
    return records.render(evaluation_report())


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    return records.render(evaluation_report(rows=200))


def test_rendered_pdf_shows_the_chinese_title_facts_table_and_signers(short_pdf, tmp_path):
    text = "".join(page_texts(short_pdf, tmp_path))
    for expected in ["市政道路改造工程评标报告", "项目名称", "某市住房和城乡建设局", "2026年3月2日 09:30", "投标报价（元）",
                     "某某建设工程有限公司第2分公司", "1,000,074.00", "签名：李四（电子签名）"]:
        assert expected in text


def test_every_font_in_the_pdf_is_embedded_and_none_is_a_standard_font(long_pdf, tmp_path):
    lines = run_tool("pdffonts", long_pdf, tmp_path).splitlines()[2:]
    assert lines, "pdffonts lists no font"
    for line in lines:
        name, emb = line.split()[0], line.split()[-5]
        assert emb == "yes", line
        assert "WenQuanYi" in name and "Helvetica" not in name, line


def test_a_long_table_spans_pages_and_every_page_says_page_x_of_y(long_pdf, tmp_path):
    pages = page_texts(long_pdf, tmp_path)
    assert len(pages) >= 3
    for number, text in enumerate(pages, 1):
        assert f"第 {number} 页 / 共 {len(pages)} 页" in text


def test_the_table_header_row_repeats_on_the_next_page(long_pdf, tmp_path):
    pages = page_texts(long_pdf, tmp_path)
    continued = [text for text in pages if "某某建设工程有限公司第150分公司" in text]
    assert continued and pages.index(continued[0]) >= 2
    for column in TABLE_HEADER:
        assert column in continued[0]


def test_every_page_has_the_header_and_a_footer_with_record_id_and_full_digest(long_pdf, tmp_path):
    digest = records.content_digest(evaluation_report(rows=200))
    for text in page_texts(long_pdf, tmp_path):
        assert "sealbid 电子招标投标交易平台" in text and "ZB-2026-0042" in text
        assert f"记录编号 PB-2026-0042-01 · 内容摘要 SHA-256 {digest}" in text


def test_a_record_number_too_long_for_one_footer_line_still_leaves_the_full_digest(tmp_path):
    record = evaluation_report(record_id="PB-2026-0042-01-" + "第二次评审复核记录" * 4)
    pdf = records.render(record)
    assert f"内容摘要 SHA-256 {records.content_digest(record)}" in page_texts(pdf, tmp_path)[0]


def test_pdf_metadata_names_title_platform_kind_and_creator(short_pdf, tmp_path):
    info = run_tool("pdfinfo", short_pdf, tmp_path)
    assert "Title:           市政道路改造工程评标报告" in info
    assert "Author:          sealbid 电子招标投标交易平台" in info
    assert "Subject:         evaluation_report" in info
    assert "Creator:         sealbid signing.records" in info


def test_text_that_looks_like_markup_is_printed_as_written(tmp_path):
    record = evaluation_report(blocks=[Paragraph("报价 <b>含税</b> & 运费\n第二行"), Table(["备注"], [["a < b & c"]])])
    text = "".join(page_texts(records.render(record), tmp_path))
    assert "报价 <b>含税</b> & 运费" in text and "第二行" in text and "a < b & c" in text


def test_the_same_record_renders_to_the_same_bytes(short_pdf):
    assert records.render(evaluation_report()) == short_pdf


def test_content_digest_is_stable_across_calls_and_equal_records():
    assert records.content_digest(evaluation_report()) == records.content_digest(evaluation_report())
    assert len(records.content_digest(evaluation_report())) == 64


def _change_block(index: int, block: records.Block):
    def change(record: Record) -> Record:
        blocks = list(record.blocks)
        blocks[index] = block
        return dataclasses.replace(record, blocks=blocks)
    return change


@pytest.mark.parametrize("change", [
    lambda r: dataclasses.replace(r, kind="award_notice"),
    lambda r: dataclasses.replace(r, title=r.title + "（修订）"),
    lambda r: dataclasses.replace(r, tender_code="ZB-2026-0043"),
    lambda r: dataclasses.replace(r, record_id="PB-2026-0042-02"),
    _change_block(0, Heading("一、项目概况")),
    _change_block(1, Facts([*FACTS[:2], ("开标时间", "2026年3月3日 09:30")])),
    _change_block(1, Facts([("项目名", "市政道路改造工程"), *FACTS[1:]])),
    _change_block(2, Paragraph("评标委员会依法组建。")),
    _change_block(4, Table(["序号", "投标人", "投标报价（元）", "符合性审查", "综合得分"], evaluation_report().blocks[4].rows)),
    _change_block(4, Table(TABLE_HEADER, [["1", "某某建设工程有限公司第1分公司", "1,000,037.01", "合格", "89.99"],
                                          *evaluation_report().blocks[4].rows[1:]])),
    _change_block(5, SignaturePlaces(["张三", "李四", "赵六"])),
    lambda r: dataclasses.replace(r, blocks=[r.blocks[2], *r.blocks[:2], *r.blocks[3:]]),
], ids=["kind", "title", "tender_code", "record_id", "heading", "fact value", "fact label", "paragraph", "table header",
        "table cell", "signer", "block order"])
def test_content_digest_changes_when_any_content_changes(change):
    assert records.content_digest(change(evaluation_report())) != records.content_digest(evaluation_report())


def test_content_digest_ignores_layout_and_the_platform_name():
    report = evaluation_report()
    table = report.blocks[4]
    relaid = dataclasses.replace(report, platform_name="另一平台",
                                 blocks=[*report.blocks[:4], Table(table.header, table.rows, [1, 4, 2, 4, 1]), report.blocks[5]])
    assert records.content_digest(relaid) == records.content_digest(report)


def test_cells_must_be_preformatted_text_and_rows_must_match_the_header():
    with pytest.raises(TypeError, match="must be text"):
        Table(["金额"], [[1000]])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="row 1 has 1 cells"):
        Table(["序号", "名称"], [["1"]])


def test_a_missing_font_file_raises_a_runtime_error_naming_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.setenv("SEALBID_CJK_FONT", str(tmp_path / "missing.ttc"))
    with pytest.raises(RuntimeError, match="fonts-wqy-microhei") as raised:
        records.render(evaluation_report())
    assert "missing.ttc" in str(raised.value)


def test_the_font_file_can_be_chosen_with_an_environment_variable(monkeypatch, tmp_path):
    copy = tmp_path / "cjk.ttc"
    copy.symlink_to(records.DEFAULT_FONT_PATH)
    monkeypatch.setenv("SEALBID_CJK_FONT", str(copy))
    pdf = records.render(evaluation_report())
    assert "市政道路改造工程评标报告" in "".join(page_texts(pdf, tmp_path))


def test_a_cell_longer_than_a_page_continues_on_the_next_page(tmp_path):
    opinion = "评审意见第" + "很长的评审意见。" * 800 + "意见结束"
    record = evaluation_report(blocks=[Table(["序号", "评审意见"], [["1", opinion], ["2", "无"]]),
                                       Facts([("说明", "事实。" * 900)])])
    pages = page_texts(records.render(record), tmp_path)
    assert len(pages) >= 3
    assert "评审意见第" in pages[0] and any("意见结束" in text for text in pages[1:])
