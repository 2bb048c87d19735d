"""Settings read from LMS_* environment variables when lms.config is imported (a fresh
interpreter each, as a server starts)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _config(**env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from lms.config import Config; print(Config.BABEL_DEFAULT_LOCALE)"],
                          cwd=ROOT, capture_output=True, text=True,
                          env={k: v for k, v in {**os.environ, **env}.items() if v is not None})


def test_the_default_language_is_one_of_the_languages_or_the_app_does_not_start():
    assert _config(LMS_DEFAULT_LOCALE=None).stdout.strip() == "vi"
    assert _config(LMS_DEFAULT_LOCALE="en").stdout.strip() == "en"
    wrong = _config(LMS_DEFAULT_LOCALE="EN")
    assert wrong.returncode != 0 and "LMS_DEFAULT_LOCALE must be one of vi, en, not 'EN'" in wrong.stderr
