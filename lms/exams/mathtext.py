"""A question's text as readable plain text, where math cannot be drawn: a spreadsheet's cell, a
`<select>` option, a short mention in a list. `$\\frac{1}{2} + x^{2}$` reads "1/2 + x²", never as
its LaTeX source. pylatexenc does the LaTeX; powers and indices become Unicode superscripts and
subscripts where every character has one."""
from __future__ import annotations

import functools
import re

from lms.core.markdown import MATH

_SUP = dict(zip("0123456789+-−=()nix", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱˣ"))
_SUB = dict(zip("0123456789+-−=()aeoxhklmnpst", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜ"))
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]*)\}|(\\?[A-Za-z0-9+\-−]))")
_NAMES = r"arcsin|arccos|arctan|arccot|sinh|cosh|tanh|coth|sin|cos|tan|cotg|cot|tg|sec|csc|log|lg|ln|exp"
_FUNCTION = re.compile(r"\\(?:mathrm|operatorname|textrm|text|rm)\s*\{\s*(" + _NAMES + r")\s*\}|\\(" + _NAMES +
                       r")(?![A-Za-z])")
_ROOT = re.compile(r"\\sqrt\[([^\]]+)\]\{([^{}]*)\}")


def _script(match: re.Match) -> str:
    body = match.group(2) if match.group(2) is not None else match.group(3)
    table = _SUP if match.group(1) == "^" else _SUB
    if body and all(ch in table for ch in body):
        return "".join(table[ch] for ch in body)
    return f"{match.group(1)}({body})"


def _group(text: str, start: int) -> tuple[str, int] | None:
    """The brace group opening at `start` (its content, the index after it), or None."""
    if start >= len(text) or text[start] != "{":
        return None
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1:i], i + 1
    return None


def _fractions(text: str) -> str:
    """`\\frac{x^{2} - 1}{x - 1}` as "(x^{2} - 1)/(x - 1)": a numerator or denominator of more than
    one term is bracketed, or the line reads as another sum."""
    out, i = [], 0
    while (found := text.find("\\frac", i)) >= 0:
        top = _group(text, found + 5)
        bottom = _group(text, top[1]) if top else None
        if bottom is None:
            out.append(text[i:found + 5])
            i = found + 5
            continue
        parts = []
        for part in (_fractions(top[0]), _fractions(bottom[0])):
            parts.append(f"({part})" if re.search(r"[\s+\-−=<>/]|\\[a-z]+\s", part.strip()) else part)
        out.append(text[i:found] + "{" + "/".join(parts) + "}")
        i = bottom[1]
    return "".join(out) + text[i:]


def _systems(text: str) -> str:
    """A system `\\left\\{ \\begin{matrix} a \\\\ b \\end{matrix} \\right.` as "{a; b}"."""
    text = re.sub(r"\\\\\s*(?=\\end\{)", "", text)
    text = text.replace("\\\\", "; ")
    return text.replace("\\right.", "\\}") if "\\left\\{" in text else text.replace("\\right.", "")


def _marks(text: str) -> str:
    """Marks over letters as text reads them: a vector AB with its arrow after the letters ("AB⃗",
    as u⃗), an angle ABC as "∠ABC" (one letter keeps its hat, Â), a limit's condition in
    brackets after "lim" ("lim(x → 0) …", not "lim_(x →0)"); function names apart from their
    argument ("sin x", not "sinx")."""
    def group(pattern: str, make) -> None:
        nonlocal text
        while (found := re.search(pattern, text)) and (body := _group(text, found.end())):
            text = text[:found.start()] + make(body[0]) + text[body[1]:]
    group(r"\\(?:overrightarrow|vec)\s*(?=\{)", lambda body: "{" + body + "}\u20d7")
    group(r"\\widehat\s*(?=\{)", lambda body: ("∠{" + body + "}") if len(re.sub(r"[\s{}]", "", body)) > 1
          else "\\hat{" + body + "}")
    while (found := re.search(r"\\(lim|max|min|sup|inf)(?:\\limits)?_(?=\{)", text)) and \
            (body := _group(text, found.end())):
        text = f"{text[:found.start()]}{found.group(1)}{{(}}{body[0]}{{)}} {text[body[1]:]}"
    text = re.sub(r"\^\s*(?:\{\s*\\circ\s*\}|\\circ)", "°", text)
    text = re.sub(r"\s*\\(?:rightarrow|to)(?![A-Za-z])\s*", " → ", text)
    # A function's name however it is written — \\sin, \\mathrm{sin} (Word's equations),
    # \\operatorname{cotg} — is one upright word apart from its argument.
    text = _FUNCTION.sub(lambda m: f"\\mathrm{{{m.group(1) or m.group(2)}}}", text)
    return re.sub(r"(\\mathrm\{(?:" + _NAMES + r")\}(?:[\^_](?:\{[^{}]*\}|\\?[A-Za-z0-9]))*)\s*(?![\s^_])", r"\1\\ ",
                  text)


@functools.lru_cache(maxsize=4096)
def latex_plain(latex: str) -> str:
    from pylatexenc.latex2text import LatexNodes2Text

    latex = _systems(_fractions(re.sub(r"\\[dt]frac(?![A-Za-z])", r"\\frac", _marks(latex))))   # \dfrac, \tfrac are fractions too
    source = _ROOT.sub(lambda m: {"3": "∛", "4": "∜"}.get(m.group(1).strip(), f"{m.group(1)}√") + f"({m.group(2)})",
                       latex)
    for _ in range(3):   # x_{1}^{2}: inner groups first
        source = _SCRIPT.sub(_script, source)
    try:
        text = LatexNodes2Text(math_mode="text", strict_latex_spaces=False).latex_to_text(source)
    except Exception:  # pylatexenc raises several kinds on malformed input; the source is still readable
        return latex
    return re.sub(r" ;", ";", " ".join(text.split()))


def plain(text: str | None, limit: int | None = None) -> str:
    """Markdown with `$…$` math as one line of readable text (pictures as “[hình]”): the Markdown
    is read, not shown — "**Cho** hàm số" is "Cho hàm số", a heading's "#" and a quotation's ">"
    go — and each formula reads as text."""
    value = re.sub(r"!\[[^\]]*\]\([^)]*\)", "[hình]", text or "")
    formulas: list[str] = []

    def stash(match: re.Match) -> str:   # math is kept out of Markdown's reach ("x_1 … y_2" is no emphasis)
        formulas.append(latex_plain((match.group(1) or match.group(2)).strip()))
        return f"LMSPLAIN{len(formulas) - 1}X"

    value = _markdown_text(MATH.sub(stash, value))
    value = re.sub(r"LMSPLAIN(\d+)X", lambda m: formulas[int(m.group(1))], value)
    value = " ".join(value.replace("\\$", "$").split())
    if limit and len(value) > limit:
        value = value[:limit - 1].rstrip() + "…"
    return value


def _markdown_text(text: str) -> str:
    """Markdown's text without its marks: rendered (lines as written, so "A. 5." stays) and its
    tags dropped."""
    import html

    from lms.core.markdown import render_markdown
    from lms.exams.qtypes.base import as_written

    if not re.search(r"[*_`#>\[\\~|<&-]|^\s*\d+[.)]", text, re.M):
        return text                   # nothing Markdown would change: the common case, no rendering
    rendered = render_markdown(as_written(text), math=False)
    rendered = re.sub(r"</?(?:p|h\d|li|ul|ol|blockquote|br|hr|div|pre|table|tr|td|th)\b[^>]*>", " ", rendered)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def title_of(text: str | None, limit: int = 80) -> str:
    """A question's name from its own text when it has none: its first words as one line of
    readable text, formulas as text ("Tính $2^{4}$ …" → "Tính 2⁴ …"), cut between words."""
    value = plain(re.sub(r"!\[[^\]]*\]\([^)]*\)", " ", text or ""))
    if len(value) <= limit:
        return value
    cut = value[:limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"
