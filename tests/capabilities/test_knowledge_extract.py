"""Text extraction from each supported type, and clear refusals for what cannot be read."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from gptforge.capabilities.knowledge_extract import (
    MEDIA_TYPES,
    Block,
    ExtractLimits,
    KnowledgeFileError,
    extract,
    media_type_of,
)
from tests.capabilities.documents import make_docx, make_pdf


def _texts(blocks: tuple[Block, ...]) -> list[str]:
    return [block.text for block in blocks]


class TestPdf:
    def test_pages_are_numbered_and_hyphenated_words_joined(self) -> None:
        data = make_pdf(
            [
                ["Pump manual (model X2)", "The pump builds 15 bar of pres-", "sure when warm."],
                ["Cleaning", "Rinse the group head daily."],
            ]
        )
        extracted = extract("manual.pdf", data)
        assert extracted.media_type == "application/pdf" and extracted.page_count == 2
        [first, second] = extracted.blocks
        assert first.page == 1 and "15 bar of pressure when warm." in first.text
        assert "(model X2)" in first.text
        assert second.page == 2 and "Rinse the group head daily." in second.text

    def test_a_damaged_pdf_is_refused_as_such(self) -> None:
        data = make_pdf([["Hello world"]])
        for damaged in (data[: len(data) // 2] + b"garbage" * 50, b"%PDF-1.4\n\x00junk" * 40):
            with pytest.raises(KnowledgeFileError, match="not a readable PDF") as caught:
                extract("broken.pdf", damaged)
            assert caught.value.reason == "invalid" and "broken.pdf" in caught.value.message

    def test_a_pdf_name_on_other_bytes_is_not_a_pdf(self) -> None:
        with pytest.raises(KnowledgeFileError, match="not a PDF") as caught:
            extract("report.pdf", b"just some words, not a PDF at all")
        assert caught.value.reason == "invalid"

    def test_a_pdf_without_text_says_so(self) -> None:
        with pytest.raises(KnowledgeFileError, match="no text") as caught:
            extract("scan.pdf", make_pdf([[]]))
        assert caught.value.reason == "empty"


class TestDocx:
    def test_headings_paragraphs_and_tables_in_order(self) -> None:
        data = make_docx(
            [
                ("heading", "Leave policy", 1),
                ("para", "Everyone gets 27 days of paid leave."),
                ("heading", "Sick leave", 2),
                [["Type", "Days"], ["Sick", "10"], ["Carer", "5"]],
            ]
        )
        blocks = extract("policy.docx", data).blocks
        assert [(b.text, b.heading_level) for b in blocks] == [
            ("Leave policy", 1),
            ("Everyone gets 27 days of paid leave.", 0),
            ("Sick leave", 2),
            ("Type | Days", 0),
            ("Sick | 10", 0),
            ("Carer | 5", 0),
        ]

    def test_a_zip_that_is_not_a_word_document(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hi")
        with pytest.raises(KnowledgeFileError, match="not a Word document"):
            extract("fake.docx", buffer.getvalue())
        with pytest.raises(KnowledgeFileError, match="not a Word document"):
            extract("fake.docx", b"PK\x03\x04 truncated")

    def test_a_zip_bomb_is_refused_before_unpacking(self) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("word/document.xml", b"<a/>" + b" " * 2_000_000)
        with pytest.raises(KnowledgeFileError, match="unpacks to") as caught:
            extract("bomb.docx", buffer.getvalue(), limits=ExtractLimits(max_unpacked_bytes=1000))
        assert caught.value.reason == "too_large"


class TestMarkdownAndText:
    def test_markdown_headings_lists_code_and_tables(self) -> None:
        text = (
            "# Guide\n\nIntro with **bold** and `code`.\n\n## Install\n\n"
            "- step one\n- step two\n\n```sh\npip install tool\n```\n\n"
            "| key | value |\n|---|---|\n| port | 8080 |\n"
        )
        blocks = extract("guide.md", text.encode()).blocks
        assert [(b.text, b.heading_level) for b in blocks] == [
            ("Guide", 1),
            ("Intro with bold and code.", 0),
            ("Install", 2),
            ("step one", 0),
            ("step two", 0),
            ("pip install tool", 0),
            ("key | value", 0),
            ("port | 8080", 0),
        ]

    def test_text_paragraphs_and_encodings(self) -> None:
        assert _texts(extract("a.txt", b"One\nline two\n\n\nThree").blocks) == [
            "One\nline two",
            "Three",
        ]
        assert _texts(extract("a.txt", "Caf\u00e9 cr\u00e8me".encode("cp1252")).blocks) == [
            "Café crème"
        ]
        assert _texts(extract("a.txt", "\ufeffhello".encode("utf-16-le")).blocks) == ["hello"]

    def test_binary_bytes_named_text_are_refused(self) -> None:
        with pytest.raises(KnowledgeFileError, match="binary file") as caught:
            extract("notes.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
        assert caught.value.reason == "invalid"

    def test_empty_text_is_refused(self) -> None:
        with pytest.raises(KnowledgeFileError, match="no text"):
            extract("empty.md", b"   \n\n  ")


class TestHtml:
    def test_article_text_without_scripts(self) -> None:
        html = (
            "<html><head><title>T</title><script>var secret = 1;</script></head><body>"
            "<nav><a href='/'>Home</a></nav><article><h1>Returns</h1>"
            "<p>You can return any item within 30 days of delivery for a full refund. "
            "Items must be unused and in their original packaging.</p>"
            "<h2>Exceptions</h2><p>Gift cards and opened software cannot be returned, "
            "because they cannot be resold as new.</p></article></body></html>"
        )
        blocks = extract("returns.html", html.encode()).blocks
        joined = "\n".join(_texts(blocks))
        assert "within 30 days of delivery" in joined and "Gift cards" in joined
        assert "secret" not in joined
        assert any(b.heading_level and b.text == "Exceptions" for b in blocks)

    def test_a_tiny_page_falls_back_to_plain_text(self) -> None:
        blocks = extract("tiny.htm", b"<p>Door code: <b>4711</b></p><style>p{}</style>").blocks
        assert "Door code: 4711" in "\n".join(_texts(blocks))


class TestCsvAndJson:
    def test_csv_rows_become_labelled_lines(self) -> None:
        data = b"name;price;stock\nEspresso cup;4.50;120\nMilk jug;12.00;\n"
        blocks = extract("products.csv", data).blocks
        assert _texts(blocks) == [
            "Columns: name, price, stock",
            "name: Espresso cup; price: 4.50; stock: 120",
            "name: Milk jug; price: 12.00",
        ]

    def test_json_objects_become_key_value_lines(self) -> None:
        data = json.dumps(
            {
                "service": "billing",
                "endpoints": [
                    {"path": "/invoices", "method": "GET", "auth": {"scopes": ["read"]}},
                    {"path": "/refunds", "method": "POST"},
                ],
            }
        ).encode()
        blocks = extract("api.json", data).blocks
        assert blocks[0].text == "service: billing"
        assert blocks[1] == Block(text="endpoints", heading_level=1)
        assert blocks[2].text == "path: /invoices\nmethod: GET\nauth: scopes: read"
        assert blocks[3].text == "path: /refunds\nmethod: POST"

    def test_deep_nesting_is_refused_not_a_crash(self) -> None:
        for depth in (200, 900, 5000):
            data = b"[" * depth + b"1" + b"]" * depth
            try:
                blocks = extract("deep.json", data).blocks
            except KnowledgeFileError as exc:
                assert exc.reason == "invalid" and "nested too deeply" in exc.message
            else:
                assert [b.text for b in blocks] == ["1"]

    def test_invalid_json_says_where(self) -> None:
        with pytest.raises(KnowledgeFileError, match=r"line 1, column 10") as caught:
            extract("bad.json", b'{"a": 1, }')
        assert caught.value.reason == "invalid"


class TestTypesAndLimits:
    @pytest.mark.parametrize("name", ["photo.png", "archive.zip", "old.doc", "noext"])
    def test_unsupported_types_name_the_supported_ones(self, name: str) -> None:
        with pytest.raises(KnowledgeFileError, match="PDF, DOCX") as caught:
            media_type_of(name, "application/octet-stream")
        assert caught.value.reason == "unsupported"

    def test_extension_decides_and_case_does_not_matter(self) -> None:
        assert media_type_of("REPORT.PDF", "text/plain") == "application/pdf"
        assert media_type_of("notes", "text/markdown") == "text/markdown"
        assert set(MEDIA_TYPES) >= {".pdf", ".docx", ".md", ".txt", ".html", ".csv", ".json"}

    def test_too_much_text_is_refused(self) -> None:
        with pytest.raises(KnowledgeFileError, match="over the limit") as caught:
            extract("big.txt", b"word " * 1000, limits=ExtractLimits(max_chars=100))
        assert caught.value.reason == "too_large"
