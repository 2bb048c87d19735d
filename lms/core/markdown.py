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
               "mn": {"mathvariant"}, "mtext": {"mathvariant"}, "mspace": {"width", "height", "class"},
               "mfrac": {"linethickness"},
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


ELEMENTS = frozenset(
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr Rb Sr Y Zr "
    "Nb Mo Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce W Pt Au Hg Tl Pb Bi Ra U".split())
_CHEM = re.compile(r"\s*(?:(?P<el>[A-Z][a-z]?)|(?P<mark>[_^])\s*(?:\{\s*(?P<body>\d*\s*[+\-−]?|[+\-−]\d*)\s*\}|"
                   r"(?P<one>[0-9+\-]))|(?P<n>\d+)|(?P<bracket>[()\[\]])|(?P<dot>\\cdot|·))")


def chemical_formula(latex: str) -> str | None:
    """A chemical formula in upright letters, however it was typed or imported (`H_2O`,
    `\\mathrm{H}_{2}O`, `Fe^{3+}` → `\\mathrm{H}_{2}\\mathrm{O}`…): letters are chemical symbols, not
    variables. None for anything else — a variable, a segment AB, a formula with an operator."""
    source = re.sub(r"\\mathrm\s*\{([A-Za-z]+)\}", r"\1", latex)
    out: list[str] = []
    symbols = scripts = 0
    position = 0
    while position < len(source):
        m = _CHEM.match(source, position)
        if m is None or m.end() == position:
            return None
        if m.group("el"):
            if m.group("el") not in ELEMENTS:
                return None
            symbols += 1
            if out and out[-1].startswith("\\mathrm{"):
                out[-1] = out[-1][:-1] + m.group("el") + "}"
            else:
                out.append("\\mathrm{" + m.group("el") + "}")
        elif m.group("mark"):
            scripts += 1
            body = (m.group("body") if m.group("body") is not None else m.group("one")).replace(" ", "")
            out.append(f"{m.group('mark')}{{{body.replace('−', '-')}}}")
        else:
            out.append(m.group(0).strip())
        position = m.end()
    if not symbols or not scripts:
        return None   # "NaCl" or "B" alone may be anything; a formula says itself by its indices or charge
    return "".join(out)


# A comma between two digits is the Vietnamese decimal comma ("2,5"): one number `<mn>2,5</mn>`,
# not 2, a separator and 5 drawn with a gap. A comma followed by a space ("(1, 2)") stays a separator.
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_DECIMAL_MN = re.compile(r"<mn>(\d+)</mn><mrow><mo>&#x0002C;</mo></mrow><mn>(\d+)</mn>")


def latex_to_mathml(latex: str, display: bool = False) -> str:
    """latex2mathml's MathML for a formula (raises on one it cannot read). A chemical formula's
    letters are marked upright: latex2mathml drops `\\mathrm` on a single capital (the H of H₂SO₄
    came out italic beside an upright SO). Pages and printed papers (ziamath) both draw this."""
    from latex2mathml.converter import convert

    chemical = chemical_formula(latex)
    mathml = convert(chemical or _DECIMAL_COMMA.sub("{,}", latex), display="block" if display else "inline")
    mathml = _DECIMAL_MN.sub(lambda m: f"<mn>{m.group(1)},{m.group(2)}</mn>", mathml)
    if chemical:
        mathml = re.sub(r"<mi>", '<mi mathvariant="normal">', mathml)
    # `\mathrm{m}` — one upright letter, a unit (m², 5 m) — comes out of latex2mathml as the letter
    # written as a character reference without its mathvariant, so it was drawn in italics like
    # the variable m: an ASCII letter only reaches a <mi> that way from \mathrm.
    mathml = _UPRIGHT_LETTER.sub(r'<mi mathvariant="normal">\1</mi>', mathml)
    return _wide_accents(mathml) if "<mover" in mathml else mathml


# Marks drawn over what they cover: a vector's arrow (\overrightarrow{AB}), an angle's hat
# (\widehat{ABC}), a bar. latex2mathml writes them as an ordinary <mo> over the letters, which
# browsers and ziamath set small and high over the middle letter (the angle ABC read as A B̂ C).
_ACCENTS = {"\u2192", "\u2190", "\u2194", "^", "\u02c6", "\u0302", "~", "\u02dc", "\u00af", "\u2015", "\u20d7"}


def _wide_accents(mathml: str) -> str:
    from lxml import etree

    try:
        root = etree.fromstring(mathml)
    except etree.XMLSyntaxError:
        return mathml   # drawn as latex2mathml wrote it rather than not at all
    changed = False
    for over in root.iter("{*}mover"):
        mark = over[-1] if len(over) == 2 else None
        if mark is not None and etree.QName(mark).localname == "mrow" and len(mark) == 1:
            mark = mark[0]   # \overset{\rightarrow}{…}: the mark in a group of its own
        if mark is None or etree.QName(mark).localname != "mo" or (mark.text or "").strip() not in _ACCENTS:
            continue
        over.set("accent", "true")
        mark.set("stretchy", "true")
        if mark.text.strip() in ("^", "\u02c6"):
            mark.text = "\u0302"   # the hat math fonts stretch over ABC (the ASCII ^ stays one letter wide)
        changed = True
    return etree.tostring(root, encoding="unicode") if changed else mathml


_UPRIGHT_LETTER = re.compile(r"<mi>(&#x0*(?:4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa]);)</mi>")


def math_to_mathml(latex: str, display: bool = False) -> str:
    """MathML for one formula (chemical formulas upright); a formula that cannot be read is shown
    as its source, marked."""
    import html

    try:
        mathml = latex_to_mathml(latex, display)
    except Exception:  # latex2mathml raises many kinds for malformed input
        return f'<code class="math-error">{html.escape(latex)}</code>'
    if _HAT in mathml:
        mathml = _drawn_hats(mathml)
    return nh3.clean(mathml, tags=_MATH_TAGS, attributes=_MATH_ATTRS)


# An angle's hat on a page is drawn, not a character: the combining circumflex that math fonts
# stretch over ABC has no width of its own, so a phone without a math font (Android has none
# before 12) set it small over one letter, or as a box where its font lacks it. The mark is an
# empty box as wide as the letters under it, painted by app.css (`.math-hat`, static/img/math-hat.svg)
# — the same on every device. Printed papers keep ziamath's stretched glyph (`latex_to_mathml`).
_HAT = '<mo stretchy="true">\u0302</mo>'
_HAT_WIDTH_EM = 0.7   # one italic capital of the page's math, as Chromium sets it


def _drawn_hats(mathml: str) -> str:
    from lxml import etree

    try:
        root = etree.fromstring(mathml)
    except etree.XMLSyntaxError:
        return mathml
    for over in root.iter("{*}mover"):
        if len(over) != 2 or etree.QName(over[1]).localname != "mo" or (over[1].text or "").strip() != "\u0302":
            continue
        letters = sum(len((node.text or "").strip()) for node in over[0].iter() if isinstance(node.tag, str))
        hat = etree.Element(over[1].tag[:-2] + "mspace")   # in the mark's namespace
        hat.set("class", "math-hat")
        hat.set("width", f"{max(letters, 1) * _HAT_WIDTH_EM:.2f}em")
        hat.set("height", "0.32em")
        over.replace(over[1], hat)
    return etree.tostring(root, encoding="unicode")


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
