"""The production server settings (gunicorn.conf.py) are plain Python read by gunicorn; they are
checked here as gunicorn reads them."""
from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_settings_and_the_freeze_before_each_fork(monkeypatch):
    monkeypatch.setenv("LMS_WORKERS", "5")
    monkeypatch.setenv("LMS_THREADS", "6")
    settings = runpy.run_path(str(CONF))
    assert (settings["workers"], settings["threads"], settings["worker_class"]) == (5, 6, "gthread")
    assert settings["preload_app"] is True  # the app is loaded in the master, so pre_fork can freeze it
    assert "%(q)s" not in settings["access_log_format"]  # no query strings (reset tokens) in the log
    gc.unfreeze()
    try:
        settings["pre_fork"](None, None)
        assert gc.get_freeze_count() > 0  # the master's objects are out of the workers' collections
    finally:
        gc.unfreeze()
