"""Lesson text: Markdown (headings, lists, tables, images, links) rendered and then sanitised,
so whatever HTML a teacher pastes can neither run script nor reach a third-party server."""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")

_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code", "em", "strong", "b",
         "i", "u", "s", "del", "sub", "sup", "mark", "small", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead",
         "tbody", "tr", "th", "td", "caption", "img", "a", "span", "div", "figure", "figcaption"}
_ATTRS = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
          "th": {"align", "colspan", "rowspan"}, "td": {"align", "colspan", "rowspan"}, "ol": {"start"}}


def _filter(tag: str, attr: str, value: str) -> str | None:
    # Images only from this server: pages make no third-party requests (pupils are minors).
    if tag == "img" and attr == "src" and not (value.startswith("/") and not value.startswith("//")):
        return None
    return value


def render_markdown(text: str | None) -> str:
    """Safe HTML for a lesson body."""
    html = _md.render(text or "")
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRS, url_schemes={"http", "https", "mailto"},
                     attribute_filter=_filter, link_rel="noopener noreferrer nofollow")
