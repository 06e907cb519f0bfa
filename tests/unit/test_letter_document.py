"""The structured letter: the one parse of a stored body that the PDF, DOCX and preview share."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from advocate.services.letter_document import (
    Heading,
    ListBlock,
    Paragraph,
    Rule,
    Table,
    escape,
    parse,
    plain,
)

BODY = """# Test Advocacy Service
Level 2, 10 Example Street
Sydney NSW 2000

**Subject: Follow-up** — event E1

## The offences

1. **s 474.17** of the Code
   continued on the next line
2. second

- a bullet
- another

| Reference | Number |
|---|---|
| Police event | E1 \\| E2 |
| ReportCyber | COS-1 |

---
Yours sincerely,
"""


def test_blocks_of_a_letter():
    blocks = parse(BODY).blocks
    kinds = [type(b) for b in blocks]
    assert kinds == [
        Heading, Paragraph, Paragraph, Heading, ListBlock, ListBlock, Table, Rule, Paragraph
    ]  # fmt: skip
    assert [plain(line) for line in blocks[1].lines] == [  # type: ignore[union-attr]
        "Level 2, 10 Example Street",
        "Sydney NSW 2000",
    ]
    subject = blocks[2].lines[0]  # type: ignore[union-attr]
    assert subject == (("Subject: Follow-up", True), (" — event E1", False))
    numbered = blocks[4]
    assert isinstance(numbered, ListBlock) and numbered.ordered and numbered.start == 1
    assert plain(numbered.items[0]) == "s 474.17 of the Code continued on the next line"
    assert not blocks[5].ordered  # type: ignore[union-attr]
    table = blocks[6]
    assert isinstance(table, Table) and table.header is not None
    assert [plain(c) for c in table.header] == ["Reference", "Number"]
    assert [plain(c) for c in table.rows[0]] == ["Police event", "E1 | E2"]


def test_a_table_without_a_separator_has_no_header_and_ragged_rows_are_padded():
    (table,) = parse("| a | b |\n| c |").blocks
    assert isinstance(table, Table) and table.header is None
    assert [[plain(c) for c in row] for row in table.rows] == [["a", "b"], ["c", ""]]


def test_numbering_starts_where_the_writer_started_it():
    (block,) = parse("3. third\n4. fourth").blocks
    assert isinstance(block, ListBlock) and block.start == 3 and len(block.items) == 2


def test_html_is_just_text():
    (block,) = parse("<b>not bold</b> <script>x</script>").blocks
    assert isinstance(block, Paragraph)
    assert block.lines[0] == (("<b>not bold</b> <script>x</script>", False),)


@given(st.text(min_size=1, max_size=200))
def test_anything_from_the_case_stays_one_plain_line(value):
    """Whatever a description or name holds, escaped it is one paragraph of exactly that
    text (whitespace collapsed): it cannot become a heading, a list, a table or bold."""
    expected = " ".join(value.split())
    blocks = parse(escape(value)).blocks
    if not expected:
        assert blocks == []
        return
    assert len(blocks) == 1 and isinstance(blocks[0], Paragraph)
    assert blocks[0].lines == ((((expected, False),)),)


@given(st.text(max_size=100), st.text(max_size=100))
def test_escaped_values_inside_a_list_item_stay_inside_it(before, after):
    text = f"1. {escape(before)} **{escape(after)}**"
    (block,) = parse(text).blocks
    assert isinstance(block, ListBlock) and len(block.items) == 1
    expected = f"{' '.join(before.split())} {' '.join(after.split())}"
    assert plain(block.items[0]).strip() == expected.strip()
