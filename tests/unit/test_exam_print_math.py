"""Formulas as pupils and teachers read them: in printed papers as large as the words around them
and on their baseline; chemical formulas upright on pages and paper alike."""
import re

import pytest

from lms.core.markdown import chemical_formula, render_markdown
from lms.exams.printing import formula_svg


def _style(picture: str) -> dict[str, float]:
    style = re.search(r'style="([^"]+)"', picture).group(1)
    return {k.strip(): float(v.strip().removesuffix("em")) for k, v in (p.split(":") for p in style.split(";"))
            if v.strip().endswith("em")}


def test_an_inline_formula_is_sized_in_em_and_sits_on_the_baseline():
    power = _style(formula_svg("x^{2}+1", False))
    # The picture follows the text's size (em, not pixels of its own) and is about a line high…
    assert 0.8 <= power["height"] <= 1.3 and power["width"] > 1.5
    # …and its baseline is the line's: only the part below the baseline (descenders) hangs under it.
    assert -0.3 <= power["vertical-align"] <= 0
    fraction = _style(formula_svg(r"\frac{1}{2}", False))
    assert fraction["height"] > 1.5 and fraction["vertical-align"] < -0.4   # the denominator below the line
    assert "vertical-align:middle" not in formula_svg("x", False)


@pytest.mark.parametrize("latex", ["H_2O", "H_{2}O", r"\mathrm{H}_{2}O", r"\mathrm{H}_{2} \mathrm{SO}_{4}",
                                   "Fe^{3+}", r"\mathrm{Ca}(\mathrm{OH})_{2}"])
def test_a_chemical_formula_is_upright_on_the_page_however_it_was_typed(latex):
    mathml = render_markdown(f"${latex}$")
    letters = re.findall(r"<mi([^>]*)>([A-Za-z])</mi>", mathml)
    assert letters and all('mathvariant="normal"' in attrs for attrs, _l in letters), mathml


@pytest.mark.parametrize("latex", ["x_1", "x^2 + 1", "A_{1}B_{1}", "AB", "NaCl", r"\frac{1}{2}", "H2O"])
def test_variables_and_other_formulas_are_left_as_they_are(latex):
    assert chemical_formula(latex) is None


def test_the_printed_chemical_formula_is_drawn_from_the_same_upright_reading():
    # ziamath draws the MathML the pages show: the same formula typed two ways prints the same.
    assert formula_svg(r"\mathrm{H}_{2}O", False).split(" alt=")[0] == formula_svg("H_2O", False).split(" alt=")[0]


def test_a_decimal_comma_in_math_is_one_number_on_the_page_and_in_the_pdf():
    """"2,5" in a formula reads as the number 2,5 — not 2, a separator and 5 with a gap — wherever
    math is drawn (pages, the pupil's paper, printed PDFs); "(1, 2)" keeps its separator."""
    import re

    from lms.core.markdown import latex_to_mathml, render_markdown
    from lms.exams.printing import formula_svg

    assert "<mn>2,5</mn>" in render_markdown("Tính $2,5 \\cdot 4$")
    assert "<mn>1,25</mn>" in latex_to_mathml("x = 2,5 + 1,25", True)
    assert "&#x0002C;" in latex_to_mathml("(1, 2)") and "<mn>1," not in latex_to_mathml("(1, 2)")
    width = float(re.search(r"width:([\d.]+)em", formula_svg("2,5", False)).group(1))
    assert width < float(re.search(r"width:([\d.]+)em", formula_svg("2.5", False)).group(1)) * 1.2
