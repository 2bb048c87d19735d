"""Math in teachers' Word files, as LaTeX for the question text (`$…$`).

Three ways math reaches a Word exam, and what becomes of each:
- **Word equations** (OMML: Word's equation editor, and MathType's output when it is set to write
  Word equations). Converted by Pandoc (its `texmath` reader is the maintained OMML converter),
  all equations of a file in one call. One Pandoc cannot read is reported, never dropped.
- **Superscript and subscript runs** (2⁴, cm², H₂SO₄, Fe³⁺): the run and the word it is attached to
  become `$2^{4}$`, `$\\mathrm{cm}^{2}$`, `$\\mathrm{H}_{2}$`.
- **Symbol-font characters** (`w:sym`, old files typing α or ≤ in the Symbol font): mapped to
  Unicode; MathType's classic equation objects (OLE pictures) cannot be read and are reported.
"""
from __future__ import annotations

import copy
import io
import json
import re
import shutil
import subprocess

from lms.i18n import gettext as _

PANDOC_TIMEOUT = 60


class MathError(Exception):
    """Why an equation could not be read (Vietnamese, for the import preview)."""


def omml_to_latex(equations: list) -> list[str | MathError]:
    """LaTeX for each OMML element (`m:oMath` or `m:oMathPara`), in order, through one Pandoc
    run; a `MathError` in place of each equation that could not be read."""
    if not equations:
        return []
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        return [MathError(_("máy chủ chưa cài Pandoc nên chưa đọc được công thức Word; báo quản trị hệ thống"))
                for _equation in equations]
    from docx import Document

    document = Document()
    for index, element in enumerate(equations):
        # A marker paragraph before each equation (Pandoc drops a paragraph's text when it holds a
        # displayed equation, so the marker cannot share the equation's paragraph).
        document.add_paragraph(f"EQ{index}")
        document.add_paragraph()._p.append(_plain_letters(element))
    buffer = io.BytesIO()
    document.save(buffer)
    try:
        done = subprocess.run([pandoc, "--from", "docx", "--to", "json"], input=buffer.getvalue(),
                              capture_output=True, timeout=PANDOC_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return [MathError(_("đọc công thức quá lâu; hãy chia tệp nhỏ hơn")) for _equation in equations]
    if done.returncode != 0:
        return [MathError(_("Pandoc không đọc được các công thức của tệp")) for _equation in equations]
    found: dict[int, list[str]] = {}
    current = None
    for block in json.loads(done.stdout.decode("utf-8")).get("blocks", []):
        inlines = block.get("c") if block.get("t") in ("Para", "Plain") else None
        if inlines and len(inlines) == 1 and inlines[0].get("t") == "Str" and \
                re.fullmatch(r"EQ\d+", inlines[0].get("c", "")):
            current = int(inlines[0]["c"][2:])
        elif current is not None:
            found.setdefault(current, []).extend(tidy(latex) for latex in _formulas(block))
    out: list[str | MathError] = []
    for index, element in enumerate(equations):
        parts = [p for p in found.get(index, []) if p]
        if parts:
            out.append(" ".join(parts))
        elif not "".join(element.itertext()).strip():
            out.append("")  # an empty equation box: nothing to keep
        else:
            out.append(MathError(_("công thức Word không chuyển được sang LaTeX")))
    return out


def _formulas(node) -> list[str]:
    """The LaTeX of every Math node under a Pandoc JSON node, in order."""
    if isinstance(node, list):
        return [latex for child in node for latex in _formulas(child)]
    if isinstance(node, dict):
        if node.get("t") == "Math":
            return [node["c"][1]]
        return _formulas(node.get("c"))
    return []


def tidy(latex: str) -> str:
    """Pandoc's LaTeX on one line (a question's `$…$` must not span paragraphs), without the
    trailing spacing commands it adds after a brace group, saying what Word draws: an arrow put
    over letters (Word's group character, `\\overset{\\rightarrow}{CD}`) is a vector over them
    all, a limit's condition written under "lim" (`m:limLow`) stays under it (`\\lim\\limits_`), and
    letters Word marks as plain text (`m:sty p`, `m:nor`: units such as m, cm, kg) stay upright."""
    text = re.sub(r"\s*\n\s*", " ", latex)
    text = re.sub(r"\\overset\{\\(?:rightarrow|to)\}", r"\\overrightarrow", text)
    text = re.sub(r"\\overset\{\\leftarrow\}", r"\\overleftarrow", text)
    text = re.sub(r"\\(lim|max|min|sup|inf)(?=_)", r"\\\1\\limits", text)
    text = re.sub(r"\\text\{([A-Za-z]+)\}", r"\\mathrm{\1}", text)
    return re.sub(r"(?<!\\)(\\ |\s)+$", "", text).strip()


def _plain_letters(element):
    """A copy of an equation in which runs Word marks as plain text (`m:sty m:val="p"`: a unit
    typed in an equation and set upright) say so the way Pandoc reads (`m:nor`); Pandoc drops
    `m:sty p` on letters, so "20 m²" with an upright m came out as the variable m squared. Function
    names (`m:fName`: sin, lim) are Pandoc's own."""
    copied = copy.deepcopy(element)
    for run in copied.iter(_M + "r"):
        props = run.find(_M + "rPr")
        style = props.find(_M + "sty") if props is not None else None
        text = "".join(t.text or "" for t in run.iter(_M + "t"))
        if next(run.iterancestors(_M + "fName"), None) is not None or style is None or style.get(_M + "val") != "p" or not re.search(r"[A-Za-z]", text) \
                or props.find(_M + "nor") is not None:
            continue
        props.append(props.makeelement(_M + "nor", {}))
    return copied


_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"


# ---------------------------------------------------------------- superscript and subscript runs

_BASE = re.compile(r"([A-Za-z]+|\d+|[)\]}])$")


def script_math(before: str, script: str, kind: str) -> tuple[str, str]:
    """(the text before, with its last word taken away; the formula) for a superscript or
    subscript run `script` after `before`. A single lower-case letter stays a variable (x², aₙ,
    the m of "2m² + 3m"), but m² and m³ written apart from a number ("20 m²") are units; longer or
    capitalised words are units or chemical symbols: all units upright (cm², 20 m², H₂, Fe³⁺)."""
    mark = "^" if kind == "sup" else "_"
    body = latex_text(script.strip())
    match = _BASE.search(before)
    if match is None or match.group(1) in ")]}":
        return before, f"{{}}{mark}{{{body}}}"
    base = match.group(1)
    head = before[:match.start()]
    if base[0].isdigit():
        return head, f"{base}{mark}{{{body}}}"   # 6,022.10²³: the power of ten alone
    if len(base) == 1 and base.islower() and not _unit_after_number(head, base, mark, body):
        return head, f"{base}{mark}{{{body}}}"
    return head, f"\\mathrm{{{base}}}{mark}{{{body}}}"


def _unit_after_number(head: str, base: str, mark: str, body: str) -> bool:
    """Whether a single letter with a power is a unit of area or volume: written after a number
    and a space, as units are ("20 m²", "5 m³"), upright like cm². Joined to its number ("2m²
    + 3m") it is the variable m: a coefficient is written against its variable. (In a Word
    equation, Word says which is which: see `_plain_letters`.)"""
    return base == "m" and mark == "^" and body in ("2", "3") and bool(re.search(r"\d\s$", head))


def latex_text(text: str) -> str:
    """A run's text as LaTeX (the minus sign Word types, the characters LaTeX reserves)."""
    text = text.replace("−", "-").replace("–", "-")
    return re.sub(r"([#$%&_{}])", r"\\\1", text).replace("~", r"\sim ")


# ---------------------------------------------------------------- the Symbol font

# What old Word files type in the Symbol font (`w:sym w:font="Symbol" w:char="F061"`): the
# characters of Adobe's Symbol encoding that exams use, by their code in the font.
SYMBOL_FONT = {
    0x22: "∀", 0x24: "∃", 0x27: "∋", 0x2D: "−", 0x40: "≅",
    0x41: "Α", 0x42: "Β", 0x43: "Χ", 0x44: "Δ", 0x45: "Ε", 0x46: "Φ", 0x47: "Γ", 0x48: "Η", 0x49: "Ι",
    0x4B: "Κ", 0x4C: "Λ", 0x4D: "Μ", 0x4E: "Ν", 0x4F: "Ο", 0x50: "Π", 0x51: "Θ", 0x52: "Ρ", 0x53: "Σ",
    0x54: "Τ", 0x55: "Υ", 0x57: "Ω", 0x58: "Ξ", 0x59: "Ψ", 0x5A: "Ζ", 0x5E: "⊥",
    0x61: "α", 0x62: "β", 0x63: "χ", 0x64: "δ", 0x65: "ε", 0x66: "φ", 0x67: "γ", 0x68: "η", 0x69: "ι",
    0x6A: "ϕ", 0x6B: "κ", 0x6C: "λ", 0x6D: "μ", 0x6E: "ν", 0x6F: "ο", 0x70: "π", 0x71: "θ", 0x72: "ρ",
    0x73: "σ", 0x74: "τ", 0x75: "υ", 0x77: "ω", 0x78: "ξ", 0x79: "ψ", 0x7A: "ζ", 0x7E: "∼",
    0xA2: "′", 0xA3: "≤", 0xA5: "∞", 0xAB: "↔", 0xAC: "←", 0xAD: "↑", 0xAE: "→", 0xAF: "↓",
    0xB0: "°", 0xB1: "±", 0xB2: "″", 0xB3: "≥", 0xB4: "×", 0xB5: "∝", 0xB6: "∂", 0xB7: "•", 0xB8: "÷",
    0xB9: "≠", 0xBA: "≡", 0xBB: "≈", 0xC6: "∅", 0xC7: "∩", 0xC8: "∪", 0xC9: "⊃", 0xCA: "⊇", 0xCB: "⊄",
    0xCC: "⊂", 0xCD: "⊆", 0xCE: "∈", 0xCF: "∉", 0xD0: "∠", 0xD1: "∇", 0xD6: "√", 0xD7: "⋅", 0xD8: "¬",
    0xD9: "∧", 0xDA: "∨", 0xDB: "⇔", 0xDC: "⇐", 0xDE: "⇒", 0xF2: "∫",
}


def symbol_char(font: str, code: str) -> str | None:
    """The Unicode character of a `w:sym`, or None when it is not one we know."""
    try:
        value = int(code, 16)
    except (TypeError, ValueError):
        return None
    if font.strip().lower() != "symbol":
        return chr(value) if 0x20 <= value < 0xF000 else None
    return SYMBOL_FONT.get(value - 0xF000 if value >= 0xF000 else value)
