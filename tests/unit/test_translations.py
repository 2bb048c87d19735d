"""Every user-facing string has an English translation, and the catalogue matches the code."""
import pathlib
import subprocess
import sys

from babel.messages.pofile import read_po

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_every_string_in_the_code_is_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "-o", str(pot), "--no-location", "."], cwd=ROOT, check=True,
                   capture_output=True)
    wanted = {m.id for m in read_po(pot.open("rb")) if m.id}
    catalogue = read_po((ROOT / "lms/translations/en/LC_MESSAGES/messages.po").open("rb"), locale="en")
    translated = {m.id for m in catalogue if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"run `make extract-messages` and translate: {missing[:10]}"


def test_placeholders_survive_translation():
    import re

    catalogue = read_po((ROOT / "lms/translations/en/LC_MESSAGES/messages.po").open("rb"), locale="en")
    for m in catalogue:
        if m.id and m.string:
            # A plural entry (ngettext): each English form has the Vietnamese placeholders.
            source = m.id[0] if isinstance(m.id, tuple) else m.id
            for text in (m.string if isinstance(m.string, tuple) else (m.string,)):
                assert sorted(re.findall(r"%\(\w+\)s", source)) == sorted(re.findall(r"%\(\w+\)s", text)), m.id


def test_service_messages_render_outside_a_request():
    """CLI commands and background jobs render services' messages without a request."""
    from lms import create_app
    from lms.config import TestConfig
    from lms.core.errors import ValidationError
    from lms.auth.passwords import check_policy

    import pytest

    app = create_app(TestConfig)
    with app.app_context(), pytest.raises(ValidationError) as err:
        check_policy("ngắn")
    with app.app_context():
        assert str(err.value.message) == "Mật khẩu cần ít nhất 8 ký tự."
