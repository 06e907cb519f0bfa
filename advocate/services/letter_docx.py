"""The letter as a Word document (python-docx), from the same structure as the PDF.

python-docx's own template carries ~800 kB of styles that take longer to load and zip than
the whole PDF takes to make, so a slimmed copy (Normal and Table Grid styles, A4 margins,
the letter font) is built once per process and each letter opens that. The body is written as
WordprocessingML in one piece — every text escaped — and handed to python-docx to place.

Numbers in lists are written as text with a hanging indent rather than Word's automatic
numbering, so the numbers a recipient sees are the ones the PDF shows.
"""

from __future__ import annotations

import io
import re
from functools import cache
from xml.sax.saxutils import escape as xml_escape

from docx import Document as open_docx
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

from advocate.services.letter_document import (
    Document,
    Heading,
    Inline,
    ListBlock,
    Paragraph,
    Rule,
    Table,
)

FONT = "Arial"
KEEP_STYLES = frozenset({"Normal", "DefaultParagraphFont", "TableNormal", "NoList", "TableGrid"})
DROP_PARTS = frozenset({"stylesWithEffects", "customXml", "thumbnail"})
TEXT_WIDTH_TWIPS = 9412  # A4 less 22 mm margins each side
INDENT_TWIPS = 454  # 8 mm
HEADING_HALF_POINTS = {1: 30, 2: 23, 3: 21}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@cache
def _template() -> bytes:
    """A4, the letter font, and only the styles a letter uses; made once per process."""
    doc = open_docx()
    styles = doc.styles.element
    for style in list(styles.findall(qn("w:style"))):
        if style.get(qn("w:styleId")) not in KEEP_STYLES:
            styles.remove(style)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype.rsplit("/", 1)[-1] in DROP_PARTS:
            doc.part.drop_rel(rel_id)
    package_rels = doc.part.package.rels
    for rel_id, rel in list(package_rels.items()):
        if rel.reltype.rsplit("/", 1)[-1] in DROP_PARTS:
            package_rels.pop(rel_id)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    section = doc.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(22)
    section.top_margin, section.bottom_margin = Mm(20), Mm(22)
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _text(value: str) -> str:
    return xml_escape(_NOT_XML.sub("", value))


def _runs(text: Inline, *, bold: bool = False, half_points: int | None = None) -> str:
    out = []
    for part, part_bold in text:
        props = ("<w:b/>" if bold or part_bold else "") + (
            f'<w:sz w:val="{half_points}"/>' if half_points else ""
        )
        rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
        out.append(f'<w:r>{rpr}<w:t xml:space="preserve">{_text(part)}</w:t></w:r>')
    return "".join(out)


def _paragraph(content: str, ppr: str = "") -> str:
    return f"<w:p>{'<w:pPr>' + ppr + '</w:pPr>' if ppr else ''}{content}</w:p>"


def _table(block: Table) -> str:
    rows = ([block.header] if block.header else []) + list(block.rows)
    if not rows:
        return ""
    columns = max(len(row) for row in rows)
    width = TEXT_WIDTH_TWIPS // columns
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for _ in range(columns))
    out = [
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
    ]
    for index, row in enumerate(rows):
        header = index == 0 and block.header is not None
        out.append("<w:tr>" + ("<w:trPr><w:tblHeader/></w:trPr>" if header else ""))
        for cell in list(row) + [()] * (columns - len(row)):
            out.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
                + _paragraph(_runs(cell, bold=header), '<w:spacing w:after="0"/>')
                + "</w:tc>"
            )
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out) + _paragraph("")


def _body_xml(document: Document) -> str:
    out: list[str] = []
    for block in document.blocks:
        if isinstance(block, Heading):
            size = HEADING_HALF_POINTS.get(block.level, 21)
            spacing = '<w:spacing w:before="120" w:after="40"/>' if block.level > 1 else ""
            out.append(_paragraph(_runs(block.text, bold=True, half_points=size), spacing))
        elif isinstance(block, Paragraph):
            out.append(_paragraph("<w:r><w:br/></w:r>".join(_runs(line) for line in block.lines)))
        elif isinstance(block, ListBlock):
            ppr = (
                f'<w:tabs><w:tab w:val="left" w:pos="{INDENT_TWIPS}"/></w:tabs>'
                '<w:spacing w:after="60"/>'
                f'<w:ind w:left="{INDENT_TWIPS}" w:hanging="{INDENT_TWIPS}"/>'
            )
            for offset, item in enumerate(block.items):
                marker = f"{block.start + offset}." if block.ordered else "•"
                content = f"<w:r><w:t>{marker}</w:t></w:r><w:r><w:tab/></w:r>" + _runs(item)
                out.append(_paragraph(content, ppr))
        elif isinstance(block, Table):
            out.append(_table(block))
        elif isinstance(block, Rule):
            border = '<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="999999"/>'
            out.append(_paragraph("", border + "</w:pBdr>"))
    return "".join(out)


def render_docx(document: Document, *, title: str, author: str, footer: str) -> bytes:
    """Render the structured letter to DOCX bytes."""
    doc = open_docx(io.BytesIO(_template()))
    body = doc.element.body
    section_properties = body.find(qn("w:sectPr"))
    fragment = parse_xml(f"<w:body {nsdecls('w')}>{_body_xml(document)}</w:body>")
    for child in list(fragment):
        section_properties.addprevious(child)
    doc.sections[0].footer.paragraphs[0].text = _NOT_XML.sub("", footer)
    properties = doc.core_properties
    properties.title = _NOT_XML.sub("", title)[:255]
    properties.author = _NOT_XML.sub("", author)[:255]
    properties.subject = properties.title
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
