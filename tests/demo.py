"""The demo school, loaded the way `make run` loads it — `flask db upgrade` then `flask seed-demo`,
in a process of their own, with the scheduler's interval shortened — once per test process and
database, for the tests that need the whole demo (the page crawl, the browser tests, the demo's
own checks)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from lms.config import TestConfig

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class SeededDemo:
    url: str                  # the database
    folder: Path              # its instance folder (uploads, demo-logins.txt)
    output: str               # what `flask db upgrade` and `flask seed-demo` printed
    logins: list[SimpleNamespace]

    def config(self, **extra) -> type:
        """A test configuration on this demo. The keys are the ones the demo was seeded with, so
        receipts, report cards and payment-channel secrets stay readable."""
        return type("Demo", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": self.url, "INSTANCE_DIR": self.folder,
                                            "UPLOAD_DIR": self.folder / "uploads", **extra})

    def by_role(self) -> dict[str, list[SimpleNamespace]]:
        out: dict[str, list[SimpleNamespace]] = {}
        for login in self.logins:
            out.setdefault(login.role, []).append(login)
        return out


def seed(url: str) -> SeededDemo:
    folder = Path(tempfile.mkdtemp(prefix="lms-demo-"))
    env = {**os.environ, "LMS_DATABASE_URL": url, "LMS_INSTANCE_DIR": str(folder),
           "LMS_UPLOAD_DIR": str(folder / "uploads"), "LMS_SCHEDULER_SECONDS": "1",
           "LMS_SIGNING_KEY": TestConfig.SIGNING_KEY, "LMS_SECRETS_KEY": TestConfig.SECRETS_KEY,
           "LMS_ENV": "development", "LMS_LOG_FORMAT": "text", "FLASK_APP": "wsgi.py"}
    output = []
    for command in (["db", "upgrade"], ["seed-demo"]):
        done = subprocess.run([sys.executable, "-m", "flask", *command], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=900)
        output.append(done.stdout + done.stderr)
        assert done.returncode == 0, "\n".join(output)
    logins = [SimpleNamespace(**row) for row in json.loads((folder / "demo-logins.json").read_text(encoding="utf-8"))]
    return SeededDemo(url, folder, "\n".join(output), logins)
