"""Uploaded files: checked by content (not by name), size-limited per kind, then kept by an area of
lms/core/storage.py under a name made of their SHA-256. No Flask here: callers pass the limits."""
from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass

import filetype

from lms.core.errors import ValidationError
from lms.core.text import nfc
from lms.i18n import lazy_gettext as _l

# extension -> (kind, canonical MIME type). Only these are accepted.
ACCEPTED: dict[str, tuple[str, str]] = {
    "pdf": ("document", "application/pdf"),
    "docx": ("document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("document", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "png": ("image", "image/png"),
    "jpg": ("image", "image/jpeg"),
    "jpeg": ("image", "image/jpeg"),
    "gif": ("image", "image/gif"),
    "webp": ("image", "image/webp"),
    "mp3": ("audio", "audio/mpeg"),
    "m4a": ("audio", "audio/mp4"),
    "wav": ("audio", "audio/x-wav"),
    "ogg": ("audio", "audio/ogg"),
    "mp4": ("video", "video/mp4"),
    "webm": ("video", "video/webm"),
}
# What filetype may report for each extension (containers are shared between audio and video).
_SNIFFED = {
    "pdf": {"pdf"}, "png": {"png"}, "jpg": {"jpg"}, "jpeg": {"jpg"}, "gif": {"gif"}, "webp": {"webp"},
    "mp3": {"mp3"}, "m4a": {"m4a", "mp4"}, "wav": {"wav"}, "ogg": {"ogg"}, "mp4": {"mp4", "m4v", "mov"},
    "webm": {"webm", "mkv"},
}
_OFFICE_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
KIND_LABELS = {"document": _l("tài liệu"), "image": _l("ảnh"), "audio": _l("âm thanh"), "video": _l("video")}


@dataclass(frozen=True)
class CheckedFile:
    filename: str        # the original name, NFC, without any path
    extension: str
    kind: str
    mime: str
    size: int
    sha256: str


def clean_filename(name: str | None) -> str:
    base = nfc(os.path.basename((name or "").replace("\\", "/"))).strip()
    base = "".join(ch for ch in base if ch.isprintable())
    return base[:200] or "tep"


def check_upload(filename: str | None, data: bytes, limits_mb: dict[str, int]) -> CheckedFile:
    """Accept the file only if its content really is what its extension says, within the size
    limit of its kind. Raises ValidationError naming the file."""
    name = clean_filename(filename)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ACCEPTED:
        raise ValidationError(_l("Tệp “%(f)s”: loại tệp không được nhận. Chỉ nhận PDF, Word, Excel, PowerPoint "
                                 "(.docx, .xlsx, .pptx), ảnh (PNG, JPG, GIF, WebP), âm thanh (MP3, M4A, WAV, OGG) "
                                 "và video (MP4, WebM).", f=name), field="files")
    kind, mime = ACCEPTED[ext]
    if not data:
        raise ValidationError(_l("Tệp “%(f)s” rỗng.", f=name), field="files")
    limit = limits_mb[kind] * 1024 * 1024
    if len(data) > limit:
        raise ValidationError(_l("Tệp “%(f)s” nặng %(s)s MB, vượt giới hạn %(m)s MB cho %(k)s.", f=name,
                                 s=f"{len(data) / 1048576:.1f}", m=limits_mb[kind], k=KIND_LABELS[kind]),
                              field="files")
    if not _content_matches(ext, data):
        raise ValidationError(_l("Tệp “%(f)s” có đuôi .%(e)s nhưng nội dung không phải %(e)s thật; tệp bị từ chối.",
                                 f=name, e=ext), field="files")
    return CheckedFile(name, ext, kind, mime, len(data), hashlib.sha256(data).hexdigest())


def _content_matches(ext: str, data: bytes) -> bool:
    if ext in _OFFICE_PART:
        if data[:4] != b"PK\x03\x04":
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return False
        return "[Content_Types].xml" in names and _OFFICE_PART[ext] in names and not any(
            n.lower().endswith("vbaproject.bin") for n in names)  # no macros
    guess = filetype.guess(data[:8192])
    return guess is not None and guess.extension in _SNIFFED[ext]


def without_metadata(checked: CheckedFile, data: bytes) -> tuple[CheckedFile, bytes]:
    """A photo re-encoded without its EXIF/XMP metadata (phone pictures carry the place they were
    taken — for a pupil, usually home), turned upright first so it still shows the right way up.
    Other files, and pictures Pillow cannot read, are returned unchanged."""
    if checked.extension not in ("jpg", "jpeg", "png", "webp"):
        return checked, data
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            upright = ImageOps.exif_transpose(image)
            buffer = io.BytesIO()
            fmt = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}[checked.extension]
            options = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
            if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            upright.save(buffer, fmt, **options)
    except (UnidentifiedImageError, OSError, ValueError):
        return checked, data
    clean = buffer.getvalue()
    return CheckedFile(checked.filename, checked.extension, checked.kind, checked.mime, len(clean),
                       hashlib.sha256(clean).hexdigest()), clean
