"""Backup and restore: the database (PostgreSQL with pg_dump's custom format, SQLite with its
online backup API) and every stored file (lms/core/storage.py: the uploads folder or the S3
bucket — signed report cards, lesson and homework files, job results) as a tar.gz beside it. A backup is consistent while the app runs; a restore wants the app stopped.

    flask backup /srv/backups            → lms-20261201-2300.dump (or .sqlite3) + uploads-….tar.gz
    flask restore /srv/backups/lms-20261201-2300.dump --yes
"""
from __future__ import annotations

import glob
import io
import shutil
import sqlite3
import subprocess
import tarfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from lms.core.storage import Missing, Storage, safe_key


def pg_tool(name: str) -> str:
    """pg_dump / pg_restore: on PATH, or in the newest /usr/lib/postgresql/*/bin (Debian)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if not candidates:
        raise RuntimeError(f"{name} not found; install the PostgreSQL client (Debian: postgresql-client)")
    return candidates[-1]


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    u = make_url(url)
    args = ["--host", u.host or "localhost", "--port", str(u.port or 5432), "--username", u.username or "postgres",
            "--dbname", u.database or "postgres"]
    env = {"PGPASSWORD": u.password} if u.password else {}
    return args, env


def dump_database(url: str, target: Path) -> Path:
    """Write the database to `target` (PostgreSQL: pg_dump -Fc; SQLite: a consistent copy)."""
    import os

    if url.startswith("sqlite"):
        source = sqlite3.connect(make_url(url).database)
        copy = sqlite3.connect(target)
        with copy:
            source.backup(copy)
        copy.close()
        source.close()
        return target
    args, env = _pg_args(url)
    subprocess.run([pg_tool("pg_dump"), *args, "--format=custom", "--no-owner", "--no-privileges", "--file",
                    str(target)], check=True, env={**os.environ, **env}, capture_output=True)
    return target


def restore_database(url: str, source: Path) -> None:
    """Replace the database's content with a dump made by `dump_database`."""
    import os

    if url.startswith("sqlite"):
        shutil.copyfile(source, make_url(url).database)
        return
    args, env = _pg_args(url)
    subprocess.run([pg_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner", "--no-privileges",
                    "--exit-on-error", "--single-transaction", str(source)], check=True, env={**os.environ, **env},
                   capture_output=True)


def backup(url: str, storage: Storage, folder: Path, now: datetime) -> tuple[Path, Path]:
    """The database, then every stored file (from the folder or the bucket alike) into
    uploads-<stamp>.tar.gz beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = f"{now:%Y%m%d-%H%M%S}"
    database = dump_database(url, folder / f"lms-{stamp}.{'sqlite3' if url.startswith('sqlite') else 'dump'}")
    archive = folder / f"uploads-{stamp}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for key in storage.keys():
            try:
                data = storage.get(key)
            except Missing:  # deleted while the backup ran
                continue
            info = tarfile.TarInfo(f"uploads/{key}")
            info.size, info.mtime = len(data), int(now.timestamp())
            tar.addfile(info, io.BytesIO(data))
    return database, archive


def restore(url: str, storage: Storage, database: Path) -> None:
    """Restore the database and, when its uploads archive sits beside it, the stored files: the
    storage ends up holding exactly the archive's files."""
    restore_database(url, database)
    archive = database.with_name(database.name.replace("lms-", "uploads-").rsplit(".", 1)[0] + ".tar.gz")
    if not archive.exists():
        return
    kept = set()
    with tarfile.open(archive) as tar:
        for member in tar:
            if not member.isfile() or not member.name.startswith("uploads/"):
                continue
            key = safe_key(member.name[len("uploads/"):])
            storage.put(key, tar.extractfile(member).read())
            kept.add(key)
    for key in list(storage.keys()):
        if key not in kept:
            storage.delete(key)
