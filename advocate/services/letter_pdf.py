"""The letter as a PDF: ReportLab Platypus with an embedded open TrueType font.

ReportLab needs no system libraries; a three-page letter with two tables of reference numbers
takes about 25 ms of CPU. The font is DejaVu Sans where the system has it (it covers more
scripts, for clients' names) and otherwise Bitstream Vera, which ships inside the ReportLab
package, so nothing system-level is required. Fonts are registered once per process.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as PdfTable

from advocate.services.letter_document import (
    Document,
    Heading,
    Inline,
    ListBlock,
    Rule,
    Table,
)
from advocate.services.letter_document import Paragraph as TextParagraph

_REPORTLAB_FONTS = Path(reportlab.__file__).resolve().parent / "fonts"
_FONT_CANDIDATES = (
    (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
    (_REPORTLAB_FONTS / "Vera.ttf", _REPORTLAB_FONTS / "VeraBd.ttf"),
)
FONT = "LetterSans"
FONT_BOLD = "LetterSans-Bold"
# The frame's width (A4 less the margins); a table cell's type, and its left + right padding.
_TEXT_WIDTH = A4[0] - 44 * mm
_CELL_SIZE = 9.5
_CELL_LEADING = 12
_CELL_PADDING = 12.0


@cache
def register_fonts() -> str:
    """Register the letter font family once; returns the file used (for the record)."""
    for regular, bold in _FONT_CANDIDATES:
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont(FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
            registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
            return str(regular)
    raise RuntimeError("No TrueType font for letters: ReportLab's Vera fonts are missing")


@cache
def _styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle(
        "body", fontName=FONT, bulletFontName=FONT, fontSize=10.5, leading=14, spaceAfter=7
    )
    return {
        "body": body,
        "h1": ParagraphStyle(
            "h1", parent=body, fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=2
        ),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName=FONT_BOLD, fontSize=11.5, leading=15, spaceBefore=6
        ),
        "h3": ParagraphStyle("h3", parent=body, fontName=FONT_BOLD, spaceBefore=4),
        "item": ParagraphStyle(
            "item",
            parent=body,
            spaceAfter=3,
            alignment=TA_LEFT,
            leftIndent=20,
            bulletIndent=0,
            bulletFontName=FONT,
        ),
        "cell": ParagraphStyle(
            "cell", parent=body, fontSize=_CELL_SIZE, leading=_CELL_LEADING, spaceAfter=0
        ),
        "cell_head": ParagraphStyle(
            "cell_head",
            parent=body,
            fontName=FONT_BOLD,
            fontSize=_CELL_SIZE,
            leading=_CELL_LEADING,
            spaceAfter=0,
        ),
    }


def _markup(text: Inline) -> str:
    """ReportLab paragraph markup from runs: everything escaped, bold as <b>."""
    parts = []
    for part, bold in text:
        escaped = xml_escape(part)
        parts.append(f"<b>{escaped}</b>" if bold else escaped)
    return "".join(parts)


def _flowables(document: Document) -> list[Flowable]:
    styles = _styles()
    out: list[Flowable] = []
    for block in document.blocks:
        if isinstance(block, Heading):
            style = styles[f"h{min(block.level, 3)}"]
            out.append(Paragraph(_markup(block.text), style))
        elif isinstance(block, TextParagraph):
            out.append(
                Paragraph("<br/>".join(_markup(line) for line in block.lines), styles["body"])
            )
        elif isinstance(block, ListBlock):
            # One paragraph per item with a hanging bullet: far cheaper than ListFlowable,
            # which wraps every item several times.
            for offset, item in enumerate(block.items):
                marker = f"{block.start + offset}." if block.ordered else "•"
                out.append(Paragraph(_markup(item), styles["item"], bulletText=marker))
            if block.items:
                out.append(Spacer(0, 4))
        elif isinstance(block, Table):
            out.append(_table(block, styles))
        elif isinstance(block, Rule):
            out.append(HRFlowable(width="100%", thickness=0.6, color=colors.grey, spaceAfter=8))
    return out


def _table(block: Table, styles: dict[str, ParagraphStyle]) -> Flowable:
    if not block.header and not block.rows:
        return Spacer(0, 0)
    widths = _column_widths(block)
    rows = [
        [
            _cell(c, w, styles["cell_head" if bold else "cell"])
            for c, w in zip(line, widths, strict=True)
        ]
        for line, bold in _lines(block)
    ]
    table = PdfTable(rows, colWidths=widths, repeatRows=1 if block.header else 0, hAlign="LEFT")
    commands = [
        # The cells' own default is an unembedded Helvetica.
        ("FONT", (0, 0), (-1, -1), FONT, _CELL_SIZE, _CELL_LEADING),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if block.header:
        commands.append(("FONT", (0, 0), (-1, 0), FONT_BOLD, _CELL_SIZE, _CELL_LEADING))
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    table.setStyle(TableStyle(commands))
    return table


def _lines(block: Table) -> list[tuple[tuple[Inline, ...], bool]]:
    """Each row of cells, all as wide as the widest, and whether it is the header (whose every
    run is set in bold)."""
    lines = [(row, False) for row in block.rows]
    if block.header:
        header = tuple(tuple((part, True) for part, _ in cell) for cell in block.header)
        lines.insert(0, (header, True))
    columns = max(len(line) for line, _ in lines)
    return [(line + ((),) * (columns - len(line)), bold) for line, bold in lines]


def _cell(text: Inline, width: float, style: ParagraphStyle) -> str | Paragraph:
    """Plain text where it fits on one line in its row's weight, else a paragraph.

    A table's plain text is drawn as it is; a paragraph is parsed as markup, wrapped and laid
    out, about 0.15 ms a cell, which a letter's reference and incident tables multiply.
    """
    row_bold = style.fontName == FONT_BOLD
    if all(bold == row_bold for _, bold in text) and _width(text) + _CELL_PADDING <= width:
        return "".join(part for part, _ in text)
    return Paragraph(_markup(text), style)


def _width(text: Inline) -> float:
    return sum(
        pdfmetrics.stringWidth(part, FONT_BOLD if bold else FONT, _CELL_SIZE) for part, bold in text
    )


def _longest_word(text: Inline) -> float:
    return max(
        (
            pdfmetrics.stringWidth(word, FONT_BOLD if bold else FONT, _CELL_SIZE)
            for part, bold in text
            for word in part.split()
        ),
        default=0.0,
    )


def _column_widths(block: Table) -> list[float]:
    """Columns that fit keep their own width; the others share what is left of the page.

    Left to ReportLab, a table of paragraphs is sized by wrapping every cell several times.
    Here a column whose longest cell fits in an even share of the page gets just that; the
    rest split what remains evenly (never below their longest word), as a browser lays out a
    table.
    """
    register_fonts()
    lines = _lines(block)
    columns = len(lines[0][0])
    natural = [_CELL_PADDING] * columns
    least = [_CELL_PADDING] * columns
    for line, _ in lines:
        for column, cell in enumerate(line):
            natural[column] = max(natural[column], _width(cell) + _CELL_PADDING)
            least[column] = max(least[column], _longest_word(cell) + _CELL_PADDING)
    widths = list(natural)
    crowded = set(range(columns))
    left = _TEXT_WIDTH
    while crowded:
        share = left / len(crowded)
        fitting = {column for column in crowded if natural[column] <= share}
        if not fitting:
            break
        crowded -= fitting
        left -= sum(natural[column] for column in fitting)
    for column in crowded:
        widths[column] = max(least[column], left / len(crowded))
    return widths


def render_pdf(document: Document, *, title: str, author: str, footer: str) -> bytes:
    """Render the structured letter to PDF bytes (A4, page numbers in the footer)."""
    flowables = _flowables(document)
    buffer = io.BytesIO()

    def on_page(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(20 * mm, 12 * mm, footer)
        canvas.drawRightString(A4[0] - 20 * mm, 12 * mm, f"Page {doc.page}")
        canvas.restoreState()

    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=22 * mm,
        title=title,
        author=author,
        subject=title,
        creator="Advocate",
        initialFontName=FONT,  # otherwise an unembedded Helvetica is referenced
    )
    template.build(flowables, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
