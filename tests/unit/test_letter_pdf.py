"""A letter's tables in the PDF: on the page, every cell's words kept, long cells wrapped."""

from __future__ import annotations

import pytest

from advocate.services.letter_document import parse
from advocate.services.letter_pdf import _TEXT_WIDTH, _column_widths, render_pdf
from tests.pdf_text import pdf_lines

NARROW = """| Reference | Number |
|---|---|
| ReportCyber | COC2411146121 |
"""

WIDE = """| Person | Reference | Number | Issued by | Officer |
|---|---|---|---|---|
| Person A | Police event / occurrence number | E308883592 | Local police | Sen Const Peters |
| Person B | Platform report | 587948719441319 | Platform trust and safety | |
| Person C | eSafety complaint | ESC-2024-560304 | {long} | Sen Const Mccormick |
"""

LONG_CELL = (
    "The eSafety Commissioner's adult cyber abuse team, who asked for the screenshots again "
    "and said the platform had not answered their removal notice within the time allowed"
)


def table_of(text: str):
    (table,) = parse(text).blocks
    return table


def test_a_narrow_table_keeps_its_own_width():
    widths = _column_widths(table_of(NARROW))
    assert sum(widths) < _TEXT_WIDTH / 2
    assert widths[1] > widths[0]  # the number is the longer column


def test_a_wide_table_fills_the_page_and_short_columns_are_not_squeezed():
    table = table_of(WIDE.format(long=LONG_CELL))
    widths = _column_widths(table)
    assert sum(widths) == pytest.approx(_TEXT_WIDTH)
    person, _reference, number, issued_by, _officer = widths
    # "Person A" and the numbers fit on one line; the long cell takes what is left.
    assert person < number < issued_by


def test_every_cell_reaches_the_pdf_with_long_ones_wrapped():
    data = render_pdf(
        parse(WIDE.format(long=LONG_CELL)), title="Test", author="Test", footer="Test"
    )
    lines = pdf_lines(data)
    text = " ".join(lines)
    for word in ("Person A", "E308883592", "587948719441319", "ESC-2024-560304", "Mccormick"):
        assert word in text
    # Every word of the long cell is there, over several lines of its own column.
    assert all(word in text for word in LONG_CELL.split())
    assert sum(any(w in line for w in ("screenshots", "removal", "allowed")) for line in lines) > 1
    assert all(len(line) < 120 for line in lines)


def test_a_header_is_measured_in_the_bold_it_is_printed_in():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from advocate.services.letter_pdf import _CELL_PADDING, _CELL_SIZE, FONT, FONT_BOLD

    (width,) = _column_widths(table_of("| Officer in charge |\n|---|\n| Lee |"))
    bold = stringWidth("Officer in charge", FONT_BOLD, _CELL_SIZE) + _CELL_PADDING
    assert bold > stringWidth("Officer in charge", FONT, _CELL_SIZE) + _CELL_PADDING
    assert width == pytest.approx(bold)
