"""WTForms' own messages reach the user in Vietnamese (and back in English): a multiple choice
with a value not offered showed raw English inside a Vietnamese page."""
import re
from pathlib import Path

import wtforms

from lms.core.forms import _SINGULAR, MESSAGES, TRANSLATIONS

# Messages of WTForms that no form of ours can show (programming errors, validators we never use).
UNUSED = {"Choices cannot be None.", "Invalid field name '%s'.", "Invalid IP address.", "Invalid Mac address.",
          "Invalid UUID.", "Invalid value, can't be any of: %(values)s.", "Invalid value, must be one of: %(values)s.",
          "CSRF failed.", "CSRF token expired.", "CSRF token missing.", "Invalid CSRF Token.", "_", " "}


def _wtforms_messages() -> set[str]:
    root = Path(wtforms.__file__).parent
    found = set()
    for path in [*root.glob("fields/*.py"), root / "validators.py"]:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'gettext\(\s*"([^"]+)"', text))
        found |= set(re.findall(r'ngettext\(\s*"[^"]+",\s*"([^"]+)"', text))
        found |= set(re.findall(r'ngettext\(\s*"([^"]+)",', text))
    return found


def test_every_message_wtforms_can_show_us_is_ours():
    missing = {m for m in _wtforms_messages() - UNUSED if m not in MESSAGES and m not in _SINGULAR}
    assert not missing


def test_a_choice_not_offered_is_named_in_vietnamese():
    text = TRANSLATIONS.ngettext("'%(value)s' is not a valid choice for this field.",
                                 "'%(value)s' are not valid choices for this field.", 1) % {"value": "60"}
    assert text == "Có lựa chọn không hợp lệ: 60."
    assert TRANSLATIONS.gettext("Invalid choice(s): one or more data inputs could not be coerced.") == \
        "Giá trị gửi lên không có trong danh sách: hãy chọn một mục của danh sách."
