"""Dependency hygiene (security.md #56, #60): the hash-pinned lock agrees with requirements.txt, and
the dependency audit never reports "passed" without having asked the vulnerability service.

Before: versions were pinned without hashes (and transitive ones not at all), and no audit ran.
"""
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import audit_dependencies  # noqa: E402

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _pins(text: str) -> dict[str, str]:
    return {m.group(1).lower().replace("_", "-"): m.group(2) for line in text.splitlines()
            if (m := PIN.match(line.strip()))}


def test_every_runtime_pin_is_in_the_lock_at_the_same_version_with_hashes():
    wanted = _pins((ROOT / "requirements.txt").read_text())
    lock_text = (ROOT / "requirements.lock").read_text()
    locked = _pins(lock_text)
    assert wanted, "requirements.txt pins nothing?"
    differ = {name: (version, locked.get(name)) for name, version in wanted.items() if locked.get(name) != version}
    assert not differ, f"run `make lock`: requirements.txt and requirements.lock differ: {differ}"
    # Every entry of the lock carries at least one sha256 of a published file, and names no local index.
    entries = re.split(r"\n(?=[A-Za-z0-9])", lock_text.split("\n", 4)[-1])
    for entry in entries:
        if PIN.match(entry):
            assert "--hash=sha256:" in entry, entry.splitlines()[0]
    assert "file://" not in lock_text and "--find-links" not in lock_text


class _Service(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):  # noqa: N802
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def service():
    server = HTTPServer(("127.0.0.1", 0), _Service)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.mark.parametrize(("status", "tool", "code", "said"), [
    (404, "/bin/true", 0, "NOT RUN"),   # a mirror without per-release JSON: reported, not passed
    (200, "/bin/true", 0, "passed"),    # the service answered and pip-audit found nothing
    (200, "/bin/false", 1, "FAILED"),   # a finding (or a package it could not check, with --strict)
])
def test_the_audit_says_not_run_passed_or_failed(service, monkeypatch, capsys, status, tool, code, said):
    _Service.status = status
    monkeypatch.setattr(audit_dependencies, "SERVICE", f"http://127.0.0.1:{service.server_port}/pypi/pip/24.0/json")
    monkeypatch.delenv("LMS_REQUIRE_DEPENDENCY_AUDIT", raising=False)
    assert audit_dependencies.main(["audit", tool, "requirements.lock"]) == code
    out = capsys.readouterr().out
    assert said in out and ("passed" not in out or said == "passed")


def test_an_unreachable_service_fails_where_the_audit_is_required(monkeypatch, capsys):
    monkeypatch.setattr(audit_dependencies, "SERVICE", "http://127.0.0.1:9/unreachable")
    monkeypatch.setenv("LMS_REQUIRE_DEPENDENCY_AUDIT", "1")
    assert audit_dependencies.main(["audit", "/bin/true"]) == 1
    assert "NOT RUN" in capsys.readouterr().out
