"""Small real documents made in the tests: a PDF written by hand, DOCX with python-docx.

The PDF writer emits a valid PDF 1.4 file (catalog, page tree, Helvetica, one content
stream per page, a correct cross-reference table) so that pypdf reads it as any PDF.
"""

from __future__ import annotations

import io
from collections.abc import Sequence


def _pdf_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})"


def make_pdf(pages: Sequence[Sequence[str]]) -> bytes:
    """A PDF whose page *n* shows the lines ``pages[n]`` (ASCII text)."""
    objects: list[bytes] = []
    page_count = len(pages)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(page_count))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {page_count} >>".encode())
    font_number = 3 + 2 * page_count
    for index, lines in enumerate(pages):
        content_number = 4 + 2 * index
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font_number} 0 R >> >> "
            f"/Contents {content_number} 0 R >>".encode()
        )
        operations = ["BT", "/F1 10 Tf", "14 TL", "50 760 Td"]
        for line in lines:
            operations.append(f"{_pdf_string(line)} Tj T*")
        operations.append("ET")
        stream = "\n".join(operations).encode("latin-1")
        objects.append(
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
        )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def make_docx(
    items: Sequence[tuple[str, str] | tuple[str, str, int] | list[list[str]]],
) -> bytes:
    """A Word document: ``("heading", text, level)``, ``("para", text)`` or a table (rows)."""
    import docx

    document = docx.Document()
    for item in items:
        if isinstance(item, list):
            table = document.add_table(rows=len(item), cols=len(item[0]))
            for r, row in enumerate(item):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
        elif item[0] == "heading":
            level = item[2] if len(item) == 3 else 1
            document.add_heading(item[1], level=level)
        else:
            document.add_paragraph(item[1])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
