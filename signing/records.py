"""The house style of every signed record PDF (DESIGN.md section 4): notices, receipts, opening and evaluation records.

A record is plain data (:class:`Record` with a list of blocks); :func:`render` turns it into a PDF in one layout for
the whole platform, and :func:`content_digest` hashes the *content* alone. The digest is printed in every page's
footer, so a printed copy, the signed PDF and the ledger entry can be matched to each other without trusting the
renderer: re-rendering with a newer reportlab changes the bytes, never the digest.

Why the details are as they are:

- Chinese needs a font the reader may not have, so WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``) is embedded
  (subset) and is the *only* font: every style, every table cell and the canvas's initial font use it, because a
  single non-embedded Helvetica is enough for PDF/A-minded validators and archivists to reject the file.
- "第 x 页 / 共 y 页" needs the page count before the first page is finished, so pages are buffered and decorated
  when the document is saved (reportlab's usual "NumberedCanvas" recipe).
- Output is deterministic (reportlab's ``invariant`` mode: fixed dates and file id), so the same record renders to
  the same bytes; the signing time lives in the PAdES signature added later, not in the PDF's info dictionary.
- Table cells are text the caller has already formatted (amounts, dates, scores), with :func:`money`,
  :func:`points` and :func:`when` so every record writes them alike: the digest must cover exactly what the reader
  sees, so rendering never formats numbers itself.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab import platypus
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from core.clock import shanghai_text

DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT_PATH_ENV = "SEALBID_CJK_FONT"
FONT_PACKAGE = "fonts-wqy-microhei"
PLATFORM_NAME = "sealbid 电子招标投标交易平台"
CONTENT_FORMAT = "sealbid-record/1"  # part of the digested JSON, so a later change of the serialisation cannot collide
CREATOR = "sealbid signing.records"

PAGE_SIZE = A4
MARGIN_LEFT = MARGIN_RIGHT = 20 * mm
MARGIN_TOP = 25 * mm  # the header sits in the top margin
MARGIN_BOTTOM = 22 * mm  # the footer sits in the bottom margin
FRAME_WIDTH = PAGE_SIZE[0] - MARGIN_LEFT - MARGIN_RIGHT

# Chinese document sizes: 三号 16 pt for the title, 四号 14 pt headings, 五号 10.5 pt text, 小五 9 pt tables.
TITLE_SIZE, HEADING_SIZE, BODY_SIZE, TABLE_SIZE, MARGINAL_SIZE = 16.0, 14.0, 10.5, 9.0, 7.0
CELL_PAD = 4.0
HEADING_KEEP = 35 * mm  # a heading starts a new page unless this much room is left for it and what follows
GRID_COLOUR = colors.HexColor("#808080")
HEADER_FILL = colors.HexColor("#E6E6E6")
MARGINAL_COLOUR = colors.HexColor("#404040")


# --- formatting cells -----------------------------------------------------------------------------------------------

BLANK = "—"


def money(value: Decimal | str | None) -> str:
    """An amount in yuan with thousands separators and two decimals, or a dash."""
    return BLANK if value is None else f"{Decimal(str(value)):,.2f}"


def points(value: Decimal | str | None) -> str:
    """A score with two decimals, or a dash."""
    return BLANK if value is None else f"{Decimal(str(value)):.2f}"


def when(value: datetime | None) -> str:
    """A time in Beijing time to the second, or a dash."""
    return shanghai_text(value) if value else BLANK


# --- the data model -------------------------------------------------------------------------------------------------


def _require_text(value: object, what: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be text (format numbers and dates before building the record), "
                        f"got {type(value).__name__}")


@dataclass(frozen=True)
class Heading:
    """A section heading; it never sits alone at the foot of a page."""

    text: str

    def __post_init__(self) -> None:
        _require_text(self.text, "Heading.text")


@dataclass(frozen=True)
class Paragraph:
    """Body text; newlines in ``text`` start new lines, the first line is indented two characters."""

    text: str

    def __post_init__(self) -> None:
        _require_text(self.text, "Paragraph.text")


@dataclass(frozen=True)
class Facts:
    """Key/value rows (项目名称 / 招标编号 / 开标时间 …), drawn as a two-column table."""

    rows: list[tuple[str, str]]

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != 2:
                raise ValueError(f"Facts rows are (label, value) pairs, got {row!r}")
            _require_text(row[0], "Facts label")
            _require_text(row[1], "Facts value")


@dataclass(frozen=True)
class Table:
    """A grid with a header row that repeats on every page the table runs onto.

    ``col_widths`` are relative weights (``[1, 4, 2]``), not points, so the same record fits any page size; without
    them the columns share the width by how much text they hold. Widths are layout, not content: they are left out of
    the digest.
    """

    header: list[str]
    rows: list[list[str]]
    col_widths: list[float] | None = None

    def __post_init__(self) -> None:
        if not self.header:
            raise ValueError("a Table needs at least one column")
        for cell in self.header:
            _require_text(cell, "Table header cell")
        for number, row in enumerate(self.rows, 1):
            if len(row) != len(self.header):
                raise ValueError(f"Table row {number} has {len(row)} cells, the header has {len(self.header)}")
            for cell in row:
                _require_text(cell, f"Table row {number} cell")
        if self.col_widths is not None:
            if len(self.col_widths) != len(self.header) or any(w <= 0 for w in self.col_widths):
                raise ValueError("col_widths needs one positive weight per column")


@dataclass(frozen=True)
class SignaturePlaces:
    """Who signs the record. The signatures themselves are PAdES signatures added by the signing step; this block only
    says visibly who is expected to sign, so a printed copy shows it too."""

    names: list[str]

    def __post_init__(self) -> None:
        for name in self.names:
            _require_text(name, "SignaturePlaces name")


Block = Heading | Paragraph | Facts | Table | SignaturePlaces


@dataclass(frozen=True)
class Record:
    """One record (招标公告, 投标回执, 开标记录表, 评标报告, 中标通知书 …) as plain data.

    ``kind`` is a short machine name (``evaluation_report``) used as the PDF subject; ``record_id`` is the platform's
    number for this record. ``platform_name`` is printed in the header but is not content: renaming the platform does
    not change any record's digest.
    """

    kind: str
    title: str
    tender_code: str
    record_id: str
    blocks: list[Block] = field(default_factory=list)
    platform_name: str = PLATFORM_NAME

    def __post_init__(self) -> None:
        for name in ("kind", "title", "tender_code", "record_id", "platform_name"):
            value = getattr(self, name)
            _require_text(value, f"Record.{name}")
            if not value.strip():
                raise ValueError(f"Record.{name} must not be empty")
        for block in self.blocks:
            if not isinstance(block, Heading | Paragraph | Facts | Table | SignaturePlaces):
                raise TypeError(f"not a record block: {type(block).__name__}")


# --- content digest -------------------------------------------------------------------------------------------------


def _block_content(block: Block) -> dict[str, Any]:
    match block:
        case Heading():
            return {"type": "heading", "text": block.text}
        case Paragraph():
            return {"type": "paragraph", "text": block.text}
        case Facts():
            return {"type": "facts", "rows": [[label, value] for label, value in block.rows]}
        case Table():
            return {"type": "table", "header": list(block.header), "rows": [list(row) for row in block.rows]}
        case SignaturePlaces():
            return {"type": "signatures", "names": list(block.names)}
    raise TypeError(f"not a record block: {type(block).__name__}")


def canonical_content(record: Record) -> str:
    """The record's content as canonical JSON (sorted keys, no spaces, UTF-8 text kept as is): what the digest covers."""
    return json.dumps(
        {
            "format": CONTENT_FORMAT,
            "kind": record.kind,
            "title": record.title,
            "tender_code": record.tender_code,
            "record_id": record.record_id,
            "blocks": [_block_content(block) for block in record.blocks],
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def content_digest(record: Record) -> str:
    """SHA-256 (hex) of :func:`canonical_content`; independent of fonts, layout and reportlab's version."""
    return hashlib.sha256(canonical_content(record).encode("utf-8")).hexdigest()


# --- font and styles (once per process) -----------------------------------------------------------------------------


def font_path() -> str:
    """The CJK font file: ``$SEALBID_CJK_FONT`` if set, else Debian's WenQuanYi Micro Hei."""
    return os.environ.get(FONT_PATH_ENV) or DEFAULT_FONT_PATH


@functools.cache
def _register_font(path: str) -> str:
    """Register the font at ``path`` with reportlab and return its name; cached, since parsing the 5 MB .ttc is slow.

    A failure is not cached, so installing the package later (or fixing the variable) works without a restart.
    """
    if not os.path.isfile(path):
        raise RuntimeError(
            f"CJK font file {path} not found: records need an embedded Chinese font. Install the Debian package "
            f"'{FONT_PACKAGE}' (apt-get install {FONT_PACKAGE}) or point {FONT_PATH_ENV} at a TrueType .ttf/.ttc file."
        )
    name = "SealbidCJK" if path == DEFAULT_FONT_PATH else "SealbidCJK-" + hashlib.sha256(path.encode()).hexdigest()[:8]
    pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
    # Map bold/italic to the same face, so markup can never fall back to a non-embedded standard font.
    pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)
    return name


@dataclass(frozen=True)
class _Styles:
    font: str
    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    fact: ParagraphStyle
    cell: ParagraphStyle
    header_cell: ParagraphStyle
    signature: ParagraphStyle


@functools.cache
def _styles(font: str) -> _Styles:
    """All paragraph styles in the one font; ``wordWrap='CJK'`` lets Chinese break between any two characters."""
    body = ParagraphStyle("sealbid-body", fontName=font, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.6, wordWrap="CJK",
                          firstLineIndent=2 * BODY_SIZE, spaceAfter=BODY_SIZE * 0.5)
    cell = ParagraphStyle("sealbid-cell", fontName=font, fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.4, wordWrap="CJK")
    return _Styles(
        font=font,
        title=ParagraphStyle("sealbid-title", parent=body, fontSize=TITLE_SIZE, leading=TITLE_SIZE * 1.5, alignment=TA_CENTER,
                             firstLineIndent=0, spaceAfter=TITLE_SIZE * 0.8),
        heading=ParagraphStyle("sealbid-heading", parent=body, fontSize=HEADING_SIZE, leading=HEADING_SIZE * 1.5,
                               firstLineIndent=0, spaceBefore=HEADING_SIZE * 0.6, spaceAfter=HEADING_SIZE * 0.3),
        body=body,
        fact=ParagraphStyle("sealbid-fact", parent=cell, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.4),
        cell=cell,
        header_cell=ParagraphStyle("sealbid-header-cell", parent=cell, alignment=TA_CENTER),
        signature=ParagraphStyle("sealbid-signature", parent=body, firstLineIndent=0, leading=BODY_SIZE * 1.6,
                                 spaceBefore=BODY_SIZE * 1.5, spaceAfter=BODY_SIZE * 1.5),
    )


def _markup(text: str) -> str:
    """Plain text to reportlab's paragraph markup: escape it, keep the caller's line breaks."""
    return escape(text).replace("\n", "<br/>")


# --- blocks to flowables --------------------------------------------------------------------------------------------


def _grid_style(font: str, size: float, *extra: tuple[Any, ...]) -> platypus.TableStyle:
    """Shared by facts and tables; FONTNAME is set because plain-string cells would otherwise default to Helvetica."""
    return platypus.TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("LEADING", (0, 0), (-1, -1), size * 1.4),
        ("GRID", (0, 0), (-1, -1), 0.5, GRID_COLOUR),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), CELL_PAD * 0.75),
        ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PAD * 0.75),
        *extra,
    ])


def _share_width(natural: list[float], available: float) -> list[float]:
    """Column widths from each column's natural (unwrapped) width.

    If everything fits, widen all columns in proportion. Otherwise columns narrower than an equal share keep their
    natural width and the rest split what is left equally (water-filling), so a 序号 column stays narrow and the long
    text columns wrap instead.
    """
    total = sum(natural)
    if total <= available:
        return [w * available / total for w in natural]
    widths = [0.0] * len(natural)
    remaining, open_columns = available, set(range(len(natural)))
    while open_columns:
        share = remaining / len(open_columns)
        narrow = {i for i in open_columns if natural[i] <= share}
        if not narrow:
            for i in open_columns:
                widths[i] = share
            break
        for i in narrow:
            widths[i] = natural[i]
            remaining -= natural[i]
        open_columns -= narrow
    return widths


def _text_width(text: str, font: str, size: float) -> float:
    return max(pdfmetrics.stringWidth(line, font, size) for line in text.split("\n"))


def _cell(text: str, width: float, style: ParagraphStyle) -> str | platypus.Paragraph:
    """A cell that fits on one line stays a plain string (several times faster to lay out); longer text wraps."""
    if "\n" not in text and pdfmetrics.stringWidth(text, style.fontName, style.fontSize) <= width - 2 * CELL_PAD:
        return text
    return platypus.Paragraph(_markup(text), style)


def _table(block: Table, styles: _Styles) -> platypus.Table:
    if block.col_widths is not None:
        widths = [w * FRAME_WIDTH / sum(block.col_widths) for w in block.col_widths]
    else:
        natural = [
            max(_text_width(text, styles.font, TABLE_SIZE) for text in [block.header[i], *(row[i] for row in block.rows)])
            + 2 * CELL_PAD + 1
            for i in range(len(block.header))
        ]
        widths = _share_width(natural, FRAME_WIDTH)
    data = [[platypus.Paragraph(_markup(text), styles.header_cell) for text in block.header]]
    data += [[_cell(text, widths[i], styles.cell) for i, text in enumerate(row)] for row in block.rows]
    return platypus.Table(
        data, colWidths=widths, repeatRows=1, splitInRow=1, hAlign="LEFT",
        style=_grid_style(styles.font, TABLE_SIZE, ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL)),
    )


def _facts(block: Facts, styles: _Styles) -> platypus.Table:
    label_width = max([_text_width(label, styles.font, BODY_SIZE) for label, _ in block.rows] + [0.0]) + 2 * CELL_PAD + 1
    label_width = min(label_width, FRAME_WIDTH * 0.35)
    data = [[platypus.Paragraph(_markup(label), styles.fact), platypus.Paragraph(_markup(value), styles.fact)]
            for label, value in block.rows]
    return platypus.Table(
        data, colWidths=[label_width, FRAME_WIDTH - label_width], splitInRow=1, hAlign="LEFT",
        style=_grid_style(styles.font, BODY_SIZE, ("BACKGROUND", (0, 0), (0, -1), HEADER_FILL)),
    )


def _flowables(block: Block, styles: _Styles) -> list[platypus.Flowable]:
    match block:
        case Heading():
            # Not keepWithNext: grouped with a table longer than a page, that would push both to a new page and leave
            # the rest of this one blank. A conditional break only avoids a heading stranded at the foot of a page.
            return [platypus.CondPageBreak(HEADING_KEEP), platypus.Paragraph(_markup(block.text), styles.heading)]
        case Paragraph():
            return [platypus.Paragraph(_markup(block.text), styles.body)]
        case Facts():
            return [_facts(block, styles), platypus.Spacer(1, BODY_SIZE)] if block.rows else []
        case Table():
            return [_table(block, styles), platypus.Spacer(1, BODY_SIZE)]
        case SignaturePlaces():
            lines = [platypus.Paragraph(_markup(f"签名：{name}（电子签名）"), styles.signature) for name in block.names]
            return [platypus.KeepTogether(lines)] if lines else []
    raise TypeError(f"not a record block: {type(block).__name__}")


# --- page decoration ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Marginalia:
    font: str
    platform_name: str
    tender_code: str
    record_id: str
    digest: str


class _RecordCanvas(Canvas):
    """Buffers every page, then draws header and footer on each once the page count is known (NumberedCanvas)."""

    def __init__(self, *args: Any, marginalia: _Marginalia, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._marginalia = marginalia
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, 1):
            self.__dict__.update(state)
            self._decorate(number, total)
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        m = self._marginalia
        width, height = PAGE_SIZE
        left, right = MARGIN_LEFT, width - MARGIN_RIGHT
        self.saveState()
        self.setFillColor(MARGINAL_COLOUR)
        self.setStrokeColor(MARGINAL_COLOUR)
        self.setLineWidth(0.5)

        top = height - MARGIN_TOP + 8 * mm
        self.setFont(m.font, 8)
        self.drawString(left, top, m.platform_name)
        self.drawRightString(right, top, m.tender_code)
        self.line(left, top - 2 * mm, right, top - 2 * mm)

        rule = MARGIN_BOTTOM - 8 * mm
        self.line(left, rule, right, rule)
        self.setFont(m.font, MARGINAL_SIZE)
        page = f"第 {number} 页 / 共 {total} 页"
        self.drawRightString(right, rule - 3.5 * mm, page)
        room = right - left - pdfmetrics.stringWidth(page, m.font, MARGINAL_SIZE) - 4 * mm
        one_line = f"记录编号 {m.record_id} · 内容摘要 SHA-256 {m.digest}"
        if pdfmetrics.stringWidth(one_line, m.font, MARGINAL_SIZE) <= room:
            self.drawString(left, rule - 3.5 * mm, one_line)
        else:  # a long record number: the digest gets a line of its own, still in full
            self.drawString(left, rule - 3.5 * mm, f"记录编号 {m.record_id}")
            self.drawString(left, rule - 3.5 * mm - MARGINAL_SIZE * 1.4, f"内容摘要 SHA-256 {m.digest}")
        self.restoreState()


# --- rendering ------------------------------------------------------------------------------------------------------


def render(record: Record) -> bytes:
    """The record as a PDF in the house style, ready for the signing step.

    Raises ``RuntimeError`` if the CJK font file is missing (the message names the Debian package).
    """
    font = _register_font(font_path())
    styles = _styles(font)
    digest = content_digest(record)
    story: list[platypus.Flowable] = [platypus.Paragraph(_markup(record.title), styles.title)]
    for block in record.blocks:
        story += _flowables(block, styles)

    out = io.BytesIO()
    doc = platypus.SimpleDocTemplate(
        out,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=record.title,
        author=record.platform_name,
        subject=record.kind,
        creator=CREATOR,
        keywords=[record.tender_code, record.record_id, f"sha256:{digest}"],
        lang="zh-CN",
        invariant=True,
        initialFontName=font,  # the canvas preamble would otherwise select (and list) Helvetica on every page
        initialFontSize=BODY_SIZE,
    )
    marginalia = _Marginalia(font, record.platform_name, record.tender_code, record.record_id, digest)
    doc.build(story, canvasmaker=functools.partial(_RecordCanvas, marginalia=marginalia))
    return out.getvalue()
