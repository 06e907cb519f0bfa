"""The structured letter: one parse of the stored text feeds the PDF, the DOCX and the preview.

The stored body is plain text with a small, fixed Markdown subset, so what a caseworker types
in a textarea is what every renderer shows and nothing is ever read as HTML:

- ``# text`` / ``## text``  a heading (the letterhead, a section title)
- ``1. text``               a numbered list item (indented lines continue the item)
- ``- text``                a bullet list item
- ``| a | b |``             a table row; a ``|---|---|`` row after the first makes it a header
- ``---``                   a horizontal rule
- a blank line              ends a paragraph; single line breaks inside one are kept (addresses)
- ``**bold**`` inline; a backslash makes the next character literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

#: (text, bold) runs: the only inline formatting a letter has.
Inline = tuple[tuple[str, bool], ...]

_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")
_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+(.*)$")
_BULLET = re.compile(r"^[-*•]\s+(.*)$")
_RULE = re.compile(r"^(-{3,}|_{3,})\s*$")
_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MARKUP_CHARS = frozenset("\\*|")


@dataclass(frozen=True)
class Heading:
    kind: ClassVar[str] = "heading"
    level: int
    text: Inline


@dataclass(frozen=True)
class Paragraph:
    kind: ClassVar[str] = "paragraph"
    lines: tuple[Inline, ...]


@dataclass(frozen=True)
class ListBlock:
    kind: ClassVar[str] = "list"
    ordered: bool
    items: tuple[Inline, ...]
    start: int = 1


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    header: tuple[Inline, ...] | None
    rows: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class Rule:
    kind: ClassVar[str] = "rule"


Block = Heading | Paragraph | ListBlock | Table | Rule


@dataclass
class Document:
    blocks: list[Block] = field(default_factory=list)


def plain(text: Inline) -> str:
    return "".join(part for part, _bold in text)


_INLINE_TOKEN = re.compile(r"\\(.)|\*\*", re.S)


def parse_inline(text: str) -> Inline:
    """Split text into (text, bold) runs on ``**``; ``\\x`` is a literal x."""
    if "\\" not in text and "**" not in text:  # most lines: one plain run
        return ((text, False),) if text else ()
    runs: list[tuple[str, bool]] = []
    buffer: list[str] = []
    bold = False
    position = 0
    for token in _INLINE_TOKEN.finditer(text):
        buffer.append(text[position : token.start()])
        position = token.end()
        if token.group(1) is not None:  # an escaped character, kept as it is
            buffer.append(token.group(1))
            continue
        if joined := "".join(buffer):
            runs.append((joined, bold))
        buffer = []
        bold = not bold
    buffer.append(text[position:])
    if joined := "".join(buffer):
        runs.append((joined, bold))
    return tuple(runs)


def _split_cells(line: str) -> list[str]:
    """Cells of a ``| a | b |`` row, honouring ``\\|`` inside a cell."""
    stripped = line.strip()
    if stripped.startswith("|"):
        stripped = stripped[1:]
    if stripped.endswith("|") and not stripped.endswith("\\|"):
        stripped = stripped[:-1]
    cells, current, i = [], [], 0
    while i < len(stripped):
        if stripped[i] == "\\" and i + 1 < len(stripped):
            current.append(stripped[i : i + 2])
            i += 2
            continue
        if stripped[i] == "|":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(stripped[i])
        i += 1
    cells.append("".join(current).strip())
    return cells


def parse(text: str) -> Document:
    """Parse a stored letter body into blocks (never fails: unknown text is a paragraph)."""
    document = Document()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    paragraph: list[Inline] = []
    list_items: list[str] = []
    list_ordered = False
    list_start = 1
    table_rows: list[list[str]] = []
    table_has_header = False

    def flush_paragraph() -> None:
        if paragraph:
            document.blocks.append(Paragraph(tuple(paragraph)))
            paragraph.clear()

    def flush_list() -> None:
        if list_items:
            items = tuple(parse_inline(item) for item in list_items)
            document.blocks.append(ListBlock(list_ordered, items, list_start))
            list_items.clear()

    def flush_table() -> None:
        nonlocal table_has_header
        if table_rows:
            width = max(len(row) for row in table_rows)
            cells = [
                tuple(parse_inline(c) for c in row + [""] * (width - len(row)))
                for row in table_rows
            ]
            header = cells[0] if table_has_header else None
            body = cells[1:] if table_has_header else cells
            document.blocks.append(Table(header, tuple(body)))
            table_rows.clear()
        table_has_header = False

    def flush_all() -> None:
        flush_paragraph()
        flush_list()
        flush_table()

    for raw in lines:
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            flush_all()
            continue
        if list_items and raw[:1] in (" ", "\t"):
            list_items[-1] += " " + stripped  # a continuation line of the item
            continue
        if stripped.startswith("\\"):
            # An escaped first character: this line is plain paragraph text.
            flush_list()
            flush_table()
            paragraph.append(parse_inline(stripped))
            continue
        if stripped.startswith("|"):
            flush_paragraph()
            flush_list()
            if _TABLE_SEPARATOR.match(stripped):
                if len(table_rows) == 1:
                    table_has_header = True
                continue
            table_rows.append(_split_cells(stripped))
            continue
        if table_rows:
            flush_table()
        if _RULE.match(stripped):
            flush_all()
            document.blocks.append(Rule())
            continue
        heading = _HEADING.match(stripped)
        if heading:
            flush_all()
            document.blocks.append(Heading(len(heading.group(1)), parse_inline(heading.group(2))))
            continue
        numbered = _NUMBERED.match(stripped)
        bullet = None if numbered else _BULLET.match(stripped)
        if numbered or bullet:
            flush_paragraph()
            ordered = numbered is not None
            if list_items and list_ordered != ordered:
                flush_list()
            if not list_items:
                list_ordered = ordered
                list_start = int(numbered.group(1)) if numbered else 1
            list_items.append(numbered.group(2) if numbered else bullet.group(1))  # type: ignore[union-attr]
            continue
        flush_list()
        paragraph.append(parse_inline(stripped))
    flush_all()
    return document


def escape(value: object) -> str:
    """Make a value from the case safe to place in a letter body: one line, no markup.

    Used by the letter templates on everything that comes from the case, so a ``*`` or ``|``
    in a description cannot turn into bold text or a table, and a name that starts with
    ``1.`` or ``#`` stays plain text.
    """
    text = " ".join(str(value if value is not None else "").split())
    out = "".join("\\" + c if c in _MARKUP_CHARS else c for c in text)
    if (
        _HEADING.match(out)
        or _NUMBERED.match(out)
        or _BULLET.match(out)
        or _RULE.match(out)
        or out.startswith(("#", "-", "*"))
    ):
        out = "\\" + out
    return out
