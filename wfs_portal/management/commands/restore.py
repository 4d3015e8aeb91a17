"""``manage.py restore BACKUP_DIR [--database-url URL] [--media-root PATH] [--force]``: the reverse of
``manage.py backup``.

In this order, so that bad input changes nothing: read the manifest; refuse the configured database,
a database that already has tables and a media directory that is not empty unless --force is
given; check size and sha256 of both files and every member of the media archive; create the target
database when it does not exist; pg_restore in one transaction (a failure leaves the database as it
was); unpack the media; and compare the row count of every table with the manifest, failing with
the tables that differ.
"""

import json
import tarfile
from pathlib import Path, PurePosixPath

import environ
import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.migrations.loader import MigrationLoader
from psycopg import sql

from wfs_portal.management.commands.backup import (
    DUMP_NAME,
    MANIFEST_FORMAT_VERSION,
    MANIFEST_NAME,
    MEDIA_NAME,
    client_program,
    connect,
    describe,
    first_line,
    libpq_params,
    require_postgresql,
    run_client,
    sha256_file,
    table_row_counts,
    user_tables,
)

LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


def read_manifest(directory: Path) -> dict:
    if not directory.is_dir():
        raise CommandError(f"{directory} is not a directory: name a backup made by `manage.py backup` (wfs-…)")
    path = directory / MANIFEST_NAME
    if not path.is_file():
        raise CommandError(f"{path} is missing: {directory} is not a complete backup")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CommandError(f"{path} is not readable JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != MANIFEST_FORMAT_VERSION:
        raise CommandError(f"{path}: unknown format_version (this code reads {MANIFEST_FORMAT_VERSION})")
    missing = [key for key in ("files", "tables", "media", "migrations") if key not in manifest]
    missing += [name for name in (DUMP_NAME, MEDIA_NAME) if name not in manifest.get("files", {})]
    if missing:
        raise CommandError(f"{path} lacks {', '.join(missing)}")
    return manifest


def verify_files(directory: Path, manifest: dict) -> None:
    """Size, then sha256, of the dump and the media archive against the manifest."""
    for name in (DUMP_NAME, MEDIA_NAME):
        path, expected = directory / name, manifest["files"][name]
        if not path.is_file():
            raise CommandError(f"{path} is missing; nothing was restored")
        size = path.stat().st_size
        if size != expected["size"]:
            raise CommandError(
                f"{name} has {size} bytes, the manifest says {expected['size']}: the backup is damaged; "
                "nothing was restored"
            )
        digest = sha256_file(path)
        if digest != expected["sha256"]:
            raise CommandError(
                f"{name} fails its sha256 checksum (manifest {expected['sha256'][:16]}…, file {digest[:16]}…): "
                "the backup is damaged; nothing was restored"
            )


def media_files(path: Path) -> int:
    """Check every member of the media archive before anything is unpacked: plain files and
    directories with relative paths only (tarfile's "data" filter would stop at the first bad member,
    after the ones before it were written). Returns the number of files."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = archive.getmembers()
    except (OSError, tarfile.TarError) as exc:
        raise CommandError(f"{MEDIA_NAME} cannot be read: {exc}; nothing was restored") from None
    for member in members:
        name = PurePosixPath(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise CommandError(
                f"{MEDIA_NAME}: refusing the member {member.name!r} (an absolute path, '..' or not a plain "
                "file); nothing was restored"
            )
    return sum(1 for member in members if member.isfile())


def same_database(a: dict, b: dict) -> bool:
    """Whether two Django database settings name the same database. The local spellings of a host
    count as one, so that 127.0.0.1 does not slip past the --force check of "localhost"."""

    def key(database: dict) -> tuple[str, str, str]:
        host = str(database.get("HOST") or "")
        return (
            "localhost" if host in LOCAL_HOSTS or host.startswith("/") else host,
            str(database.get("PORT") or "5432"),
            str(database.get("NAME") or ""),
        )

    return key(a) == key(b)


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` (a wfs-YYYYmmdd-HHMMSS directory): checks the "
        "checksums, restores the database with pg_restore (creating it if missing), unpacks the media "
        "and compares every table's row count with the manifest. Without --database-url the target is "
        "the configured database, which needs --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The backup directory (…/wfs-YYYYmmdd-HHMMSS).")
        parser.add_argument(
            "--database-url",
            help="postgres://USER@HOST:PORT/NAME of the target database (created if missing); "
            "a password may come from PGPASSWORD instead of the URL. Default: the configured database.",
        )
        parser.add_argument("--media-root", help="Directory to unpack the media into. Default: MEDIA_ROOT.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite the configured database, a database that has tables or a media directory that "
            "is not empty.",
        )
        parser.add_argument(
            "--pg-bin",
            help="Directory of pg_restore (e.g. /usr/lib/postgresql/16/bin); default: the one on PATH.",
        )

    def handle(self, *args, **options):
        directory = Path(options["backup"])
        manifest = read_manifest(directory)
        force = options["force"]

        configured = settings.DATABASES["default"]
        if options["database_url"]:
            try:
                target = environ.Env.db_url_config(options["database_url"])
            except Exception as exc:  # django-environ raises several types for a malformed URL
                raise CommandError(f"--database-url is not a database URL: {exc}") from None
        else:
            target = configured
        require_postgresql(target, what="restores")
        params = libpq_params(target)
        if "dbname" not in params:
            raise CommandError("the target database has no name: give it in --database-url")
        if same_database(target, configured) and not force:
            raise CommandError(
                f"{describe(params)} is the portal's configured database and a restore overwrites it: "
                "pass --force, or --database-url for another database"
            )

        media_root = Path(options["media_root"] or settings.MEDIA_ROOT)
        if media_root.exists() and not media_root.is_dir():
            raise CommandError(f"--media-root {media_root} is not a directory")
        if media_root.is_dir() and any(media_root.iterdir()) and not force:
            raise CommandError(f"the media directory {media_root} is not empty: pass --force to unpack over it")

        pg_restore = client_program("pg_restore", options["pg_bin"])
        self.stdout.write(f"Checking {directory} …")
        verify_files(directory, manifest)
        files = media_files(directory / MEDIA_NAME)
        if files != manifest["media"]["files"]:
            raise CommandError(f"{MEDIA_NAME} has {files} files, the manifest says {manifest['media']['files']}")

        created = self._ensure_database(params, force)
        self.stdout.write(f"Restoring the database into {describe(params)} …")
        try:
            # One transaction: a failure leaves the target as it was. --no-owner and --no-acl: the
            # roles of the source server need not exist here; the objects belong to the restoring user.
            run_client(
                [
                    pg_restore,
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-acl",
                    "--single-transaction",
                    "--exit-on-error",
                    "--no-password",
                    f"--dbname={params['dbname']}",
                    str(directory / DUMP_NAME),
                ],
                params,
            )
        except BaseException:
            if created:
                self._drop_database(params)
            raise

        self.stdout.write(f"Unpacking the media (files: {files}) into {media_root} …")
        media_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(directory / MEDIA_NAME, "r:gz") as archive:
            archive.extractall(media_root, filter="data")

        self._report_migrations(manifest["migrations"])
        self._compare_row_counts(params, manifest["tables"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {directory.name}: {len(manifest['tables'])} tables with the row counts of the "
                f"manifest, media files: {files}."
            )
        )

    def _ensure_database(self, params: dict[str, str], force: bool) -> bool:
        """Create the target database if it does not exist (returns True then); refuse one that has
        tables unless --force."""
        name = params["dbname"]
        try:
            maintenance = psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True)
        except psycopg.OperationalError:
            maintenance = None  # no access to it (a managed server, a restricted role): the target must exist
        if maintenance is not None:
            with maintenance:
                if not maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                    # template0: a clean database, without what may have been added to template1.
                    create = sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                        sql.Identifier(name)
                    )
                    try:
                        maintenance.execute(create)
                    except psycopg.Error as exc:
                        raise CommandError(
                            f"cannot create {describe(params)}: {first_line(exc)} (create it first, e.g. with createdb)"
                        ) from None
                    self.stdout.write(f"Created {describe(params)}.")
                    return True
        with connect(params) as conn:
            tables = user_tables(conn)
        if tables and not force:
            raise CommandError(
                f"{describe(params)} already has {len(tables)} tables: restore into an empty or new database, "
                "or pass --force to overwrite it"
            )
        return False

    def _drop_database(self, params: dict[str, str]) -> None:
        try:
            with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(params["dbname"])))
        except psycopg.Error as exc:
            self.stderr.write(f"could not drop the database created for the restore: {first_line(exc)}")

    def _compare_row_counts(self, params: dict[str, str], expected: dict[str, int]) -> None:
        with connect(params) as conn:
            restored = table_row_counts(conn)
        differ = [
            f"{table} (manifest {rows}, restored {restored.get(table, 'missing')})"
            for table, rows in sorted(expected.items())
            if restored.get(table) != rows
        ]
        extra = sorted(set(restored) - set(expected))
        if extra:
            self.stdout.write(
                self.style.WARNING(f"tables that are not in the backup remain in the database: {', '.join(extra)}")
            )
        if differ:
            raise CommandError(f"restored, but row counts differ from the manifest: {'; '.join(differ)}")

    def _report_migrations(self, applied: dict[str, list[str]]) -> None:
        """Notes only: a backup of older code needs `migrate`, one of newer code needs that code."""
        on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
        apps = {app for app, _ in on_disk}
        in_backup = {(app, name) for app, names in applied.items() for name in names}
        unknown = sorted(f"{app}.{name}" for app, name in in_backup - on_disk if app in apps)
        pending = on_disk - in_backup
        if unknown:
            self.stdout.write(
                self.style.WARNING(
                    f"the backup has migrations this code does not know (it was made by a newer version): "
                    f"{', '.join(unknown)}"
                )
            )
        if pending:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(pending)} migrations of this code are not applied in the backup: run `manage.py migrate` "
                    "against the restored database"
                )
            )
