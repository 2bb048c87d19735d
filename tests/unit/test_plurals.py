"""Numbers meet nouns through ngettext: English says "1 point" and "2 points", "0.5 points"
(Vietnamese, without plural forms, writes the same text twice). The exam page said "(1 points)".
The catalogue test finds every English message that puts a count before a counted noun without
plural forms; those not yet converted are listed here by their Vietnamese and the list only shrinks."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from babel.messages.pofile import read_po
from flask import render_template_string

from lms import create_app
from lms.config import TestConfig
from lms.i18n import plural_count

CATALOGUE = Path(__file__).resolve().parents[2] / "lms/translations/en/LC_MESSAGES/messages.po"
# English nouns that a count placed before them must agree with.
COUNTED = ("points|pts|questions|pupils|students|minutes|seconds|hours|days|periods|invoices|marks|"
           "transactions|attempts|classes|schools|transcripts|rows|lines|cells|parents|documents|sessions|"
           "files|credits|fees|courses|lessons|receipts|times|subjects|postings|items|teachers|levels|grades|"
           "assessments|devices|errors|options|payments|changes|versions|characters|lessons|statements")
COUNT_BEFORE_NOUN = re.compile(rf"%\(\w+\)s (?:\w+ )?(?:{COUNTED})\b")

NOT_YET = Path(__file__).with_name("plurals_not_yet.txt")


def _singular_counts() -> set[str]:
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="en")
    return {m.id for m in catalogue if m.id and isinstance(m.id, str) and m.string
            and COUNT_BEFORE_NOUN.search(m.string)}


def test_no_new_message_counts_a_noun_without_plural_forms():
    listed = {line for line in NOT_YET.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")}
    found = _singular_counts()
    new = sorted(found - listed)
    assert not new, "count these with ngettext (a plural entry; English singular and plural):\n" + "\n".join(new)
    gone = sorted(listed - found)
    assert not gone, f"converted or removed: take them off {NOT_YET.name}:\n" + "\n".join(gone)


def test_the_count_that_chooses_the_form():
    assert plural_count(1) == plural_count(Decimal("1")) == plural_count(1.0) == 1
    assert plural_count(0) == plural_count(Decimal("0.5")) == plural_count(2) == plural_count(Decimal("1.5")) == 2


def test_an_exam_s_marks_and_questions_read_right_in_english_and_vietnamese():
    app = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))
    template = ("{{ ngettext('%(m)s điểm', '%(m)s điểm', (m_e4 / 10000)|plural_count, m=e4(m_e4)) }} · "
                "{{ ngettext('%(n)s câu', '%(n)s câu', n, n=n) }}")
    said = {}
    for language in ("en", "vi"):
        with app.test_request_context(headers={"Accept-Language": language}):
            from flask import session

            session["lang"] = language
            said[language] = [render_template_string(template, m_e4=m, n=n)
                              for m, n in ((10000, 1), (25000, 2), (5000, 0))]
    assert said["en"] == ["1 point · 1 question", "2.5 points · 2 questions", "0.5 points · 0 questions"]
    assert said["vi"] == ["1 điểm · 1 câu", "2,5 điểm · 2 câu", "0,5 điểm · 0 câu"]


def test_a_counted_message_is_counted_wherever_it_is_used():
    """A message converted to a plural entry becomes (msgid, msgid_plural) in the catalogue, and a
    plain gettext of the same Vietnamese finds nothing there: the page shows it in Vietnamese in
    English mode. Every use of a message counted somewhere must count too."""
    from babel.messages.extract import extract_from_dir

    root = CATALOGUE.parents[4]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
    uses: dict[str, set[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
            root / "lms", method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
            options_map={"**/templates/**.html": {"extensions": "jinja2.ext.do"}}, keywords=keywords):
        plural = isinstance(message, tuple)
        uses.setdefault(message[0] if plural else message, set()).add(("counted " if plural else "plain ") + filename)
    mixed = {m: sorted(u) for m, u in uses.items()
             if any(x.startswith("counted") for x in u) and any(x.startswith("plain") for x in u)}
    assert not mixed, "\n".join(f"{m!r}: {u}" for m, u in mixed.items())


def _counted_noun() -> re.Pattern:
    """An English text that starts with a counted noun, plural or singular ("documents", "class")."""
    nouns = set(COUNTED.split("|"))
    singular = {n[:-2] if n.endswith(("sses", "ches", "xes")) else n[:-1] for n in nouns if n.endswith("s")}
    return re.compile(rf"^(?:{'|'.join(sorted(nouns | singular, key=len, reverse=True))})\b")


# A value shown and then, as a message of its own, a noun in running text (lower case): "{{ n }}
# {{ _('tài liệu') }}", also out of an inline element ("<span>{{ n }}</span> {{ _('học sinh') }}").
# Its English never agrees with the count.
NUMBER_THEN_NOUN = re.compile(r"\{\{((?:(?!\}\}).)*)\}\}(?:\s|&nbsp;|</(?:span|strong|b|em|output|data)>)*"
                              r"\{\{\s*_\(\s*(['\"])(.+?)\2\s*\)\s*\}\}", re.DOTALL)


def test_no_page_writes_a_count_and_its_noun_as_two_messages():
    """"1 documents" on the transcript class page: a count and a noun translated on its own escape
    the catalogue test above (the noun alone has no count). Such a pair must be one counted message."""
    with CATALOGUE.open("rb") as handle:
        english = {m.id: m.string for m in read_po(handle, locale="en") if isinstance(m.id, str) and m.string}
    noun = _counted_noun()
    found = []
    root = CATALOGUE.parents[4] / "lms"
    for path in sorted(root.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in NUMBER_THEN_NOUN.finditer(text):
            said = english.get(match.group(3), "")
            if noun.match(said):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(root)}:{line}: {{{{{match.group(1)}}}}} {match.group(3)!r} ({said!r})")
    assert not found, "write each as one ngettext('%(n)s …', '%(n)s …', n, n=n):\n" + "\n".join(found)


def test_a_job_s_progress_agrees_with_its_total():
    """The job page's "12/38 học sinh" (its noun was a message of its own: "1/1 students")."""
    from flask import session

    from lms.home.views_jobs import _counted

    app = create_app(type("C", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"}))
    with app.test_request_context():
        session["lang"] = "en"
        assert _counted("report_cards", 1, 0, 1) == "0/1 student"
        assert _counted("report_cards", 38, 12, 38) == "12/38 students"
        assert _counted("invoice_run", 1) == "{d}/{t} invoice" and _counted("invoice_run", 2) == "{d}/{t} invoices"
    with app.test_request_context():
        session["lang"] = "vi"
        assert _counted("receipts_pdf", 3, 3, 3) == "3/3 biên lai"
