"""Backups that are tested: ``manage.py backup`` and then ``manage.py restore`` into another database
give every table of the source its rows back and every media file its bytes; a damaged backup, the
configured database without --force, SQLite and a missing pg_dump are refused.

The round trip needs PostgreSQL and its client programs (CI runs it there). It backs up the test
database, which is the configured database while the test runs, with the test's data committed
(transaction=True) so that pg_dump sees them."""

import io
import json
import shutil
import tarfile
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image
from psycopg import sql

from companies.models.organisations import Organisation
from companies.services.representatives import organisation_logo_set
from tests import factories
from wfs_portal.management.commands.backup import sha256_file

POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
CLIENT_PROGRAMS = shutil.which("pg_dump") and shutil.which("pg_restore")

postgresql_only = pytest.mark.skipif(not POSTGRESQL, reason="needs PostgreSQL (DATABASE_URL, set by .ci/run)")
client_programs_only = pytest.mark.skipif(
    not CLIENT_PROGRAMS, reason="needs pg_dump and pg_restore (the PostgreSQL client programs)"
)


def _url(name: str) -> str:
    """A postgres:// URL of the database ``name`` on the server (and as the user) of the test database."""
    db = settings.DATABASES["default"]
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{name}"


def _row_counts(url: str) -> dict[str, int]:
    """Rows of every table of the public schema, listed by information_schema (independently of the
    command's own listing)."""
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        ]
        return {
            table: conn.execute(sql.SQL("SELECT count(*) FROM public.{}").format(sql.Identifier(table))).fetchone()[0]
            for table in tables
        }


def _database_exists(name: str) -> bool:
    with psycopg.connect(_url("postgres")) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "green").save(buffer, "PNG")
    return buffer.getvalue()


def _backup(output: Path) -> Path:
    call_command("backup", output=str(output), stdout=io.StringIO())
    (directory,) = output.glob("wfs-*")
    return directory


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def restore_database():
    """The name of a database that does not exist yet, dropped after the test whatever happened."""
    name = f"wfs_restore_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(_url("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def world(media_root) -> Organisation:
    """An organisation with a logo, a joint booth with registrations, a delegation, a workshop, an
    investment project, consents, a report and a file of the matching's kind in MEDIA_ROOT."""
    representative = factories.RepresentativeFactory(administrator=True)
    organisation_logo_set(
        organisation=representative.organisation,
        user=representative.user,
        upload=SimpleUploadedFile("logo.png", _png(), content_type="image/png"),
    )
    booth = factories.JointBoothFactory()
    factories.BoothRegistrationFactory.create_batch(3, booth=booth)
    factories.DelegationParticipantFactory(organisation=representative.organisation)
    factories.ProgrammeItemFactory()
    factories.WorkshopParticipantFactory(organisation=representative.organisation)
    factories.InvestmentProjectFactory()
    factories.ConsentRecordFactory()
    factories.ReportFactory()
    default_storage.save("matching/generation-1.pickle", ContentFile(bytes(range(256)) * 64))
    return Organisation.objects.get(pk=representative.organisation.pk)


@postgresql_only
@client_programs_only
@pytest.mark.django_db(transaction=True)
def test_restore_into_another_database_gives_every_table_and_media_file_back(
    world, media_root, restore_database, tmp_path
):
    source = _row_counts(_url(settings.DATABASES["default"]["NAME"]))
    assert source["companies_organisation"] >= 1
    assert source["fairs_boothregistration"] == 3
    backup = _backup(tmp_path / "backups")
    restored_media = tmp_path / "restored-media"

    call_command(
        "restore",
        str(backup),
        database_url=_url(restore_database),
        media_root=str(restored_media),
        stdout=io.StringIO(),
    )

    assert _row_counts(_url(restore_database)) == source
    logo = world.logo.name
    assert logo.startswith("logos/")
    assert (restored_media / logo).read_bytes() == (media_root / logo).read_bytes()
    snapshot = "matching/generation-1.pickle"
    assert (restored_media / snapshot).read_bytes() == (media_root / snapshot).read_bytes()
    with psycopg.connect(_url(restore_database)) as conn:
        assert conn.execute("SELECT logo FROM companies_organisation WHERE id = %s", [world.pk]).fetchone()[0] == logo


@postgresql_only
@client_programs_only
@pytest.mark.django_db(transaction=True)
def test_manifest_lists_files_tables_and_migrations(world, tmp_path):
    backup = _backup(tmp_path / "backups")

    manifest = json.loads((backup / "manifest.json").read_text())
    assert sorted(path.name for path in backup.iterdir()) == ["database.dump", "manifest.json", "media.tar.gz"]
    assert manifest["files"]["database.dump"]["size"] == (backup / "database.dump").stat().st_size
    assert manifest["tables"]["public.fairs_boothregistration"] == 3
    assert manifest["media"]["files"] == 2
    assert "0001_initial" in manifest["migrations"]["companies"]
    assert not list((tmp_path / "backups").glob(".*")), "no partial directory is left behind"


@postgresql_only
@client_programs_only
@pytest.mark.django_db(transaction=True)
def test_a_damaged_dump_is_refused_before_anything_is_restored(world, restore_database, tmp_path):
    backup = _backup(tmp_path / "backups")
    dump = backup / "database.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    with pytest.raises(CommandError, match="database.dump fails its sha256 checksum"):
        call_command(
            "restore", str(backup), database_url=_url(restore_database), media_root=str(tmp_path / "restored-media")
        )

    assert not _database_exists(restore_database)
    assert not (tmp_path / "restored-media").exists()


@postgresql_only
@client_programs_only
@pytest.mark.django_db(transaction=True)
def test_restoring_into_the_configured_database_needs_force(world, tmp_path):
    backup = _backup(tmp_path / "backups")
    before = _row_counts(_url(settings.DATABASES["default"]["NAME"]))

    with pytest.raises(CommandError, match="configured database.*--force"):
        call_command("restore", str(backup), media_root=str(tmp_path / "restored-media"))

    assert _row_counts(_url(settings.DATABASES["default"]["NAME"])) == before
    assert not (tmp_path / "restored-media").exists()


@postgresql_only
@client_programs_only
@pytest.mark.django_db(transaction=True)
def test_restoring_into_a_database_with_tables_needs_force(world, restore_database, tmp_path):
    backup = _backup(tmp_path / "backups")
    call_command(
        "restore",
        str(backup),
        database_url=_url(restore_database),
        media_root=str(tmp_path / "m1"),
        stdout=io.StringIO(),
    )

    with pytest.raises(CommandError, match="already has .* tables.*--force"):
        call_command("restore", str(backup), database_url=_url(restore_database), media_root=str(tmp_path / "m2"))

    call_command(
        "restore",
        str(backup),
        database_url=_url(restore_database),
        media_root=str(tmp_path / "m1"),
        force=True,
        stdout=io.StringIO(),
    )
    assert _row_counts(_url(restore_database)) == _row_counts(_url(settings.DATABASES["default"]["NAME"]))


# --- refusals that need no database ---------------------------------------------------------------


def test_backup_of_sqlite_is_refused(monkeypatch, tmp_path):
    # The entry is replaced, not edited: the test database's connection keeps its own settings.
    monkeypatch.setitem(
        settings.DATABASES, "default", {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "db.sqlite3")}
    )

    with pytest.raises(CommandError, match="backups need PostgreSQL; a SQLite database is one file"):
        call_command("backup", output=str(tmp_path / "backups"))

    assert not (tmp_path / "backups").exists()


def test_backup_without_pg_dump_is_refused(monkeypatch, tmp_path):
    monkeypatch.setitem(
        settings.DATABASES,
        "default",
        {"ENGINE": "django.db.backends.postgresql", "NAME": "wfs", "HOST": "127.0.0.1", "PORT": "1"},
    )

    with pytest.raises(CommandError, match="pg_dump not found"):
        call_command("backup", output=str(tmp_path / "backups"), pg_bin=str(tmp_path))

    assert not (tmp_path / "backups").exists()


def test_restore_of_a_missing_directory_is_refused(tmp_path):
    with pytest.raises(CommandError, match="is not a directory"):
        call_command("restore", str(tmp_path / "nothing"), database_url="postgres://nobody@127.0.0.1:1/never")


@client_programs_only
def test_restore_refuses_media_members_outside_the_media_root(tmp_path):
    """A '..' member is refused before anything is written (and before any connection: the target
    URL points at a closed port)."""
    backup = tmp_path / "wfs-20250101-120000"
    backup.mkdir()
    (backup / "database.dump").write_bytes(b"PGDMP")
    with tarfile.open(backup / "media.tar.gz", "w:gz") as archive:
        payload = b"escaped"
        member = tarfile.TarInfo("../escaped.txt")
        member.size = len(payload)
        archive.addfile(member, io.BytesIO(payload))
    manifest = {
        "format_version": 1,
        "files": {
            name: {"size": (backup / name).stat().st_size, "sha256": sha256_file(backup / name)}
            for name in ("database.dump", "media.tar.gz")
        },
        "media": {"files": 1},
        "tables": {},
        "migrations": {},
    }
    (backup / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(CommandError, match="refusing the member '../escaped.txt'"):
        call_command(
            "restore",
            str(backup),
            database_url="postgres://nobody@127.0.0.1:1/never",
            media_root=str(tmp_path / "media"),
        )

    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "media").exists()
