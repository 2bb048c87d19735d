"""The dependency audit of `make sast` (domain/security.md #56): pip-audit --strict over every pinned
runtime dependency (requirements.lock, transitive ones included, with their hashes).

Three outcomes, never confused:
- the vulnerability service answered and found nothing: "passed", exit 0;
- it found a known vulnerability (or could not check one package, which --strict makes a failure):
  the findings, exit 1 — CI fails;
- the service cannot be reached (a machine without internet, a package mirror without PyPI's JSON
  API): "NOT RUN" and why, exit 0 unless LMS_REQUIRE_DEPENDENCY_AUDIT=1 (set it where the audit
  must gate a release). pip-audit on its own would print "No known vulnerabilities found" after
  skipping every package, so the service is asked once first and its silence is reported as such.

Usage: python deploy/audit_dependencies.py PIP_AUDIT [REQUIREMENTS]
"""
from __future__ import annotations

import os
import subprocess  # nosec B404 - runs pip-audit, a fixed argument list, no shell
import sys
import urllib.request

# What pip-audit asks for each package: one release's JSON (its "vulnerabilities"). Some mirrors serve
# a project's page but not a release's; then pip-audit can check nothing.
SERVICE = os.environ.get("LMS_AUDIT_SERVICE_URL", "https://pypi.org/pypi/pip/24.0/json")


def reachable(url: str | None = None, timeout: float = 10.0) -> str | None:
    """None when the vulnerability service answers, else why not."""
    try:
        with urllib.request.urlopen(url or SERVICE, timeout=timeout) as response:  # nosec B310 - a fixed https URL
            return None if response.status == 200 else f"HTTP {response.status}"
    except OSError as exc:
        return str(exc)


def main(argv: list[str]) -> int:
    pip_audit = argv[1]
    requirements = argv[2] if len(argv) > 2 else "requirements.lock"
    why = reachable()
    if why is not None:
        print(f"dependency audit: NOT RUN — the vulnerability service ({SERVICE}) cannot be reached: {why}")
        return 1 if os.environ.get("LMS_REQUIRE_DEPENDENCY_AUDIT") == "1" else 0
    command = [pip_audit, "--strict", "--disable-pip", "--require-hashes", "--vulnerability-service",
               "pypi", "--progress-spinner", "off", "--requirement", requirements]
    done = subprocess.run(command, check=False)  # nosec B603 - fixed arguments, no shell
    print("dependency audit: " + ("passed" if done.returncode == 0 else "FAILED"))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
