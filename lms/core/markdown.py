"""Teacher-authored text: Markdown (headings, lists, tables, images, links) rendered and then
sanitised, so whatever HTML a teacher pastes can neither run script nor reach a third-party
server. Math written as LaTeX between dollar signs (`$x^2$`, `$$\\frac{a}{b}$$` for a display
formula) becomes MathML, which browsers draw natively."""
from __future__ import annotations

import functools
import re

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")

_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code", "em", "strong", "b",
         "i", "u", "s", "del", "sub", "sup", "mark", "small", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead",
         "tbody", "tr", "th", "td", "caption", "img", "a", "span", "div", "figure", "figcaption"}
_ATTRS = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"},
          "th": {"align", "colspan", "rowspan"}, "td": {"align", "colspan", "rowspan"}, "ol": {"start"}}
_MATH_TAGS = {"math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub",
              "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd",
              "mstyle", "mpadded", "mphantom", "menclose", "merror"}
_MATH_ATTRS = {"math": {"xmlns", "display"}, "mo": {"stretchy", "fence", "separator", "form", "lspace", "rspace",
                                                   "largeop", "movablelimits", "accent"},
               "mstyle": {"displaystyle", "scriptlevel", "mathvariant"}, "mi": {"mathvariant"},
               "mn": {"mathvariant"}, "mtext": {"mathvariant"}, "mspace": {"width"}, "mfrac": {"linethickness"},
               "mtable": {"columnalign", "rowspacing", "columnspacing"}, "mtd": {"columnalign"},
               "menclose": {"notation"}, "mover": {"accent"}, "munder": {"accentunder"}}
_WITH_MATH = {tag: _ATTRS.get(tag, set()) | _MATH_ATTRS.get(tag, set()) for tag in {*_ATTRS, *_MATH_ATTRS}}
# $$…$$ first, then $…$ that neither starts nor ends with a space (so "5 $ và 10 $" stays text);
# a backslash escapes a dollar sign.
_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<![\\$])\$(?![\s$])(.+?)(?<![\s\\])\$(?!\$)", re.S)
MATH = _MATH  # the one definition of "a formula in a text" (printing and plain text use it too)


def _filter(tag: str, attr: str, value: str) -> str | None:
    # Images only from this server: pages make no third-party requests (pupils are minors).
    if tag == "img" and attr == "src" and not (value.startswith("/") and not value.startswith("//")):
        return None
    return value


def math_to_mathml(latex: str, display: bool = False) -> str:
    """MathML for one formula; a formula that cannot be read is shown as its source, marked."""
    import html

    from latex2mathml.converter import convert

    try:
        mathml = convert(latex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds for malformed input
        return f'<code class="math-error">{html.escape(latex)}</code>'
    return nh3.clean(mathml, tags=_MATH_TAGS, attributes=_MATH_ATTRS)


def render_markdown(text: str | None, *, math: bool = True) -> str:
    """Safe HTML for a lesson body or a question. Short texts (questions, their options, titles)
    are remembered per process: an exam's attempt page shows the same 40 questions and 160
    options to hundreds of pupils, and the same text always gives the same HTML."""
    source = text or ""
    if len(source) <= _REMEMBER_UP_TO:
        return _remembered(source, math)
    return _render(source, math)


_REMEMBER_UP_TO = 2000


@functools.lru_cache(maxsize=8192)
def _remembered(source: str, math: bool) -> str:
    return _render(source, math)


def _render(source: str, math: bool) -> str:
    formulas: dict[str, str] = {}
    written: dict[str, str] = {}
    if math and "$" in source:
        def stash(match: re.Match) -> str:
            key = f"LMSMATH{len(formulas)}X"
            display = match.group(1) is not None
            formulas[key] = math_to_mathml((match.group(1) if display else match.group(2)).strip(), display)
            written[key] = match.group(0)
            return key
        source = _MATH.sub(stash, source)
    html = _md.render(source)
    # Math goes in before sanitising, and the whole is sanitised once. A formula inside a tag (an
    # image's `alt="$x$"`) stays as written: MathML put into an attribute broke out of its quotes.
    if formulas:
        import html as html_text

        html = re.sub(r"<[^<>]*>", lambda tag: re.sub(r"LMSMATH\d+X", lambda k: html_text.escape(
            written.get(k.group(0), k.group(0))), tag.group(0)), html)
    for key, mathml in formulas.items():
        html = html.replace(key, mathml)
    html = nh3.clean(html, tags=_TAGS | (_MATH_TAGS if formulas else set()),
                     attributes=_WITH_MATH if formulas else _ATTRS, url_schemes={"http", "https", "mailto"},
                     attribute_filter=_filter, link_rel="noopener noreferrer nofollow")
    return html.replace("\\$", "$") if math else html
