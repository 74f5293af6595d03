"""Backup and restore of what the portal keeps: the PostgreSQL database and the private storage of the documents
(``manage.py backup`` and ``manage.py restore_backup``; README, "Backups").

A backup is a directory of three files:

* ``database.dump`` — ``pg_dump --format=custom`` of the database, taken in a snapshot exported by a read-only
  repeatable-read transaction, in which the row count of every table was read too;
* ``objects.tar`` — every object of ``STORAGES["private"]`` under its own name, read through the storage API, so a
  local directory and an S3 bucket are backed up alike. The objects are listed *after* the snapshot: a document's
  file is written before its row commits and is never overwritten, so every file a row of the dump names is there
  (a file written later is merely one more);
* ``manifest.json`` — when, the database (name, server version, size, the dump's size and SHA-256, the rows of every
  table, the last migration of every app) and the objects (count, bytes, the size and SHA-256 of each).

A restore goes into a **fresh, empty** database (created with ``--create``) and an empty storage — both those of the
environment it runs in (``DATABASE_URL``, ``PRIVATE_STORAGE_BACKEND``…): the dump's checksum is verified,
``pg_restore`` runs in one transaction (or with ``--jobs``), every table's rows are counted against the manifest,
and every object is verified against its SHA-256 and written under its own name, never over an existing one.
Then ``manage.py check_integrity --documents`` checks the restored data.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import connections

from portal.common.digest import BLOCK, size_and_sha256
from portal.common.logging import redact

MANIFEST = "manifest.json"
DUMP = "database.dump"
OBJECTS = "objects.tar"
FORMAT = 1


class BackupError(Exception):
    """What stops a backup or a restore, in words for the operator."""


# --- PostgreSQL ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """Where a database is, as the PostgreSQL client programs take it (the password in their environment only)."""

    name: str
    host: str
    port: str
    user: str
    password: str

    @classmethod
    def of(cls, alias: str = "default") -> Database:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            raise BackupError(
                "Chỉ sao lưu được PostgreSQL; cơ sở dữ liệu nhúng (SQLite) là một tệp trong var/. "
                "Only PostgreSQL is backed up; the embedded database (SQLite) is a file under var/."
            )
        config = connection.settings_dict
        return cls(
            name=config["NAME"],
            host=config.get("HOST") or "127.0.0.1",
            port=str(config.get("PORT") or 5432),
            user=config.get("USER") or "postgres",
            password=config.get("PASSWORD") or "",
        )

    def args(self, *, name: str | None = None) -> list[str]:
        return ["--host", self.host, "--port", self.port, "--username", self.user, "--dbname", name or self.name]

    def env(self) -> dict[str, str]:
        env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, alias: str = "default", *, name: str | None = None):
        """A DB-API connection of its own (autocommit), beside Django's, to this database or ``name``."""
        connection = connections[alias]
        params = connection.get_connection_params()
        params["dbname"] = name or self.name
        raw = connection.get_new_connection(params)
        raw.autocommit = True
        return raw


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"Không tìm thấy {name}: cài postgresql-client cùng phiên bản chính với máy chủ. "
            f"{name} not found: install postgresql-client of the server's major version."
        )
    return path


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        # pg_restore's errors may quote a row (CONTEXT: COPY …): ID numbers and phones masked, as in every log
        detail = redact(result.stderr.strip()[-2000:])
        raise BackupError(
            f"{Path(command[0]).name} dừng với mã {result.returncode} / exited {result.returncode}: {detail}"
        )


def _tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
    )
    return [row[0] for row in cursor.fetchall()]


def _row_counts(cursor) -> dict[str, int]:
    counts = {}
    for table in _tables(cursor):
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (names quoted by quote_ident)
        counts[table] = cursor.fetchone()[0]
    return counts


def _migrations(cursor) -> dict[str, str]:
    cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
    return dict(cursor.fetchall())


# --- objects ---------------------------------------------------------------------------------------------------------


def _names(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file of ``storage`` under ``path``, in a stable order."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:  # a local storage whose directory was never made: nothing stored yet
        return
    prefix = f"{path}/" if path else ""
    for name in sorted(files):
        yield prefix + name
    for directory in sorted(directories):
        yield from _names(storage, prefix + directory)


def _sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return size_and_sha256(handle)[1]


def _backend_of(storage: Storage) -> str:
    return f"{type(storage).__module__}.{type(storage).__name__}"


# --- backup ----------------------------------------------------------------------------------------------------------


@dataclass
class Summary:
    directory: Path
    database_bytes: int = 0
    dump_bytes: int = 0
    tables: int = 0
    rows: int = 0
    objects: int = 0
    object_bytes: int = 0
    skipped: int = 0  # restore: objects already there, byte for byte


def backup_create(
    directory: Path, *, alias: str = "default", progress: Callable[[str], None] = lambda line: None
) -> Summary:
    """Write a backup of the database ``alias`` and the private storage into the new (or empty) ``directory``."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"{directory} không trống / is not empty")
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)  # personal data: the backup is readable by its owner only
    database = Database.of(alias)
    pg_dump = _program("pg_dump")
    summary = Summary(directory)
    started = datetime.now(UTC)

    raw = database.connect(alias)
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute(
            "SELECT pg_export_snapshot(), current_setting('server_version'), pg_database_size(%s)", [database.name]
        )
        snapshot, server_version, size = cursor.fetchone()
        tables = _row_counts(cursor)
        migrations = _migrations(cursor)
        progress(
            f"cơ sở dữ liệu / database {database.name}: {len(tables)} bảng / tables, "
            f"{sum(tables.values())} dòng / rows, {size} bytes"
        )
        dump = directory / DUMP
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", *database.args()], database.env())
        cursor.execute("COMMIT")
    finally:
        raw.close()
    summary.database_bytes, summary.tables, summary.rows = size, len(tables), sum(tables.values())
    summary.dump_bytes = dump.stat().st_size

    storage = storages["private"]
    files: dict[str, dict] = {}
    with tarfile.open(directory / OBJECTS, "w") as archive:
        for name in _names(storage):
            with storage.open(name, "rb") as source, tempfile.SpooledTemporaryFile(max_size=16 * BLOCK) as copy:
                size_of, sha256 = size_and_sha256(source, copy)
                copy.seek(0)
                member = tarfile.TarInfo(name)
                member.size, member.mtime, member.mode = size_of, int(started.timestamp()), 0o600
                archive.addfile(member, copy)
            files[name] = {"size": size_of, "sha256": sha256}
    summary.objects, summary.object_bytes = len(files), sum(f["size"] for f in files.values())
    progress(f"tệp / objects: {summary.objects}, {summary.object_bytes} bytes")

    manifest = {
        "format": FORMAT,
        "created_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "database": {
            "name": database.name,
            "server_version": server_version,
            "size_bytes": size,
            "dump": DUMP,
            "dump_bytes": summary.dump_bytes,
            "dump_sha256": _sha256_of(dump),
            "tables": tables,
            "migrations": migrations,
        },
        "objects": {
            "archive": OBJECTS,
            "backend": _backend_of(storage),
            "count": summary.objects,
            "bytes": summary.object_bytes,
            "files": files,
        },
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    for name in (DUMP, OBJECTS, MANIFEST):
        (directory / name).chmod(0o600)
    return summary


# --- restore ---------------------------------------------------------------------------------------------------------


def read_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path}: không có bản kê / no manifest")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: định dạng / format {manifest.get('format')!r}, expected {FORMAT}")
    return manifest


def _prepare_database(database: Database, alias: str, *, create: bool) -> None:
    """The target must be a fresh database: made here with ``create``, else existing and without a table."""
    admin = database.connect(alias, name="postgres")
    try:
        cursor = admin.cursor()
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database.name])
        exists = cursor.fetchone() is not None
        if not exists and not create:
            raise BackupError(
                f"chưa có cơ sở dữ liệu {database.name} (--create để tạo) / "
                f"database {database.name} does not exist (--create makes it)"
            )
        if not exists:
            cursor.execute("SELECT quote_ident(%s)", [database.name])
            cursor.execute(f"CREATE DATABASE {cursor.fetchone()[0]} TEMPLATE template0 ENCODING 'UTF8'")
    finally:
        admin.close()
    target = database.connect(alias)
    try:
        tables = _tables(target.cursor())
    finally:
        target.close()
    if tables:
        raise BackupError(
            f"{database.name} có {len(tables)} bảng: chỉ khôi phục vào cơ sở dữ liệu mới, trống. "
            f"{database.name} has {len(tables)} tables: restore only into a fresh, empty database."
        )


def backup_restore(
    directory: Path,
    *,
    alias: str = "default",
    create: bool = False,
    jobs: int = 0,
    progress: Callable[[str], None] = lambda line: None,
) -> Summary:
    """Restore the backup in ``directory`` into the database ``alias`` (fresh and empty) and the private storage."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    described = manifest["database"]
    dump = directory / described["dump"]
    if not dump.is_file() or _sha256_of(dump) != described["dump_sha256"]:
        raise BackupError(f"{dump}: thiếu hoặc sai tổng kiểm / missing, or its SHA-256 differs from the manifest")
    database = Database.of(alias)
    pg_restore = _program("pg_restore")
    _prepare_database(database, alias, create=create)
    summary = Summary(directory, database_bytes=described["size_bytes"], dump_bytes=dump.stat().st_size)

    mode = [f"--jobs={jobs}"] if jobs > 1 else ["--single-transaction"]
    command = [pg_restore, "--exit-on-error", "--no-owner", "--no-privileges", *mode, *database.args(), str(dump)]
    _run(command, database.env())
    connections[alias].close()  # a connection made before the restore may have cached an empty catalogue
    raw = database.connect(alias)
    try:
        restored = _row_counts(raw.cursor())
    finally:
        raw.close()
    if restored != described["tables"]:
        differ = sorted(
            t for t in set(restored) | set(described["tables"]) if restored.get(t) != described["tables"].get(t)
        )
        raise BackupError(f"số dòng khác bản kê / row counts differ from the manifest: {', '.join(differ[:10])}")
    summary.tables, summary.rows = len(restored), sum(restored.values())
    progress(
        f"cơ sở dữ liệu / database {database.name}: {summary.tables} bảng / tables, {summary.rows} dòng / rows, "
        "khớp bản kê / as in the manifest"
    )

    expected: dict[str, dict] = manifest["objects"]["files"]
    storage = storages["private"]
    seen = set()
    with tarfile.open(directory / manifest["objects"]["archive"], "r") as archive:
        for member in archive:
            if not member.isfile() or member.name not in expected:
                raise BackupError(f"{member.name}: không có trong bản kê / not in the manifest")
            with archive.extractfile(member) as source, tempfile.SpooledTemporaryFile(max_size=16 * BLOCK) as copy:
                size, sha256 = size_and_sha256(source, copy)
                if (size, sha256) != (expected[member.name]["size"], expected[member.name]["sha256"]):
                    raise BackupError(f"{member.name}: sai tổng kiểm / SHA-256 differs from the manifest")
                seen.add(member.name)
                if storage.exists(member.name):
                    with storage.open(member.name, "rb") as there:
                        if size_and_sha256(there)[1] != sha256:
                            raise BackupError(f"{member.name}: đã có tệp khác / another file is already there")
                    summary.skipped += 1
                    continue
                copy.seek(0)
                written = storage.save(member.name, File(copy, name=member.name))
                if written != member.name:
                    storage.delete(written)
                    raise BackupError(f"{member.name}: kho lưu đổi tên thành / the storage renamed it {written}")
            summary.objects += 1
            summary.object_bytes += size
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{len(missing)} tệp thiếu trong {OBJECTS} / files missing from the archive: {missing[:5]}")
    progress(
        f"tệp / objects: {summary.objects} đã ghi / written, {summary.skipped} đã có / already there, "
        f"{summary.object_bytes} bytes"
    )
    return summary
