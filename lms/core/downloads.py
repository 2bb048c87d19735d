"""Serving stored files (lms/core/storage.py) from a view, after the view's own access check.

Every file goes out with the same headers whichever the storage: `Content-Disposition` with an
ASCII fallback and the exact UTF-8 name, `X-Content-Type-Options: nosniff`, and a
`Content-Security-Policy` that runs nothing (`sandbox`, no sources) — an uploaded HTML or SVG
that slipped through can do nothing on our origin. Inline PDFs are the one exception to
`sandbox`: browsers refuse to show a PDF in a sandboxed document; they keep `default-src 'none'`.

From a folder the file is sent by the operating system (ranges and revalidation included). From
a bucket it is streamed through the app in pieces, ranges passed on to the bucket (lesson videos
seek), unless `LMS_S3_SIGNED_URLS` is on: then the browser is redirected to a signed address
valid for `LMS_S3_URL_SECONDS` (60 s) that carries the same name and type; the proxy in front of
the bucket adds nosniff and the sandbox (deploy/nginx.conf).
"""
from __future__ import annotations

from flask import Response, abort, current_app, redirect, request, send_file

from lms.core.storage import Area, Missing, StoredFile, area, content_disposition

SANDBOX = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'"
NO_SOURCES = "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'"


def one_disposition(response: Response) -> Response:
    """Every download named by the one helper (storage.content_disposition): Flask's send_file
    writes its own ASCII fallback, which drops what has no ASCII letter ("Điểm" → "iem"); the
    name it carries in `filename*` is given again through the helper ("Diem", UTF-8 kept)."""
    from urllib.parse import unquote

    header = response.headers.get("Content-Disposition", "")
    marker = "filename*=UTF-8''"
    if marker not in header:
        return response
    name = unquote(header.split(marker, 1)[1].split(";", 1)[0])
    response.headers["Content-Disposition"] = content_disposition(name, header.lstrip().startswith("inline"))
    return response


def files(name: str) -> Area:
    """The area's files under this deployment's storage."""
    return area(current_app.config, name)


def _headers(response: Response, download_name: str, mimetype: str, inline: bool, cache: str) -> Response:
    response.headers["Content-Disposition"] = content_disposition(download_name, inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = NO_SOURCES if inline and mimetype == "application/pdf" else SANDBOX
    response.headers["Cache-Control"] = cache
    return response


def send_stored(target: StoredFile, *, download_name: str, mimetype: str | None = None, inline: bool = False,
                cache: str = "private, no-store") -> Response:
    """The response for one stored file (404 if it is gone). The caller has checked access."""
    mimetype = mimetype or "application/octet-stream"
    storage = target.storage
    if current_app.config.get("S3_SIGNED_URLS"):
        url = storage.signed_url(target.key, filename=download_name, mimetype=mimetype, inline=inline,
                                 seconds=int(current_app.config.get("S3_URL_SECONDS") or 60))
        if url:
            response = redirect(url, 302)
            response.headers["Cache-Control"] = "no-store"
            return response
    path = storage.local_path(target.key)
    if path is not None:
        if not path.is_file():
            abort(404)
        response = send_file(path, mimetype=mimetype, conditional=True, max_age=0, etag=True)
        return _headers(response, download_name, mimetype, inline, cache)
    head = storage.head(target.key)
    if head is None:
        abort(404)
    etag = f'"{head.etag}"' if head.etag else None
    if etag and etag in request.headers.get("If-None-Match", ""):
        return _headers(Response(status=304, headers={"ETag": etag}), download_name, mimetype, inline, cache)
    start, end, status = 0, head.size - 1, 200
    wanted = request.range
    if wanted is not None and (not request.headers.get("If-Range") or request.headers.get("If-Range") == etag):
        span = wanted.range_for_length(head.size) if len(wanted.ranges) == 1 else None
        if span is None:
            response = Response(status=416, headers={"Content-Range": f"bytes */{head.size}"})
            return _headers(response, download_name, mimetype, inline, cache)
        start, end, status = span[0], span[1] - 1, 206
    try:
        pieces = storage.chunks(target.key, start, end) if head.size else iter(())
    except Missing:
        abort(404)
    response = Response(pieces, status=status, mimetype=mimetype, direct_passthrough=True)
    response.headers["Content-Length"] = str(end - start + 1 if head.size else 0)
    response.headers["Accept-Ranges"] = "bytes"
    if status == 206:
        response.headers["Content-Range"] = f"bytes {start}-{end}/{head.size}"
    if etag:
        response.headers["ETag"] = etag
    return _headers(response, download_name, mimetype, inline, cache)
