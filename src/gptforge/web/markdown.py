"""Model output as HTML that cannot run script or load anything: Markdown, then a sanitizer.

Two layers, so either alone would hold: markdown-it renders CommonMark (plus tables and
strikethrough) with raw HTML turned off, so ``<script>`` in model output stays text;
nh3 then keeps only the tags and attributes listed here. Images are never rendered:
a remote image is a known exfiltration route (the model can put data in its URL), so
each becomes a link the user may choose to open.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s",
        "code", "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr",
        "th", "td",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"


def _image_as_link(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    index: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    token = tokens[index]
    src = str(token.attrGet("src") or "")
    alt = renderer.renderInlineAsText(token.children or [], options, env).strip()
    label = escapeHtml(f"Image: {alt}" if alt else "Image")
    return f'<a href="{escapeHtml(src)}">{label} (not loaded)</a>'


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.add_render_rule("image", _image_as_link)
    return parser


_PARSER = _parser()


def render_markdown(text: str) -> str:
    """Sanitized HTML for ``text``: safe to insert into a page as it is."""
    return sanitize(_PARSER.render(text))


def _absolute_links_only(element: str, attribute: str, value: str) -> str | None:
    """A link keeps its ``href`` only when it is absolute http(s) or mailto: a relative one
    would point into this server (model text must not make links to its own pages)."""
    if attribute == "href" and not value.strip().lower().startswith(ABSOLUTE_PREFIXES):
        return None
    return value


ABSOLUTE_PREFIXES = ("http://", "https://", "mailto:")


def sanitize(html: str) -> str:
    """Only the listed tags and attributes; links get ``rel``, relative links and other
    URL schemes lose their target."""
    options: dict[str, Any] = {
        "tags": set(TAGS),
        "attributes": {tag: set(names) for tag, names in ATTRIBUTES.items()},
        "url_schemes": set(URL_SCHEMES),
        "link_rel": LINK_REL,
        "set_tag_attribute_values": {"a": {"target": "_blank"}},
        "clean_content_tags": {"script", "style"},
        "attribute_filter": _absolute_links_only,
    }
    return nh3.clean(html, **options)
