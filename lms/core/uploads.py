"""Uploaded files: checked by content (not by name), size-limited per kind, then kept by an area of
lms/core/storage.py under a name made of their SHA-256. No Flask here: callers pass the limits.

Every upload goes through `check_upload`, the one place that decides what is stored:
- the content must be what the extension says (magic bytes; Office files by their parts, no macros);
- no polyglots: nothing that a browser could also read as a web page (HTML, SVG or script in the
  first kilobyte), no ZIP archive tacked onto a picture, sound, video or PDF, no PDF that runs
  script or launches programs;
- photos are re-encoded without their EXIF/XMP metadata (a phone picture carries the place it was
  taken — for a pupil, usually home), so what is stored (`CheckedFile.content`) is the clean copy
  wherever the upload came from (homework, lessons, the library, question images, fee evidence).
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

import filetype

from lms.core.errors import ValidationError
from lms.core.numbers import local_decimal
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
    size: int            # of `content`
    sha256: str          # of `content`
    content: bytes | None = field(default=None, repr=False, compare=False)  # what is stored


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
                                 s=local_decimal(Decimal(len(data)) / 1048576, None, 1), m=limits_mb[kind], k=KIND_LABELS[kind]),
                              field="files")
    if not _content_matches(ext, data):
        raise ValidationError(_l("Tệp “%(f)s” có đuôi .%(e)s nhưng nội dung không phải %(e)s thật; tệp bị từ chối.",
                                 f=name, e=ext), field="files")
    if _polyglot(ext, data):
        raise ValidationError(_l("Tệp “%(f)s” chứa thêm nội dung khác (trang web, mã chạy được hoặc tệp nén bên "
                                 "trong); tệp bị từ chối. Hãy lưu lại tệp bằng phần mềm thông thường rồi tải lên.",
                                 f=name), field="files")
    checked = CheckedFile(name, ext, kind, mime, len(data), hashlib.sha256(data).hexdigest(), data)
    if ext in _PHOTO_FORMATS:
        clean = _reencoded(ext, data)
        if clean is None:
            raise ValidationError(_l("Không đọc được ảnh “%(f)s”; tệp bị từ chối.", f=name), field="files")
        checked = CheckedFile(name, ext, kind, mime, len(clean), hashlib.sha256(clean).hexdigest(), clean)
    return checked


_PHOTO_FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
# What makes a browser take bytes for a page (it sniffs the start of a file), in any case.
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|meta|link|img|a\s)|<\?xml",
                     re.IGNORECASE)
_ZIP_END = b"PK\x05\x06"
_PDF_STREAM = re.compile(rb"\bstream\r?\n.*?\bendstream\b", re.DOTALL)
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|RichMedia)(?![A-Za-z0-9])")


def _polyglot(ext: str, data: bytes) -> bool:
    """Bytes that are also something else a browser or a viewer would act on."""
    if ext in _OFFICE_PART:
        return False  # ZIP containers by nature; their parts were checked and they are downloaded
    if _MARKUP.search(data[:1024]):
        return True
    if _ZIP_END in data[-66_000:]:  # an archive's directory at the end: a GIFAR-style attachment
        return True
    # PDF actions are names in the file's own syntax, outside the (compressed) streams.
    return ext == "pdf" and bool(_PDF_ACTIVE.search(_PDF_STREAM.sub(b"", data)))


def _reencoded(ext: str, data: bytes) -> bytes | None:
    """The picture drawn again by Pillow, upright, without metadata; None if it cannot be read."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            upright = ImageOps.exif_transpose(image)
            buffer = io.BytesIO()
            fmt = _PHOTO_FORMATS[ext]
            options = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
            if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            upright.save(buffer, fmt, **options)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    return buffer.getvalue()


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
    """The bytes to store for a checked file: `check_upload` has already re-encoded photos
    without their metadata (kept for callers written before it did)."""
    return checked, checked.content if checked.content is not None else data
