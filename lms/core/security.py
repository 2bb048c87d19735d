"""Security headers, safe redirects and client addresses."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'")


# Files served by the app (uploads, exports, generated documents, charts) open as a sandboxed
# document — no script, no form, no same-origin access, even if a browser took one for a page — on
# top of their own policy (`install_headers` prefixes "sandbox; ").
_PAGE_TYPES = {"text/html", "application/json"}


def _is_served_file(response) -> bool:
    """Any answer but a page or JSON — except a PDF shown inline: Chromium's PDF viewer refuses to
    run in a sandboxed document at all (crbug.com/413851) and strips the CSP of PDFs it shows, so
    for those the defences are the content check at upload (no script or launch actions, no
    appended archive), the fixed `application/pdf` type and nosniff."""
    mimetype = response.mimetype or ""
    if mimetype in _PAGE_TYPES or request.endpoint in ("static", "bootstrap.static"):
        return False
    disposition = response.headers.get("Content-Disposition", "")
    return not (mimetype == "application/pdf" and not disposition.startswith("attachment"))


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only relative paths on this site; '//host', '/\\host', schemes and hosts fall back."""
    if not target:
        return fallback
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or target.startswith("/\\") or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def client_ip() -> str | None:
    return request.remote_addr


def security_headers(secure: bool) -> list[tuple[str, str]]:
    """The headers every response carries (HSTS only when cookies are for HTTPS)."""
    headers = [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
               ("Referrer-Policy", "strict-origin-when-cross-origin"), ("X-Frame-Options", "SAMEORIGIN"),
               ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")]
    if secure:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers


def install_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        h = response.headers
        for name, value in security_headers(bool(app.config.get("SESSION_COOKIE_SECURE"))):
            h.setdefault(name, value)
        if request.endpoint != "static" and not request.path.startswith("/static/"):
            # Pages of signed-in users carry grades and personal data: never cache them.
            h["Cache-Control"] = "no-store"
            if _is_served_file(response) and not h["Content-Security-Policy"].startswith("sandbox"):
                h["Content-Security-Policy"] = "sandbox; " + h["Content-Security-Policy"]
        if response.mimetype and response.mimetype.startswith("text/") and "charset" not in (response.content_type or ""):
            response.content_type = f"{response.mimetype}; charset=utf-8"
        return response
