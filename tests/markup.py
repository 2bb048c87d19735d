"""Attributes that name another element by its id, checked on a page's HTML: a label's `for`, an
input's `list` and `form`, a cell's `headers`, and every ARIA relation (aria-describedby,
aria-labelledby, aria-controls…). A reference to an id the page does not have is silently dropped
by the browser — a field loses its label, its hint or its error message for a screen-reader user —
and an id the page has twice is as bad (the browser takes the first). And no table in a disabled
fieldset outside its scroll box: static/js/app.js makes a table's box focusable when it scrolls, but
a box inside a disabled fieldset cannot take the focus (axe: scrollable-region-focusable; a locked
exam's blueprint on a phone). Used by
tests/integration/test_wording.py and test_demo_pages.py on every page of the demo and by tests/unit/test_markup.py."""
from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

# Attributes whose value is one id, or several separated by spaces.
ONE = {"for", "list", "form", "aria-activedescendant", "aria-errormessage"}
SEVERAL = {"aria-describedby", "aria-labelledby", "aria-controls", "aria-owns", "aria-details",
           "aria-flowto", "headers"}
# Elements whose `for` is not an id reference (a <script for>/<output for> is rare, but output's is one).
NOT_REFERENCES = {("script", "for")}


class _References(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: Counter[str] = Counter()
        self.references: list[tuple[str, str, str]] = []   # (tag, attribute, id)
        self.in_template = 0
        self.open: list[str] = []          # the fieldsets and divs open: "disabled", "box" or ""
        self.locked_tables: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "template":
            # A <template>'s content is not in the page until a script copies it: its ids and
            # references are checked when it is used, not here.
            self.in_template += 1
        if self.in_template:
            return
        values = dict(attrs)
        if tag == "fieldset":
            self.open.append("disabled" if "disabled" in values else "")
        elif tag == "div":
            self.open.append("box" if "table-responsive" in (values.get("class") or "").split() else "")
        elif tag == "table":
            box = max((i for i, kind in enumerate(self.open) if kind == "box"), default=-1)
            if "disabled" in self.open[:box if box >= 0 else len(self.open)]:
                self.locked_tables.append(values.get("id") or "?")
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids[value] += 1
            elif name in ONE and (tag, name) not in NOT_REFERENCES:
                self.references.append((tag, name, value.strip()))
            elif name in SEVERAL:
                self.references += [(tag, name, part) for part in value.split()]

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "template":
            self.in_template -= 1

    def handle_endtag(self, tag):
        if tag == "template" and self.in_template:
            self.in_template -= 1
        elif tag in ("fieldset", "div") and self.open and not self.in_template:
            self.open.pop()


def broken_references(html: str) -> list[str]:
    """Each reference to an id the page lacks, or has more than once, as `<tag attribute="id">`, and
    each table locked with its scroll box."""
    parser = _References()
    parser.feed(html)
    parser.close()
    problems = []
    for tag, attribute, ident in parser.references:
        count = parser.ids[ident]
        if count != 1:
            problems.append(f'<{tag} {attribute}="{ident}">: '
                            + ("no element has this id" if count == 0 else f"{count} elements have this id"))
    problems += [f'<table id="{table}">: inside a disabled fieldset, outside its scroll box (which then cannot '
                 "take the keyboard focus)" for table in parser.locked_tables]
    return sorted(set(problems))
