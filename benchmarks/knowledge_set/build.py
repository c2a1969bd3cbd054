"""Make the PDF and DOCX files of the set from their text in ``sources/`` (run once;
the outputs are committed). PDF: ``===PAGE===`` starts a new page, lines wrapped at 90
characters. DOCX: ``# `` and ``## `` lines are headings, blank lines end paragraphs."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1]))

from tests.capabilities.documents import make_docx, make_pdf  # noqa: E402


def pdf_from(text: str) -> bytes:
    pages = []
    for page in text.split("===PAGE===\n"):
        lines: list[str] = []
        for line in page.splitlines():
            lines.extend(textwrap.wrap(line, 90) or [""])
        pages.append(lines)
    return make_pdf(pages)


def docx_from(text: str) -> bytes:
    items: list[tuple[str, str] | tuple[str, str, int]] = []
    for block in text.split("\n\n"):
        block = block.strip()
        if block.startswith("## "):
            items.append(("heading", block[3:], 2))
        elif block.startswith("# "):
            items.append(("heading", block[2:], 1))
        elif block:
            items.append(("para", " ".join(block.split())))
    return make_docx(items)


def main() -> None:
    sources = HERE / "sources"
    for name in ("safety_datasheet", "coffee_guide"):
        (HERE / f"{name}.pdf").write_bytes(pdf_from((sources / f"{name}.txt").read_text()))
    (HERE / "hr_policy.docx").write_bytes(docx_from((sources / "hr_policy.txt").read_text()))


if __name__ == "__main__":
    main()
