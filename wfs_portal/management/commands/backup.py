"""``manage.py backup --output DIR``: the PostgreSQL database and the media files in one directory.

A backup is ``DIR/wfs-YYYYmmdd-HHMMSS/`` (local time) with

- ``database.dump``  pg_dump's custom format (``-Fc``), read by ``manage.py restore`` (pg_restore)
- ``media.tar.gz``   everything under MEDIA_ROOT (logos, report files, matching snapshots)
- ``manifest.json``  format version, time, server and pg_dump versions, size and sha256 of both
                     files, the row count of every table and the applied Django migrations

The row counts and the dump come from one snapshot (``pg_export_snapshot`` / ``pg_dump --snapshot``),
so they agree even while the portal keeps writing, and ``restore`` can check the restored database
against them. The directory is written under a hidden temporary name and renamed when complete: a
backup that failed or was interrupted never looks like one that worked.

The helpers that ``restore`` shares (connection parameters, the table list and row counts, sha256,
finding the PostgreSQL client programs) live in this module.
"""

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import django
import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from psycopg import sql

MANIFEST_FORMAT_VERSION = 1
DUMP_NAME = "database.dump"
MEDIA_NAME = "media.tar.gz"
MANIFEST_NAME = "manifest.json"
POSTGRESQL_ENGINE = "django.db.backends.postgresql"

# Connection options of Django's OPTIONS that libpq understands, with their environment variable.
# The rest of OPTIONS (pool, isolation_level, server_side_binding ...) is Django's own.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "application_name": "PGAPPNAME",
}
LIBPQ_ENV = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD", "dbname": "PGDATABASE"}
LIBPQ_ENV.update(LIBPQ_OPTIONS)


def require_postgresql(database: dict, what: str = "backups") -> None:
    engine = database.get("ENGINE", "")
    if engine == "django.db.backends.sqlite3":
        raise CommandError(f"{what} need PostgreSQL; a SQLite database is one file: copy db.sqlite3")
    if engine != POSTGRESQL_ENGINE:
        raise CommandError(f"{what} need PostgreSQL; the database engine is {engine!r}")


def libpq_params(database: dict) -> dict[str, str]:
    """libpq connection parameters of a Django database setting (NAME, USER, PASSWORD, HOST, PORT,
    OPTIONS); empty values are left out so that libpq's defaults (a Unix socket, port 5432) apply."""
    params = {
        "dbname": database.get("NAME"),
        "user": database.get("USER"),
        "password": database.get("PASSWORD"),
        "host": database.get("HOST"),
        "port": database.get("PORT"),
    }
    options = database.get("OPTIONS") or {}
    params.update({key: options[key] for key in LIBPQ_OPTIONS if key in options})
    # libpq waits for an unreachable server without limit; an operator command should say so instead.
    params.setdefault("connect_timeout", 10)
    return {key: str(value) for key, value in params.items() if value not in (None, "")}


def libpq_environment(params: dict[str, str]) -> dict[str, str]:
    """The environment for pg_dump / pg_restore: the connection, password included, travels in PG*
    variables, never on the command line, where every user of the machine could read it (ps)."""
    env = dict(os.environ)
    env.update({LIBPQ_ENV[key]: value for key, value in params.items()})
    return env


def describe(params: dict[str, str]) -> str:
    """Where a connection goes, for messages (no password)."""
    host = params.get("host", "local socket")
    return f"database {params.get('dbname', '?')!r} on {host}:{params.get('port', '5432')} as {params.get('user', '?')}"


def connect(params: dict[str, str], **kwargs) -> psycopg.Connection:
    try:
        return psycopg.connect(**params, **kwargs)
    except psycopg.OperationalError as exc:
        raise CommandError(f"cannot connect to {describe(params)}: {first_line(exc)}") from None


def first_line(error) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def user_tables(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(schema, table) of every ordinary and partitioned table outside PostgreSQL's own schemas."""
    return conn.execute(
        """
        SELECT n.nspname, c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p')
          AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
        ORDER BY n.nspname, c.relname
        """
    ).fetchall()


def table_row_counts(conn: psycopg.Connection) -> dict[str, int]:
    """``{"schema.table": rows}`` for every table of :func:`user_tables`."""
    counts = {}
    for schema, table in user_tables(conn):
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        counts[f"{schema}.{table}"] = conn.execute(query).fetchone()[0]
    return counts


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def client_program(name: str, pg_bin: str | None) -> str:
    """The path of a PostgreSQL client program (pg_dump, pg_restore), from --pg-bin or PATH."""
    found = shutil.which(name, path=pg_bin) if pg_bin else shutil.which(name)
    if not found:
        where = f"in {pg_bin}" if pg_bin else "on PATH"
        raise CommandError(
            f"{name} not found {where}: install the PostgreSQL client of the server's major version "
            "(e.g. postgresql-client-16) or point --pg-bin at its bin directory"
        )
    return found


def run_client(command: list[str], params: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=libpq_environment(params), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        message = result.stderr.strip() or f"exit status {result.returncode}"
        hint = ""
        if "version mismatch" in message or "unsupported version" in message:
            hint = " (use the client programs of the server's major version, see --pg-bin)"
        raise CommandError(f"{Path(command[0]).name} failed: {' / '.join(message.splitlines()[-3:])}{hint}")
    return result


class Command(BaseCommand):
    help = (
        "Back up the PostgreSQL database (pg_dump custom format) and MEDIA_ROOT into "
        "OUTPUT/wfs-YYYYmmdd-HHMMSS/ with a manifest (sizes, sha256, row counts, migrations). "
        "Restore with `manage.py restore`. The backup holds personal data: its directory is created "
        "readable by the owner only; keep it so."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="Directory to write the backup into (created if missing).")
        parser.add_argument(
            "--pg-bin",
            help="Directory of pg_dump (e.g. /usr/lib/postgresql/16/bin); default: the one on PATH.",
        )

    def handle(self, *args, **options):
        database = settings.DATABASES["default"]
        require_postgresql(database)
        pg_dump = client_program("pg_dump", options["pg_bin"])
        params = libpq_params(database)
        media_root = Path(settings.MEDIA_ROOT)

        output = Path(options["output"]).resolve()
        started = timezone.localtime()
        final = output / f"wfs-{started:%Y%m%d-%H%M%S}"
        if final.exists():
            raise CommandError(f"{final} already exists: wait a second or choose another --output")
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"cannot create {output}: {exc.strerror}") from None
        # mkdtemp: mode 0700, since dumps and media hold personal data. The dot hides the unfinished
        # directory from a glob for wfs-*, and ".partial" says what it is to somebody who looks.
        partial = Path(tempfile.mkdtemp(prefix=f".{final.name}-", suffix=".partial", dir=output))
        try:
            manifest = self._write(partial, pg_dump, params, media_root, started)
            (partial / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
            partial.rename(final)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise

        files = manifest["files"]
        self.stdout.write(
            f"Backup written to {final}\n"
            f"  {DUMP_NAME}: {files[DUMP_NAME]['size']} bytes, {len(manifest['tables'])} tables, "
            f"{sum(manifest['tables'].values())} rows\n"
            f"  {MEDIA_NAME}: {files[MEDIA_NAME]['size']} bytes, media files: {manifest['media']['files']} "
            f"from {media_root}"
        )

    def _write(self, directory: Path, pg_dump: str, params: dict, media_root: Path, started) -> dict:
        with connect(params, autocommit=False) as conn:
            # One repeatable-read snapshot for the counts, the migration list and pg_dump (which
            # joins it with --snapshot while this transaction stays open).
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            server_version = conn.execute("SHOW server_version").fetchone()[0]
            tables = table_row_counts(conn)
            migrations = self._migrations(conn)
            run_client(
                [
                    pg_dump,
                    "--format=custom",
                    f"--file={directory / DUMP_NAME}",
                    f"--snapshot={snapshot}",
                    "--no-password",
                ],
                params,
            )
            conn.rollback()
        pg_dump_version = run_client([pg_dump, "--version"], {}).stdout.strip()

        # The media after the dump: a file uploaded meanwhile is only an unreferenced extra, while
        # the other order could miss a file that the dump refers to.
        media = self._archive_media(media_root, directory / MEDIA_NAME)

        return {
            "format_version": MANIFEST_FORMAT_VERSION,
            "created_at": started.isoformat(timespec="seconds"),
            "database": {
                "name": params.get("dbname", ""),
                "server_version": server_version,
                "pg_dump_version": pg_dump_version,
            },
            "django_version": django.get_version(),
            "files": {
                name: {"size": (directory / name).stat().st_size, "sha256": sha256_file(directory / name)}
                for name in (DUMP_NAME, MEDIA_NAME)
            },
            "media": media,
            "tables": tables,
            "migrations": migrations,
        }

    @staticmethod
    def _migrations(conn: psycopg.Connection) -> dict[str, list[str]]:
        """The applied migrations by app, in the order they were applied (empty without Django's table)."""
        exists = conn.execute("SELECT to_regclass('django_migrations') IS NOT NULL").fetchone()[0]
        if not exists:
            return {}
        applied: dict[str, list[str]] = {}
        for app, name in conn.execute("SELECT app, name FROM django_migrations ORDER BY id"):
            applied.setdefault(app, []).append(name)
        return applied

    def _archive_media(self, media_root: Path, target: Path) -> dict:
        """Regular files and directories under MEDIA_ROOT, with paths relative to it. Symbolic links
        are left out (with a warning): restore accepts nothing that could point outside its target."""
        files = size = 0
        with tarfile.open(target, "w:gz") as archive:
            if not media_root.is_dir():
                self.stdout.write(self.style.WARNING(f"MEDIA_ROOT {media_root} does not exist: no media backed up"))
            else:
                for root, dirs, names in os.walk(media_root):
                    dirs.sort()
                    for name in [*dirs, *sorted(names)]:
                        path = Path(root) / name
                        relative = path.relative_to(media_root).as_posix()
                        if path.is_symlink():
                            self.stdout.write(self.style.WARNING(f"skipped symbolic link {relative}"))
                        elif path.is_dir():
                            archive.add(path, arcname=relative, recursive=False)
                        elif path.is_file():
                            archive.add(path, arcname=relative, recursive=False)
                            files += 1
                            size += path.stat().st_size
        return {"files": files, "bytes": size, "media_root": str(media_root)}
