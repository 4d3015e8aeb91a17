"""German first, English second: every UI string translated, the compiled catalogue current, and
the language switcher working."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "de" / "LC_MESSAGES"
msgfmt = shutil.which("msgfmt")
needs_msgfmt = pytest.mark.skipif(msgfmt is None, reason="gettext's msgfmt is not installed")


@needs_msgfmt
def test_every_message_is_translated():
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(LOCALE / "django.po")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


@needs_msgfmt
def test_compiled_catalogue_matches_the_po_file(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run([msgfmt, "-o", str(compiled), str(LOCALE / "django.po")], check=True)
    with compiled.open("rb") as fresh, (LOCALE / "django.mo").open("rb") as committed:
        assert gettext.GNUTranslations(fresh)._catalog == gettext.GNUTranslations(committed)._catalog, (
            "locale/de/LC_MESSAGES/django.mo is stale: run `make messages`"
        )


@pytest.mark.django_db
def test_admin_speaks_german_by_default_and_english_on_request(client):
    assert "Anmelden" in client.get("/admin/login/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"})
    assert response.status_code == 302
    assert "Log in" in client.get("/admin/login/").content.decode()


@pytest.mark.django_db
def test_domain_strings_are_translated(staff_client):
    page = staff_client.get("/admin/").content.decode()
    assert "Organisationen" in page
    assert "Messen" in page


@pytest.mark.django_db
def test_an_english_browser_still_gets_german_until_the_user_switches(client):
    assert "Anmelden" in client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/login/"})
    assert "Log in" in client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
