"""Stored files, one interface for every area: lesson and library files, homework hand-ins,
question pictures, exemption evidence, signed report cards and transcripts, job results, and the
files an import keeps between its preview and its confirmation.

Where the bytes live is a setting (no Flask here, only the config mapping):

- `LMS_STORAGE=local` (the default): a folder, `LMS_UPLOAD_DIR`. One app server, or several
  sharing that folder.
- `LMS_STORAGE=s3`: a bucket on any S3-compatible server (MinIO, Ceph, a cloud's object
  storage) through boto3 — `LMS_S3_BUCKET`, `LMS_S3_ENDPOINT_URL`, `LMS_S3_REGION`,
  `LMS_S3_ACCESS_KEY_ID` / `LMS_S3_SECRET_ACCESS_KEY` (or boto3's usual credential chain),
  `LMS_S3_PREFIX`. App servers and workers then share nothing but the database, Redis and
  the bucket.

An area hands out path-like handles, so code written for a folder reads the same:

    files = area(config, "report-cards")
    (files / name).write_bytes(pdf)
    data = (files / name).read_bytes()
    stored = files.save(checked, data)      # content-addressed upload: "ab/ab12….pdf"

Names are relative to the area and never leave it: an absolute name, a `..` part, a backslash
or a control character is refused before anything is touched.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lms.core.errors import ValidationError
from lms.i18n import lazy_gettext as _l

if TYPE_CHECKING:
    from lms.core.uploads import CheckedFile

CHUNK = 256 * 1024


class Missing(LookupError):
    """No stored file under that name."""


@dataclass(frozen=True)
class Head:
    size: int
    etag: str | None = None
    modified: float | None = None   # POSIX time


def safe_key(name: str) -> str:
    """The name itself if it stays inside its area; ValidationError otherwise."""
    if (not name or name.startswith("/") or "\\" in name or any(ord(ch) < 32 for ch in name)
            or any(part in ("", ".", "..") for part in name.split("/"))):
        raise ValidationError(_l("Đường dẫn tệp không hợp lệ."))
    return name


class Storage:
    """Bytes under keys ("resources/ab/ab12….pdf"). Implementations: LocalStorage, S3Storage."""

    description = ""

    def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        raise NotImplementedError

    def get(self, key: str) -> bytes:
        raise NotImplementedError

    def head(self, key: str) -> Head | None:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def chunks(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes from `start` to `end` (inclusive), a piece at a time."""
        raise NotImplementedError

    def keys(self, prefix: str = "") -> Iterator[str]:
        raise NotImplementedError

    def local_path(self, key: str) -> Path | None:
        """The file itself where the storage is a folder (so a download can use the operating
        system's sendfile); None for a bucket."""
        return None

    def signed_url(self, key: str, *, filename: str, mimetype: str, inline: bool, seconds: int) -> str | None:
        """A short-lived address the browser fetches the file from itself; None where the
        storage has none (a folder: the app streams it)."""
        return None

    def check(self) -> None:
        """Raise if the storage cannot be written (readiness)."""
        key = f".ready/{os.getpid()}-{threading.get_ident()}"
        self.put(key, b"ok")
        self.delete(key)


class LocalStorage(Storage):
    def __init__(self, root: Path):
        self.root = Path(root)
        self.description = f"folder {self.root}"

    def _path(self, key: str) -> Path:
        path = (self.root / safe_key(key)).resolve()
        if self.root.resolve() not in path.parents:
            raise ValidationError(_l("Đường dẫn tệp không hợp lệ."))
        return path

    def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
        tmp.write_bytes(data)
        os.replace(tmp, path)   # readers see the old file or the whole new one

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise Missing(key) from None

    def head(self, key: str) -> Head | None:
        path = self._path(key)
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not path.is_file():
            return None
        return Head(stat.st_size, f"{stat.st_mtime_ns:x}-{stat.st_size:x}", stat.st_mtime)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def chunks(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise Missing(key) from None
        with handle:
            handle.seek(start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                piece = handle.read(CHUNK if left is None else min(CHUNK, left))
                if not piece:
                    break
                if left is not None:
                    left -= len(piece)
                yield piece

    def keys(self, prefix: str = "") -> Iterator[str]:
        if not self.root.exists():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.endswith(".part"):
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix) and not key.startswith(".ready/"):
                    yield key

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        super().check()


class S3Storage(Storage):
    """One bucket of an S3-compatible server; keys under an optional prefix. The boto3 client is
    made per process (after gunicorn's fork: a client's connection pool must not be shared)."""

    def __init__(self, *, bucket: str, prefix: str = "", endpoint_url: str | None = None, region: str | None = None,
                 access_key: str | None = None, secret_key: str | None = None, addressing_style: str = "path",
                 public_endpoint_url: str | None = None, create_bucket: bool = False):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url, self.region = endpoint_url, region or "us-east-1"
        self.public_endpoint_url = public_endpoint_url or endpoint_url
        self._credentials = {"aws_access_key_id": access_key, "aws_secret_access_key": secret_key} \
            if access_key and secret_key else {}
        self.addressing_style = addressing_style
        self.create_bucket = create_bucket
        self.description = f"bucket {bucket} at {endpoint_url or 'the default S3 endpoint'}"
        self._clients: dict[tuple[int, str], object] = {}
        self._lock = threading.Lock()

    def _client(self, public: bool = False):
        which = "public" if public else "api"
        handle = (os.getpid(), which)
        client = self._clients.get(handle)
        if client is None:
            with self._lock:
                client = self._clients.get(handle)
                if client is None:
                    import boto3
                    from botocore.config import Config as BotoConfig

                    session = boto3.session.Session()
                    client = session.client(
                        "s3", endpoint_url=self.public_endpoint_url if public else self.endpoint_url,
                        region_name=self.region, **self._credentials,
                        config=BotoConfig(signature_version="s3v4", s3={"addressing_style": self.addressing_style},
                                          retries={"max_attempts": 4, "mode": "standard"},
                                          connect_timeout=5, read_timeout=30, max_pool_connections=32))
                    if self.create_bucket and not public:
                        _ensure_bucket(client, self.bucket, self.region)
                    self._clients = {k: v for k, v in self._clients.items() if k[0] == os.getpid()}
                    self._clients[handle] = client
        return client

    def _key(self, key: str) -> str:
        return self.prefix + safe_key(key)

    def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        self._client().put_object(Bucket=self.bucket, Key=self._key(key), Body=data, **extra)

    def _missing(self, error) -> bool:
        code = str(error.response.get("Error", {}).get("Code", ""))
        return code in ("NoSuchKey", "404", "NotFound")

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            body = self._client().get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except ClientError as error:
            if self._missing(error):
                raise Missing(key) from None
            raise
        with body:
            return body.read()

    def head(self, key: str) -> Head | None:
        from botocore.exceptions import ClientError

        try:
            found = self._client().head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if self._missing(error):
                return None
            raise
        modified = found.get("LastModified")
        return Head(int(found["ContentLength"]), (found.get("ETag") or "").strip('"') or None,
                    modified.timestamp() if modified else None)

    def delete(self, key: str) -> None:
        self._client().delete_object(Bucket=self.bucket, Key=self._key(key))

    def chunks(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        from botocore.exceptions import ClientError

        extra = {"Range": f"bytes={start}-{'' if end is None else end}"} if start or end is not None else {}
        try:
            body = self._client().get_object(Bucket=self.bucket, Key=self._key(key), **extra)["Body"]
        except ClientError as error:
            if self._missing(error):
                raise Missing(key) from None
            raise
        return _closing(body)

    def keys(self, prefix: str = "") -> Iterator[str]:
        pages = self._client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix):]
                if not key.startswith(".ready/"):
                    yield key

    def signed_url(self, key: str, *, filename: str, mimetype: str, inline: bool, seconds: int) -> str | None:
        params = {"Bucket": self.bucket, "Key": self._key(key), "ResponseContentType": mimetype,
                  "ResponseContentDisposition": content_disposition(filename, inline),
                  "ResponseCacheControl": "private, no-store"}
        return self._client(public=True).generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)


def _closing(body) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(CHUNK)
    finally:
        body.close()


def _ensure_bucket(client, bucket: str, region: str) -> None:
    from botocore.exceptions import ClientError

    try:
        client.head_bucket(Bucket=bucket)
    except ClientError:
        extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        try:
            client.create_bucket(Bucket=bucket, **extra)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise


def content_disposition(filename: str, inline: bool) -> str:
    """`attachment; filename="…"; filename*=UTF-8''…` — an ASCII fallback for old clients and the
    exact UTF-8 name ("Đề thi học kỳ.docx") for everyone else."""
    import unicodedata
    from urllib.parse import quote

    plain = "".join(ch for ch in unicodedata.normalize("NFD", filename.replace("Đ", "D").replace("đ", "d"))
                    if not unicodedata.combining(ch))
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in plain) or "file"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


# ---------------------------------------------------------------- areas


class StoredFile:
    """One stored file, named like a path: `read_bytes`, `write_bytes`, `exists`, `unlink`, `size`."""

    def __init__(self, storage: Storage, key: str, name: str):
        self.storage, self.key, self.name = storage, key, name

    def read_bytes(self) -> bytes:
        return self.storage.get(self.key)

    def write_bytes(self, data: bytes, content_type: str | None = None) -> None:
        self.storage.put(self.key, data, content_type)

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.read_bytes().decode(encoding)

    def write_text(self, text: str, encoding: str = "utf-8") -> None:
        self.write_bytes(text.encode(encoding))

    def exists(self) -> bool:
        return self.storage.head(self.key) is not None

    def size(self) -> int | None:
        found = self.storage.head(self.key)
        return found.size if found else None

    def unlink(self, missing_ok: bool = True) -> None:
        self.storage.delete(self.key)

    def __repr__(self) -> str:
        return f"<StoredFile {self.key}>"


class Area:
    """The files of one area ("resources", "homework", "report-cards", "jobs", …)."""

    def __init__(self, storage: Storage, name: str):
        self.storage, self.name = storage, safe_key(name)

    def __truediv__(self, name: str) -> StoredFile:
        return StoredFile(self.storage, f"{self.name}/{safe_key(name)}", name)

    def save(self, checked: CheckedFile, data: bytes) -> str:
        """Keep an uploaded file under a name made of its SHA-256 (identical content is kept
        once); returns that name, relative to the area. What is kept is the checked content (a
        photo re-encoded without its metadata by `check_upload`), `data` only for a file
        described by hand."""
        data = checked.content if checked.content is not None else data
        stored = f"{checked.sha256[:2]}/{checked.sha256}.{checked.extension}"
        target = self / stored
        if not target.exists():
            target.write_bytes(data, checked.mime)
        return stored

    def names(self) -> Iterator[str]:
        start = len(self.name) + 1
        for key in self.storage.keys(self.name + "/"):
            yield key[start:]


# ---------------------------------------------------------------- from the settings

_STORAGES: dict[tuple, Storage] = {}
_STORAGES_LOCK = threading.Lock()


def _settings_of(config: Mapping) -> tuple:
    kind = config.get("STORAGE", "local")
    if kind == "s3":
        return ("s3", config.get("S3_BUCKET"), config.get("S3_PREFIX") or "", config.get("S3_ENDPOINT_URL"),
                config.get("S3_REGION"), config.get("S3_ACCESS_KEY_ID"), config.get("S3_SECRET_ACCESS_KEY"),
                config.get("S3_ADDRESSING_STYLE") or "path", config.get("S3_PUBLIC_ENDPOINT_URL"),
                bool(config.get("S3_CREATE_BUCKET")))
    return ("local", str(Path(config["UPLOAD_DIR"]).resolve()))


def storage_for(config: Mapping) -> Storage:
    """The storage the settings name (one object per distinct setting, shared by the threads)."""
    settings = _settings_of(config)
    found = _STORAGES.get(settings)
    if found is None:
        with _STORAGES_LOCK:
            found = _STORAGES.get(settings)
            if found is None:
                if settings[0] == "s3":
                    _, bucket, prefix, endpoint, region, key_id, secret, style, public, create = settings
                    if not bucket:
                        raise ValueError("LMS_STORAGE=s3 needs LMS_S3_BUCKET")
                    found = S3Storage(bucket=bucket, prefix=prefix, endpoint_url=endpoint, region=region,
                                      access_key=key_id, secret_key=secret, addressing_style=style,
                                      public_endpoint_url=public, create_bucket=create)
                else:
                    found = LocalStorage(Path(settings[1]))
                _STORAGES[settings] = found
    return found


def area(config: Mapping, name: str) -> Area:
    """The files of one area under the deployment's storage."""
    return Area(storage_for(config), name)
