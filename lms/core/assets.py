"""Style sheets and scripts light enough for a parent's phone on a poor network.

Every asset URL carries a fingerprint of its content (`?v=…`), so a browser keeps the file for a
year and asks again only when it changed; assets are sent compressed (Flask-Compress: Brotli,
zstd or gzip, whatever the browser takes), each compressed once per process. Pages themselves are
not compressed: they carry the CSRF token next to text a visitor can make the page repeat, which
is what compression attacks on HTTPS (BREACH) need.
"""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from flask import Flask, request
from flask_compress import Compress

# Files whose URL names their content (a school's logo is stored under its hash): kept a year too.
CONTENT_NAMED = ("people.school_logo_file",)
YEAR = 365 * 24 * 3600


class _Memory:
    """Flask-Compress's cache: the compressed bytes of each asset, kept for the process's life."""

    def __init__(self):
        self._items: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        return self._items.get(key)

    def set(self, key: str, value: bytes) -> None:
        with self._lock:
            self._items[key] = value


def install_assets(app: Flask) -> None:
    app.config.setdefault("COMPRESS_REGISTER", False)
    app.config.setdefault("COMPRESS_CACHE_BACKEND", _Memory)
    app.config.setdefault("COMPRESS_CACHE_KEY", lambda req: req.full_path)
    compress = Compress(app)
    folders = {"static": Path(app.static_folder)}
    if "bootstrap" in app.blueprints and app.blueprints["bootstrap"].static_folder:
        folders["bootstrap.static"] = Path(app.blueprints["bootstrap"].static_folder)
    fingerprints: dict[tuple[str, str], str] = {}

    def fingerprint(endpoint: str, filename: str) -> str | None:
        key = (endpoint, filename)
        if key not in fingerprints or app.debug:
            path = folders[endpoint] / filename
            try:
                fingerprints[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            except OSError:
                return None
        return fingerprints[key]

    @app.url_defaults
    def _versioned(endpoint, values):
        if endpoint in folders and "filename" in values and "v" not in values:
            version = fingerprint(endpoint, values["filename"])
            if version:
                values["v"] = version

    # Registered before the security headers' hook, so it runs after it: their "no-store" is for
    # pages, which carry personal data; a fingerprinted asset is the same for everyone.
    @app.after_request
    def _asset_response(response):
        if request.endpoint in CONTENT_NAMED and response.status_code in (200, 304):
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
            return response
        if request.endpoint not in folders:
            return response
        if request.args.get("v") and response.status_code in (200, 304):
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        if response.status_code == 200 and response.is_streamed:
            # Read the file (a few hundred KB at most) so it is compressed once and kept, with gzip
            # for the browsers that offer nothing better.
            response.direct_passthrough = False
            response.set_data(response.get_data())
        return compress.after_request(response)
