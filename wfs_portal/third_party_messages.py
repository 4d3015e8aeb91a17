"""Our German for the texts of third-party packages: locale_overrides/.

Some texts the portal shows are not ours but a package's, and its German does not fit:

- allauth (sign-up, login, password reset, two-factor pages under /accounts/ and their e-mails)
  addresses the reader with "du", beside the portal's "Sie";
- djangorestframework-api-key (the API-key form in the admin) ships no German at all;
- django-import-export (the admin's import and export pages) says "du" too;
- Django's German catalog of the admin's JavaScript lacks the newer texts of the selection
  widget ("Choose all %s", "Remove all %s").

Their msgids cannot go into our catalog, locale/de/LC_MESSAGES/django.po: ``makemessages
--no-obsolete``, which CI runs over our code, drops every msgid our code does not use. So they live
in a second catalog, locale_overrides/de/LC_MESSAGES/ (django.po, djangojs.po, compiled .mo files
committed beside them), listed first in LOCALE_PATHS. Django merges the catalogs of LOCALE_PATHS
after the installed apps' ones, the first path last, so an entry here wins over the package's; the
admin's JavaScript catalog (``/admin/jsi18n/``) merges LOCALE_PATHS the same way. makemessages
never writes here: it writes into the first directory named "locale" it finds.

A catalog rather than copies of the packages' templates: allauth's texts come from some ninety
templates and from Python code (form errors, messages, e-mail subjects); copied templates would
have to follow every allauth release by hand, a catalog only its msgids.

Keeping it complete: the catalog holds an entry for every msgid of the SOURCES below, also where
the package's German would do, so that a package's new German cannot slip "du" back in.
tests/test_l10n.py extracts the msgids from the installed packages and fails on any without an
entry (after an upgrade), on an untranslated or informal entry, and on a stale .mo file.
``python manage.py third_party_messages`` adds the missing msgids (empty, to be translated) and
compiles the catalogs; it needs GNU gettext (xgettext, msgmerge, msgfmt), as makemessages does.
"""

from __future__ import annotations

import gettext
import importlib.util
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import templatize

OVERRIDES_DIR = Path(settings.BASE_DIR) / "locale_overrides"
LANGUAGE = "de"


@dataclass(frozen=True)
class Source:
    """Files of an installed package whose msgids the portal shows."""

    package: str
    paths: tuple[str, ...]
    domain: str = "django"

    @property
    def root(self) -> Path:
        spec = importlib.util.find_spec(self.package)
        if spec is None or spec.origin is None:
            raise LookupError(f"package {self.package} is not installed")
        return Path(spec.origin).parent

    def files(self) -> list[Path]:
        suffixes = {".js"} if self.domain == "djangojs" else {".py", ".html", ".txt"}
        found: list[Path] = []
        for path in self.paths:
            start = self.root / path
            candidates = [start] if start.is_file() else sorted(start.rglob("*"))
            found += [
                file
                for file in candidates
                if file.suffix in suffixes
                and not {"tests", "migrations", "vendor"} & set(file.relative_to(self.root).parts)
                # Minified copies repeat the msgids of their sources.
                and not file.name.endswith(".min.js")
            ]
        return found


SOURCES: tuple[Source, ...] = (
    # Everything of allauth that /accounts/ (sign-up, login, e-mail addresses, password, two-factor)
    # and its e-mails use; socialaccount, usersessions, headless and idp are not installed.
    Source("allauth", ("account", "mfa", "core", "templates/account", "templates/mfa", "templates/allauth")),
    Source("rest_framework_api_key", ("models.py",)),
    # The admin's import and export pages (django-import-export says "du": "klicke auf …").
    Source(
        "import_export",
        (
            "admin.py",
            "fields.py",
            "forms.py",
            "formats",
            "mixins.py",
            "resources.py",
            "results.py",
            "templates",
            "widgets.py",
        ),
    ),
    Source("django.contrib.admin", ("static/admin/js",), domain="djangojs"),
)
DOMAINS = ("django", "djangojs")

# Words that address the reader informally. Imperatives without a pronoun ("Bitte bestätige") are
# not caught here: every entry is read by a person before it is added, also one that matches the
# package's own German.
INFORMAL = re.compile(
    r"\b(du|dich|dir|dein|deine|deinen|deinem|deiner|deines|euch|euer|eure|hast|bist|kannst|musst|"
    r"möchtest|willst|solltest|wirst|darfst)\b",
    re.IGNORECASE,
)

_XGETTEXT_KEYWORDS = {
    "django": [
        "--language=Python",
        "--keyword=gettext_noop",
        "--keyword=gettext_lazy",
        "--keyword=ngettext_lazy:1,2",
        "--keyword=pgettext:1c,2",
        "--keyword=npgettext:1c,2,3",
        "--keyword=pgettext_lazy:1c,2",
        "--keyword=npgettext_lazy:1c,2,3",
    ],
    "djangojs": [
        "--language=JavaScript",
        "--keyword=gettext_noop",
        "--keyword=gettext_lazy",
        "--keyword=ngettext_lazy:1,2",
        "--keyword=pgettext:1c,2",
        "--keyword=npgettext:1c,2,3",
    ],
}


def po_path(domain: str) -> Path:
    return OVERRIDES_DIR / LANGUAGE / "LC_MESSAGES" / f"{domain}.po"


def gettext_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise FileNotFoundError(f"GNU gettext's {name} is not installed (Debian: apt-get install gettext)")
    return path


def extract(domain: str) -> str:
    """The msgids of every source of ``domain`` as a POT file's text (sorted, without locations),
    extracted as makemessages does: templates through Django's templatize, then xgettext."""
    with tempfile.TemporaryDirectory() as work:
        inputs: list[str] = []
        for number, source in enumerate(s for s in SOURCES if s.domain == domain):
            for file in source.files():
                if file.suffix in (".html", ".txt"):
                    converted = Path(work) / f"{number}-{len(inputs)}-{file.name}.py"
                    converted.write_text(templatize(file.read_text(encoding="utf-8"), origin=str(file)))
                    inputs.append(str(converted))
                else:
                    inputs.append(str(file))
        listing = Path(work) / "files.txt"
        listing.write_text("\n".join(inputs))
        result = subprocess.run(
            [
                gettext_tool("xgettext"),
                "--from-code=UTF-8",
                *_XGETTEXT_KEYWORDS[domain],
                "--no-location",
                "--sort-output",
                "--output=-",
                f"--files-from={listing}",
            ],
            capture_output=True,
            encoding="utf-8",
            check=True,
        )
    # xgettext's header is replaced by ours (_with_header). It cannot be left out with --omit-header:
    # without a header that declares UTF-8, xgettext drops the non-ASCII characters of the msgids.
    return _without_header(result.stdout)


def catalog_keys(po_text: str) -> set[str | tuple[str, int]]:
    """The keys of a PO/POT text as Python's gettext stores them ("context\\x04msgid" for an entry
    with a context, (msgid, n) for plural forms), whether translated or not."""
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "messages.po"
        source.write_text(_with_header(po_text), encoding="utf-8")
        filled = Path(work) / "filled.po"
        compiled = Path(work) / "messages.mo"
        # msgen copies each msgid into its msgstr, so that msgfmt keeps the untranslated entries too.
        subprocess.run([gettext_tool("msgen"), "-o", str(filled), str(source)], check=True, capture_output=True)
        subprocess.run([gettext_tool("msgfmt"), "-o", str(compiled), str(filled)], check=True, capture_output=True)
        with compiled.open("rb") as handle:
            catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    return {key for key in catalog if key != ""}


def compiled_catalog(po_file: Path) -> dict:
    """The translated entries of a PO file, compiled with msgfmt (keys as in catalog_keys)."""
    with tempfile.TemporaryDirectory() as work:
        compiled = Path(work) / "messages.mo"
        subprocess.run([gettext_tool("msgfmt"), "-o", str(compiled), str(po_file)], check=True, capture_output=True)
        with compiled.open("rb") as handle:
            return {key: value for key, value in gettext.GNUTranslations(handle)._catalog.items() if key != ""}  # type: ignore[attr-defined]


def update(domain: str) -> tuple[int, Path]:
    """Add the msgids of the sources that the override catalog lacks (untranslated), drop the ones no
    source uses any more, and compile it. Returns how many entries still need a translation."""
    target = po_path(domain)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_text(_with_header(""), encoding="utf-8")
    with tempfile.TemporaryDirectory() as work:
        template = Path(work) / f"{domain}.pot"
        template.write_text(_with_header(extract(domain)), encoding="utf-8")
        subprocess.run(
            [
                gettext_tool("msgmerge"),
                "--quiet",
                "--update",
                "--backup=none",
                "--no-fuzzy-matching",
                "--no-location",
                "--sort-output",
                str(target),
                str(template),
            ],
            check=True,
        )
    subprocess.run(
        [gettext_tool("msgattrib"), "--no-obsolete", "--no-location", "--sort-output", "-o", str(target), str(target)],
        check=True,
    )
    result = subprocess.run(
        [gettext_tool("msgfmt"), "--check", "--statistics", "-o", str(target.with_suffix(".mo")), str(target)],
        capture_output=True,
        text=True,
        check=True,
    )
    missing = re.search(r"(\d+) untranslated", result.stderr)
    return (int(missing.group(1)) if missing else 0), target


def _without_header(po_text: str) -> str:
    match = re.search(r'^msgid ""\nmsgstr ""\n(?:".*"\n)+\n', po_text, re.MULTILINE)
    return po_text[match.end() :] if match else po_text


def _with_header(po_text: str) -> str:
    """A PO text with a header that declares UTF-8 and German plural forms (extract() removes
    xgettext's own, which declares neither)."""
    if re.search(r'^msgid ""\nmsgstr ""\n"', po_text, re.MULTILINE):
        return po_text
    header = (
        'msgid ""\n'
        'msgstr ""\n'
        '"Project-Id-Version: WFS Portal (third-party texts)\\n"\n'
        '"Language: de\\n"\n'
        '"MIME-Version: 1.0\\n"\n'
        '"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Content-Transfer-Encoding: 8bit\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
    )
    return header + po_text
