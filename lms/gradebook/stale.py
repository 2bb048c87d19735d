"""Saving a grade-book-like page opened some time ago without erasing what a colleague saved
meanwhile. The page carries what each field held when it was rendered (`was`); a save writes
only the fields the user changed since, and a field someone else changed meanwhile is refused,
naming the pupil and the field and showing the newer value. Pure: no flask, no database."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from lms.gradebook.book import Issue
from lms.i18n import lazy_gettext as _l


@dataclass(frozen=True)
class Shown:
    """What a page shows in one field when nothing is typed: the stored value as text."""
    line: int
    pupil: str
    label: str
    text: str


@dataclass
class Edits:
    values: dict[str, str]        # what each field shows: the user's kept edits over the stored text
    changed: set[str]             # fields the user changed, to be written
    conflicts: list[Issue] = field(default_factory=list)
    was: str = ""                 # the snapshot the page carries when rendered again

    def of(self, name: str) -> str:
        return self.values.get(name, "")

    def touched(self, *names: str) -> bool:
        return any(n in self.changed for n in names)


def snapshot(shown: dict[str, Shown]) -> str:
    return json.dumps({name: s.text for name, s in shown.items()}, ensure_ascii=False, sort_keys=True)


def unchanged(shown: dict[str, Shown]) -> Edits:
    """A page as rendered on GET: every field shows what is stored."""
    return Edits({name: s.text for name, s in shown.items()}, set(), [], snapshot(shown))


def read_edits(shown: dict[str, Shown], form: dict[str, str], was_text: str | None) -> Edits:
    """Compare what was posted with what the page held (`was_text`) and what is stored now
    (`shown`). A field the user did not change is not written (it shows what is stored now); a
    field the user changed is written unless someone else changed it meanwhile to something
    else — then it is refused and shows the newer value. Without a snapshot (a page from before
    this rule) what is stored now stands for it."""
    try:
        was = json.loads(was_text or "")
        if not isinstance(was, dict):
            was = {}
    except ValueError:
        was = {}
    values, changed, conflicts = {}, set(), []
    for name, now in shown.items():
        before = str(was.get(name, now.text))
        typed = form.get(name)
        if typed is None or typed.strip() == before.strip():
            values[name] = now.text
            continue
        if now.text.strip() != before.strip() and typed.strip() != now.text.strip():
            conflicts.append(Issue(now.line, now.pupil, now.label, typed, str(_l(
                "người khác vừa lưu “%(v)s” vào ô này sau khi bạn mở trang; giá trị bạn nhập chưa được lưu — "
                "xem lại rồi lưu lại nếu vẫn muốn sửa.", v=now.text or "—"))))
            values[name] = now.text
            continue
        values[name] = typed
        changed.add(name)
    return Edits(values, changed, conflicts, snapshot(shown))
