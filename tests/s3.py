"""A real S3-compatible server for the tests: moto in server mode (its own process, HTTP on
127.0.0.1), and settings that put the app's stored files in a fresh bucket of it.

Its fixtures are registered in tests/conftest.py: `s3_server` (one per test process) and
`s3_settings` (a fresh bucket; the `app` fixture then keeps its files there).
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

ACCESS_KEY, SECRET_KEY = "lms-test-key", "lms-test-secret"


class MotoServer:
    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=2).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.2)

    def settings(self, bucket: str | None = None, **extra) -> dict:
        """Config keys for an app whose files live in `bucket` (made on first use)."""
        return {"STORAGE": "s3", "S3_BUCKET": bucket or f"lms-{uuid.uuid4().hex[:12]}", "S3_ENDPOINT_URL": self.url,
                "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY, "S3_REGION": "us-east-1",
                "S3_CREATE_BUCKET": True, **extra}

    def environment(self, bucket: str) -> dict[str, str]:
        """The same as LMS_* variables, for app processes of their own."""
        return {f"LMS_{k}": ("1" if v is True else str(v)) for k, v in self.settings(bucket).items()}

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def s3_server():
    server = MotoServer()
    yield server
    server.stop()


@pytest.fixture
def s3_settings(s3_server):
    """Settings for one test's own bucket."""
    return s3_server.settings()
