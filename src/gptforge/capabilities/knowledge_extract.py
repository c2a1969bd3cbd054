"""Text out of a knowledge file: PDF, DOCX, Markdown, text, HTML, CSV or JSON.

The type is decided by the file name's extension (browsers send vague content types),
then checked against the bytes: a ``.pdf`` that is not a PDF, a ``.docx`` that is not a
Word document or a ``.json`` that does not parse is refused with a
:class:`KnowledgeFileError` saying so. What comes out is a list of :class:`Block` s —
headings (with their level) and body text, with the page number for PDFs — that
``knowledge_chunks`` packs into passages.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

from gptforge.errors import GptforgeError

__all__ = [
    "MEDIA_TYPES",
    "Block",
    "ExtractLimits",
    "ExtractedText",
    "KnowledgeFileError",
    "extract",
    "media_type_of",
]

MEDIA_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".txt": "text/plain",
    ".text": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".csv": "text/csv",
    ".json": "application/json",
}
"""Accepted file name extensions and the media type each is read as."""

_ACCEPTED = "PDF, DOCX, Markdown (.md), text (.txt), HTML, CSV or JSON"

Reason = Literal["unsupported", "invalid", "too_large", "empty"]


class KnowledgeFileError(GptforgeError):
    """A file that cannot be used as knowledge (its type, content or size); says why."""

    def __init__(self, message: str, *, reason: Reason) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, kw_only=True)
class Block:
    """A heading (``heading_level`` 1-6) or a piece of body text (level 0)."""

    text: str
    heading_level: int = 0
    page: int | None = None
    """1-based page number, for PDFs."""


@dataclass(frozen=True, kw_only=True)
class ExtractedText:
    media_type: str
    blocks: tuple[Block, ...]
    page_count: int | None = None

    @property
    def chars(self) -> int:
        return sum(len(block.text) for block in self.blocks)


@dataclass(frozen=True, kw_only=True)
class ExtractLimits:
    max_chars: int = 3_000_000
    """Extracted text per file (about 1,500 pages)."""
    max_unpacked_bytes: int = 200_000_000
    """What a DOCX (a zip) may unpack to: bounds a zip bomb."""


def media_type_of(name: str, declared: str | None = None) -> str:
    """The media type a file is read as, from its name (else the declared type)."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in MEDIA_TYPES:
        return MEDIA_TYPES[suffix]
    base = (declared or "").split(";")[0].strip().lower()
    if not suffix and base in MEDIA_TYPES.values():
        return base
    raise KnowledgeFileError(
        f"{name!r} is not a supported knowledge file; upload {_ACCEPTED}.", reason="unsupported"
    )


def extract(
    name: str,
    data: bytes,
    *,
    media_type: str | None = None,
    limits: ExtractLimits | None = None,
) -> ExtractedText:
    """The text of one file as blocks; :class:`KnowledgeFileError` when it cannot be read."""
    limits = limits or ExtractLimits()
    media_type = media_type or media_type_of(name)
    page_count: int | None = None
    if media_type == "application/pdf":
        blocks, page_count = _pdf(name, data)
    elif media_type == MEDIA_TYPES[".docx"]:
        blocks = _docx(name, data, limits)
    elif media_type == "text/markdown":
        blocks = markdown_blocks(_decode(name, data))
    elif media_type == "text/html":
        blocks = _html(_decode(name, data))
    elif media_type == "text/csv":
        blocks = _csv(name, _decode(name, data))
    elif media_type == "application/json":
        blocks = _json(name, _decode(name, data))
    elif media_type == "text/plain":
        blocks = _paragraphs(_decode(name, data))
    else:
        raise KnowledgeFileError(
            f"{name!r} has the type {media_type}; upload {_ACCEPTED}.", reason="unsupported"
        )
    cleaned = tuple(_clean(blocks))
    result = ExtractedText(media_type=media_type, blocks=cleaned, page_count=page_count)
    if not result.blocks:
        hint = " (a scanned PDF needs OCR first)" if media_type == "application/pdf" else ""
        raise KnowledgeFileError(f"{name!r} contains no text{hint}.", reason="empty")
    if result.chars > limits.max_chars:
        raise KnowledgeFileError(
            f"{name!r} holds {result.chars:,} characters of text, over the limit of "
            f"{limits.max_chars:,}; split it into smaller files.",
            reason="too_large",
        )
    return result


# ------------------------------------------------------------------- cleanup

_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")
_HYPHENATED = re.compile(r"(\w)-\n(\w)")


def _clean(blocks: list[Block]) -> Iterator[Block]:
    for block in blocks:
        text = _CONTROL.sub(" ", block.text.replace("\r\n", "\n").replace("\r", "\n"))
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        text = "\n".join(line for line in lines if line)
        if text:
            level = block.heading_level
            if level:
                text = text.replace("\n", " ")
            yield Block(text=text, heading_level=level, page=block.page)


def _paragraphs(text: str, page: int | None = None) -> list[Block]:
    return [Block(text=part, page=page) for part in re.split(r"\n[ \t]*\n", text) if part.strip()]


def _decode(name: str, data: bytes) -> str:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if b"\x00" in data[:8192]:
        raise KnowledgeFileError(
            f"{name!r} is a binary file, not text; check that the name's extension "
            "matches what the file is.",
            reason="invalid",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# ----------------------------------------------------------------------- PDF


def _pdf(name: str, data: bytes) -> tuple[list[Block], int]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if b"%PDF-" not in data[:1024]:
        raise KnowledgeFileError(f"{name!r} is not a PDF file.", reason="invalid")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise KnowledgeFileError(
                f"{name!r} is password-protected; upload a copy without a password.",
                reason="invalid",
            )
        blocks: list[Block] = []
        for number, page in enumerate(reader.pages, start=1):
            text = _HYPHENATED.sub(r"\1\2", page.extract_text() or "")
            blocks.extend(_paragraphs(text, page=number))
        return blocks, len(reader.pages)
    except KnowledgeFileError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise KnowledgeFileError(
            f"{name!r} is not a readable PDF (it looks damaged: {type(exc).__name__}); "
            "export it again and re-upload.",
            reason="invalid",
        ) from exc


# ---------------------------------------------------------------------- DOCX


def _docx(name: str, data: bytes, limits: ExtractLimits) -> list[Block]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    not_word = KnowledgeFileError(
        f"{name!r} is not a Word document (.docx); an old .doc file must be saved as .docx.",
        reason="invalid",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise not_word from None
    if "word/document.xml" not in names:
        raise not_word
    if unpacked > limits.max_unpacked_bytes:
        raise KnowledgeFileError(
            f"{name!r} unpacks to {unpacked:,} bytes, over {limits.max_unpacked_bytes:,}.",
            reason="too_large",
        )
    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[Block] = []
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                blocks.append(Block(text=item.text, heading_level=_docx_level(item)))
            elif isinstance(item, Table):
                blocks.extend(Block(text=row) for row in _docx_rows(item))
        return blocks
    except (ValueError, KeyError, zipfile.BadZipFile, AttributeError) as exc:
        raise KnowledgeFileError(
            f"{name!r} is not a readable Word document (it looks damaged: "
            f"{type(exc).__name__}); save it again and re-upload.",
            reason="invalid",
        ) from exc
    except Exception as exc:  # lxml raises its own XMLSyntaxError for a broken part
        if type(exc).__name__ == "XMLSyntaxError":
            raise KnowledgeFileError(
                f"{name!r} is not a readable Word document (broken XML inside).",
                reason="invalid",
            ) from exc
        raise


def _docx_level(paragraph: Any) -> int:
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style == "Title":
        return 1
    match = re.fullmatch(r"Heading (\d)", style)
    return min(int(match.group(1)), 6) if match else 0


def _docx_rows(table: Any) -> Iterator[str]:
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = cell.text.strip()
            if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                cells.append(text)
        if cells:
            yield " | ".join(cells)


# ------------------------------------------------------------------ Markdown


def markdown_blocks(text: str) -> list[Block]:
    """Headings, paragraphs, list items, code and table rows of a Markdown text."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks: list[Block] = []
    level = 0
    row: list[str] | None = None
    for token in tokens:
        if token.type == "heading_open":
            level = int(token.tag[1:])
        elif token.type == "heading_close":
            level = 0
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            if row:
                blocks.append(Block(text=" | ".join(cell for cell in row if cell)))
            row = None
        elif token.type == "inline":
            content = _inline_text(token)
            if row is not None:
                row.append(content.strip())
            else:
                blocks.append(Block(text=content, heading_level=level))
        elif token.type in ("fence", "code_block"):
            blocks.append(Block(text=token.content))
        elif token.type == "html_block":
            blocks.extend(_html_fallback(token.content))
    return blocks


def _inline_text(token: Any) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(_inline_text(child))
    return "".join(parts)


# ---------------------------------------------------------------------- HTML

_BLOCK_TAGS = {
    "p", "li", "pre", "blockquote", "td", "th", "dt", "dd", "caption", "figcaption",
    "h1", "h2", "h3", "h4", "h5", "h6", "tr",
}  # fmt: skip


def _html(text: str) -> list[Block]:
    """The readable content (trafilatura, as Markdown); the plain text when it finds none."""
    import trafilatura

    markdown = trafilatura.extract(
        text,
        output_format="markdown",
        include_formatting=True,
        include_tables=True,
        include_comments=False,
        include_links=False,
        favor_recall=True,
    )
    if markdown and markdown.strip():
        return markdown_blocks(markdown)
    return _html_fallback(text)


def _html_fallback(text: str) -> list[Block]:
    import lxml.html  # type: ignore[import-untyped]
    from lxml.etree import ParserError  # type: ignore[import-untyped]

    try:
        root = lxml.html.fromstring(text)
    except (ParserError, ValueError):
        return []
    for element in root.iter("script", "style", "noscript", "template", "head"):
        element.drop_tree()
    blocks: list[Block] = []
    for element in root.iter(*_BLOCK_TAGS):
        if any(parent.tag in _BLOCK_TAGS for parent in element.iterancestors()):
            continue
        tag = str(element.tag)
        level = int(tag[1]) if re.fullmatch(r"h[1-6]", tag) else 0
        if tag == "tr":
            cells = [c.text_content().strip() for c in element.iter("td", "th")]
            blocks.append(Block(text=" | ".join(c for c in cells if c)))
        else:
            blocks.append(Block(text=element.text_content(), heading_level=level))
    if not blocks:
        blocks = _paragraphs(root.text_content())
    return blocks


# ----------------------------------------------------------------------- CSV


def _csv(name: str, text: str) -> list[Block]:
    sample = text[:65536]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [
            row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)
        ]
    except csv.Error as exc:
        raise KnowledgeFileError(
            f"{name!r} is not a valid CSV file: {exc}.", reason="invalid"
        ) from None
    if not rows:
        return []
    header = [cell.strip() or f"column {i + 1}" for i, cell in enumerate(rows[0])]
    blocks = [Block(text="Columns: " + ", ".join(header))]
    for row in rows[1:]:
        names = header + [f"column {i + 1}" for i in range(len(header), len(row))]
        pairs = [
            f"{key}: {value.strip()}"
            for key, value in zip(names, row, strict=False)
            if value.strip()
        ]
        blocks.append(Block(text="; ".join(pairs)))
    return blocks


# ---------------------------------------------------------------------- JSON


def _json(name: str, text: str) -> list[Block]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KnowledgeFileError(
            f"{name!r} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).",
            reason="invalid",
        ) from None
    except RecursionError:
        raise KnowledgeFileError(f"{name!r} is nested too deeply.", reason="invalid") from None
    blocks: list[Block] = []
    try:
        _json_value(value, blocks, level=1)
    except RecursionError:
        raise KnowledgeFileError(f"{name!r} is nested too deeply.", reason="invalid") from None
    return blocks


def _json_value(value: Any, blocks: list[Block], *, level: int) -> None:
    if isinstance(value, list):
        for item in value:
            _json_value(item, blocks, level=level)
        return
    if not isinstance(value, dict):
        blocks.append(Block(text=_scalar(value)))
        return
    lines: list[str] = []
    nested: list[tuple[str, Any]] = []
    for key, item in value.items():
        if isinstance(item, dict | list) and _depth(item) > 1:
            nested.append((str(key), item))
        else:
            lines.append(f"{key}: {_flat(item)}")
    if lines:
        blocks.append(Block(text="\n".join(lines)))
    for key, item in nested:
        blocks.append(Block(text=key, heading_level=min(level, 6)))
        _json_value(item, blocks, level=level + 1)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return max((_depth(v) for v in value), default=0) + (
            1 if any(isinstance(v, dict) for v in value) else 0
        )
    return 0


def _flat(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_flat(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_flat(item)}" for key, item in value.items())
    return _scalar(value)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
