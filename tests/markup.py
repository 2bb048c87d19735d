"""Attributes that name another element by its id, checked on a page's HTML: a label's `for`, an
input's `list` and `form`, a cell's `headers`, and every ARIA relation (aria-describedby,
aria-labelledby, aria-controls…). A reference to an id the page does not have is silently dropped
by the browser — a field loses its label, its hint or its error message for a screen-reader user —
and an id the page has twice is as bad (the browser takes the first). Used by
tests/integration/test_wording.py on every page of the demo and by tests/unit/test_markup.py."""
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

    def handle_starttag(self, tag, attrs):
        if tag == "template":
            # A <template>'s content is not in the page until a script copies it: its ids and
            # references are checked when it is used, not here.
            self.in_template += 1
        if self.in_template:
            return
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


def broken_references(html: str) -> list[str]:
    """Each reference to an id the page lacks, or has more than once, as `<tag attribute="id">`."""
    parser = _References()
    parser.feed(html)
    parser.close()
    problems = []
    for tag, attribute, ident in parser.references:
        count = parser.ids[ident]
        if count != 1:
            problems.append(f'<{tag} {attribute}="{ident}">: '
                            + ("no element has this id" if count == 0 else f"{count} elements have this id"))
    return sorted(set(problems))
