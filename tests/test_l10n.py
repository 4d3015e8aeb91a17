"""Words and numbers as a German (or English) reader reads them: numbers, amounts, areas and dates in
the language's format inside messages, one English word with two German meanings kept apart by a
context, formal German in allauth's pages and e-mails (locale_overrides/), the portal's name instead
of the request's host, and the third-party texts of the admin translated."""

import datetime
import json
import re
import shutil
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags

from companies import images
from companies.services.profiles import partnering_profile_update
from fairs.forms import BoothApplicationForm
from fairs.models import BoothRegistration
from fairs.services import booth_registration_apply
from matchmaking.services.introductions import contact_request_create
from projects.choices import MilestoneKind
from reports import labels
from reports.exports.pdf import render_pdf
from reports.models import Report
from tests import factories
from wfs_portal import l10n, third_party_messages
from wfs_portal.choices import RegistrationState

pytestmark = pytest.mark.django_db

needs_gettext = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("xgettext", "msgen", "msgfmt")),
    reason="GNU gettext (xgettext, msgen, msgfmt) is not installed",
)
BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "Kühlkette-Leipzig-2026"


def _text(response) -> str:
    """What a reader sees of a page: the body without tags and the whitespace of the markup."""
    return " ".join(strip_tags(response.content.decode()).split())


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- the helpers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        ("de", Decimal("180.00"), "180"),
        ("de", Decimal("12.50"), "12,5"),
        ("de", Decimal("1E+3"), "1.000"),
        ("de", Decimal("33300000.00"), "33.300.000"),
        ("en", Decimal("12.50"), "12.5"),
        ("en", Decimal("1E+3"), "1,000"),
    ],
)
def test_a_decimal_reads_without_needless_zeros_and_with_grouped_digits(language, value, shown):
    with translation.override(language):
        assert l10n.format_decimal(value) == shown


def test_amounts_areas_and_sizes_follow_the_language():
    with translation.override("de"):
        assert l10n.format_amount(Decimal("33300000")) == "33.300.000,00 €"
        assert l10n.format_area(Decimal("216.00")) == "216 m²"
        assert l10n.format_megabytes(3_040_000) == "2,9"
    with translation.override("en"):
        assert l10n.format_amount(Decimal("33300000")) == "EUR 33,300,000.00"
        assert l10n.format_area(Decimal("12.50")) == "12.5 m²"


@pytest.mark.parametrize(
    ("language", "typed", "read"),
    [
        ("de", "6.240.000,00", "6240000.00"),
        ("de", "12,5", "12.5"),
        ("de", "12.5", "12.5"),  # typed English-style: no group of three after the dot
        ("de", "1.000", "1000"),
        ("de", "-1.250,5", "-1250.5"),
        ("de", "12 500", "12500"),
        ("de", "1.2.3", "1.2.3"),  # left for the field to refuse
        ("en", "6,240,000.00", "6240000.00"),
        ("en", "1,000", "1000"),
        ("en", "12.5", "12.5"),
    ],
)
def test_a_typed_number_is_read_in_the_language(language, typed, read):
    with translation.override(language):
        assert l10n.parse_decimal(typed) == read


@pytest.mark.parametrize(
    ("language", "typed", "value"),
    [("de", "6.240.000,50", Decimal("6240000.50")), ("en", "6,240,000.50", Decimal("6240000.50"))],
)
def test_a_decimal_field_shows_and_reads_grouped_digits(language, typed, value):
    field = l10n.LocalizedDecimalField(max_digits=14, decimal_places=2)

    with translation.override(language):
        assert field.clean(typed) == value
        assert field.widget.format_value(value) == typed
        with pytest.raises(ValidationError):
            field.clean("1.2.3,4" if language == "de" else "1,2,3.4")


# --- numbers and dates inside messages ---------------------------------------------------------------


def test_the_booth_area_message_reads_its_areas_in_german():
    booth = factories.JointBoothFactory(total_area_m2=Decimal("216.00"), capacity=20)
    factories.BoothRegistrationFactory(
        booth=booth, requested_area_m2=Decimal("36.00"), state=RegistrationState.CONFIRMED
    )
    organisation = factories.OrganisationFactory()

    with translation.override("de"), pytest.raises(ValidationError) as raised:
        booth_registration_apply(booth=booth, organisation=organisation, requested_area_m2=Decimal("1E+3"))

    message = _messages(raised.value)
    assert "180 m² von 216 m² sind frei, 1.000 m² gewünscht" in message
    assert not BoothRegistration.objects.filter(organisation=organisation).exists()


def test_a_booth_smaller_than_its_confirmed_area_says_so_in_german():
    booth = factories.JointBoothFactory(total_area_m2=Decimal("100.00"))
    factories.BoothRegistrationFactory(
        booth=booth, requested_area_m2=Decimal("36.50"), state=RegistrationState.CONFIRMED
    )
    booth.total_area_m2 = Decimal("20.00")

    with translation.override("de"), pytest.raises(ValidationError) as raised:
        booth.full_clean()

    assert "Es sind bereits 36,5 m² bestätigt" in _messages(raised.value)


def test_the_application_form_names_its_minimum_area_in_german(organisation_a):
    with translation.override("de"):
        form = BoothApplicationForm(data={"requested_area_m2": "0"}, organisation=organisation_a)
        form.is_valid()
        errors = " ".join(form.errors["requested_area_m2"])

    assert "größer oder gleich 0,01" in errors


def test_a_too_large_logo_is_named_in_german_megabytes():
    upload = SimpleUploadedFile("logo.png", b"x" * 3_040_000, content_type="image/png")

    with translation.override("de"), pytest.raises(ValidationError) as raised:
        images.logo_reencode(upload)

    assert "(2,9 MB)" in _messages(raised.value)


def test_an_oversized_image_is_named_with_grouped_digits():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4001, 10)).save(buffer, "PNG")
    upload = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")

    with translation.override("en"), pytest.raises(ValidationError) as raised:
        images.logo_reencode(upload)

    assert "4,001 × 10 pixels" in _messages(raised.value)
    assert "4,000 × 4,000" in _messages(raised.value)


def test_the_latest_valid_until_date_is_a_german_date(representative_a):
    profile = factories.PartneringProfileFactory(organisation=representative_a.organisation)
    too_late = timezone.localdate() + datetime.timedelta(days=800)

    with translation.override("de"), pytest.raises(ValidationError) as raised:
        partnering_profile_update(profile=profile, user=representative_a.user, data={"valid_until": too_late})

    message = _messages(raised.value)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", message), message
    assert re.search(r"\d{1,2}\. \w+ \d{4}", message), message


def test_the_introduction_message_limit_has_grouped_digits(representative_a, organisation_b):
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        contact_request_create(
            requester=representative_a.organisation,
            target=organisation_b,
            user=representative_a.user,
            message="x" * 1001,
        )

    assert "1,000 characters" in _messages(raised.value)


def test_milestones_sessions_and_programme_items_name_their_dates_in_the_language():
    milestone = factories.InvestmentMilestoneFactory(date=datetime.date(2026, 2, 23), kind=MilestoneKind.FIRST_CONTACT)
    session = factories.WorkshopSessionFactory(starts_at=timezone.make_aware(datetime.datetime(2026, 3, 4, 9, 30)))
    item = factories.ProgrammeItemFactory(starts_at=timezone.make_aware(datetime.datetime(2026, 3, 4, 14, 0)))

    with translation.override("de"):
        assert str(milestone) == "23.02.2026 Erstkontakt"
        assert str(session).endswith("04.03.2026")
        assert str(item).startswith("04.03.2026 14:00 ")
    with translation.override("en"):
        assert str(milestone) == "02/23/2026 First contact"


def test_a_custom_report_names_its_period_in_the_language():
    report = Report(kind="custom", period_start=datetime.date(2018, 1, 1), period_end=datetime.date(2018, 6, 30))

    with translation.override("en"):
        assert report.title == "Report 01/01/2018 – 06/30/2018"
    with translation.override("de"):
        assert report.title == "Bericht 01.01.2018 – 30.06.2018"


# --- the portal's fair cards -------------------------------------------------------------------------


def _fair_list(client, language: str) -> str:
    client.cookies["django_language"] = language
    return _text(client.get(reverse("portal_fairs:fair-list")))


def test_a_hall_that_names_itself_is_not_named_twice(client_a):
    factories.JointBoothFactory(hall="Halle 8", stand="C31", total_area_m2=Decimal("216.00"))

    text = _fair_list(client_a, "en")

    assert "Halle 8, Stand C31" in text
    assert "Hall Halle" not in text and "Halle Halle" not in text


def test_a_hall_given_as_a_code_gets_the_word(client_a):
    factories.JointBoothFactory(hall="Z1", stand="A12")

    assert "Hall Z1, Stand A12" in _fair_list(client_a, "en")


def test_the_fair_card_shows_areas_without_needless_zeros_and_grouped_fees(client_a):
    factories.JointBoothFactory(total_area_m2=Decimal("216.00"), fee_per_m2_with_construction=Decimal("1250.00"))

    text = _fair_list(client_a, "de")

    assert "216 m² von 216 m²" in text
    assert "1.250,00 EUR mit Standbau" in text
    assert "216,00" not in text


def test_the_registration_list_shows_the_requested_area_as_read(client_a, organisation_a):
    factories.BoothRegistrationFactory(organisation=organisation_a, requested_area_m2=Decimal("12.50"))
    client_a.cookies["django_language"] = "de"

    text = _text(client_a.get(reverse("portal_fairs:registration-list")))

    assert "12,5 m²" in text and "12,50" not in text


# --- one English word, two German meanings --------------------------------------------------------


def test_register_has_a_context_for_each_meaning():
    """The organisation form's button, the delegation form's button and the commercial register
    each have a msgid of their own, so German can say "Registrieren", "Anmelden" and
    "Registerangaben"."""
    templates = BASE_DIR / "templates" / "portal"
    sources = {
        "organisation_register.html": "button: register an organisation",
        "delegations/participant_register.html": "button: register a participant for a delegation trip",
        "organisation_edit.html": "commercial register",
    }
    for name, context in sources.items():
        text = (templates / name).read_text()
        assert '{% translate "Register" %}' not in text, name
        assert f'{{% translate "Register" context "{context}" %}}' in text, name


@pytest.mark.parametrize(("language", "button"), [("de", "Registrieren"), ("en", "Register")])
def test_the_organisation_registration_button_says_register(client, language, button):
    user = factories.CompanyUserFactory()
    client.force_login(user)
    client.cookies["django_language"] = language

    html = client.get(reverse("portal:organisation-register")).content.decode()

    assert re.search(rf'<button type="submit">{button}</button>', html)
    assert "Registerangaben</button>" not in html


# --- the privacy page ------------------------------------------------------------------------------


def test_the_privacy_page_says_what_erasing_will_do_not_that_it_is_done(client_a):
    client_a.cookies["django_language"] = "en"
    text = _text(client_a.get(reverse("portal:privacy")))

    assert "it will be erased together with your personal data" in text
    assert "are erased" not in text


def test_the_privacy_page_in_german_speaks_of_what_will_happen(client_a):
    client_a.cookies["django_language"] = "de"
    text = _text(client_a.get(reverse("portal:privacy")))

    assert "Wenn Sie Ihr Konto löschen, werden Ihr Konto und Ihre personenbezogenen Daten gelöscht." in text
    assert "sind gelöscht" not in text


# --- the admin: numbers, and the texts of allauth and the API-key library ---------------------------


def test_the_investment_list_groups_the_volume(staff_client):
    factories.InvestmentProjectFactory(investment_volume_eur=Decimal("33300000.00"))

    text = _text(staff_client.get(reverse("admin:projects_investmentproject_changelist")))

    assert "33.300.000,00" in text and "33300000,00" not in text


def test_the_investment_form_shows_the_volume_with_grouped_digits(staff_client):
    project = factories.InvestmentProjectFactory(investment_volume_eur=Decimal("33300000.00"))

    page = staff_client.get(reverse("admin:projects_investmentproject_change", args=[project.pk])).content.decode()

    assert 'name="investment_volume_eur" value="33.300.000,00"' in page


def test_the_booth_registration_list_shows_the_area_as_read(staff_client):
    factories.BoothRegistrationFactory(requested_area_m2=Decimal("12.50"))

    text = _text(staff_client.get(reverse("admin:fairs_boothregistration_changelist")))

    assert "12,5" in text and "12,50" not in text


def _breadcrumbs(response) -> str:
    match = re.search(r'<div class="breadcrumbs">(.*?)</div>', response.content.decode(), re.S)
    return " ".join(unescape(strip_tags(match.group(1))).split())


def test_the_two_factor_app_is_named_in_german_in_the_admin(staff_client):
    factories.AuthenticatorFactory()

    response = staff_client.get(reverse("admin:mfa_authenticator_changelist"))

    assert "Zwei-Faktor-Authentifizierung" in _breadcrumbs(response)
    assert "MFA" not in _breadcrumbs(response)
    # allauth's fields have no verbose names: the list titles its filters itself.
    assert "created at" not in _text(response) and "Nach type" not in _text(response)


def test_the_authenticators_are_named_in_german_in_the_admin(staff_client):
    response = staff_client.get(reverse("admin:mfa_authenticator_changelist"))

    assert _breadcrumbs(response).endswith("Zwei-Faktor-Authentifizierung › Authentifizierungsmethoden")


def test_the_api_key_form_has_no_english_help_texts(staff_client):
    text = _text(staff_client.get(reverse("admin:companies_partnerapikey_add")))

    assert "A free-form name" not in text
    assert "Once API key expires" not in text
    assert "Expires:" not in text
    assert "Ein frei wählbarer Name für den API-Schlüssel" in text
    assert "Läuft ab am" in text


def test_the_api_key_list_titles_the_librarys_fields(staff_client):
    """The library's own field names ("prefix", "revoked") have no German: the list titles its
    columns itself."""
    factories.PartnerApiKeyFactory()

    html = staff_client.get(reverse("admin:companies_partnerapikey_changelist")).content.decode()  # German
    titles = [
        unescape(strip_tags(t)).strip()
        for t in re.findall(
            r'<th scope="col" class="[^"]*column-(?:key_prefix|is_revoked)[^"]*">(.*?)</th>', html, re.S
        )
    ]

    assert "column-prefix" not in html and "column-revoked" not in html
    assert titles == ["Präfix", "Widerrufen"]


def _javascript_catalog(client) -> dict:
    response = client.get("/admin/jsi18n/")
    assert response.status_code == 200
    return json.loads(re.search(r"const newcatalog = (\{.*?\});\n", response.content.decode(), re.S).group(1))


def test_the_technology_field_picker_loads_the_german_javascript_catalog(staff_client):
    """The picker (Django's SelectFilter2) takes its texts from /admin/jsi18n/, a script of the
    portal's own origin that the Content-Security-Policy allows."""
    organisation = factories.OrganisationFactory()
    page = staff_client.get(reverse("admin:companies_organisation_change", args=[organisation.pk]))

    assert '<script src="/admin/jsi18n/"></script>' in page.content.decode()
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    catalog = _javascript_catalog(staff_client)
    assert catalog["Choose all %s"] == "Alle %s auswählen"
    assert catalog["Remove all %s"] == "Alle %s entfernen"


@needs_gettext
def test_every_text_of_the_admins_scripts_is_in_the_javascript_catalog(staff_client):
    catalog = _javascript_catalog(staff_client)
    # Keys as gettext stores them: "context\x04msgid" (so does the JavaScript catalog), and
    # (msgid, n) for plural forms, which the JavaScript catalog keeps under the msgid.
    shown = {
        key if isinstance(key, str) else key[0]
        for key in third_party_messages.catalog_keys(third_party_messages.extract("djangojs"))
    }

    assert sorted(msgid for msgid in shown if msgid not in catalog) == []


# --- allauth: formal German, the portal's name -------------------------------------------------------


def test_the_portals_site_is_named_by_the_migration():
    site = Site.objects.get_current()

    assert site.name == "WFS Portal"
    assert site.domain not in ("example.com", "")


def test_the_sites_domain_comes_from_the_portal_address_or_the_first_host(settings):
    from importlib import import_module

    migration = import_module("wfs_portal.migrations.0002_portal_site")
    settings.PORTAL_BASE_URL = "https://portal.wfs.de"
    assert migration.portal_domain() == "portal.wfs.de"
    settings.PORTAL_BASE_URL = ""
    settings.ALLOWED_HOSTS = ["*", ".wfs.de", "portal.example"]
    assert migration.portal_domain() == "wfs.de"
    settings.ALLOWED_HOSTS = ["*"]
    assert migration.portal_domain() == "localhost"


def _informal(text: str) -> list[str]:
    return sorted({match.group(0) for match in third_party_messages.INFORMAL.finditer(text)})


PUBLIC_ACCOUNT_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_email_verification_sent",
]
# Pages a signed-in company user reaches; those that ask for the password again first (setting up an
# authenticator app) are followed there.
MEMBER_ACCOUNT_PAGES = ["account_email", "account_change_password", "account_logout", "mfa_index", "mfa_activate_totp"]


@pytest.mark.parametrize("name", PUBLIC_ACCOUNT_PAGES)
def test_allauths_public_pages_address_the_reader_formally(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 200
    assert _informal(_text(response)) == []


@pytest.mark.parametrize("name", MEMBER_ACCOUNT_PAGES)
def test_allauths_account_pages_address_the_reader_formally(client, name):
    user = factories.CompanyUserFactory()
    user.set_password(PASSWORD)
    user.save()
    client.force_login(user)

    response = client.get(reverse(name), follow=True)

    assert response.status_code == 200
    assert _informal(_text(response)) == []


def test_an_invalid_confirmation_link_is_explained_formally(client):
    text = _text(client.get(reverse("account_confirm_email", args=["not-a-key"])))

    assert "fordern Sie eine neue Bestätigungs-E-Mail an" in text
    assert _informal(text) == []


def test_the_sign_up_mail_greets_with_the_portals_name_formally(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"), {"email": "neu@firma.example.de", "password1": PASSWORD, "password2": PASSWORD}
        )

    (mail,) = mailoutbox
    assert "Guten Tag vom WFS Portal!" in mail.body
    assert "Vielen Dank, dass Sie das WFS Portal nutzen!" in mail.body
    assert "testserver" not in mail.body.split("http")[0]
    assert _informal(mail.subject + " " + mail.body) == []


def test_the_password_reset_mail_is_formal(client, mailoutbox, django_capture_on_commit_callbacks):
    factories.CompanyUserFactory(email="anna@firma.example.de")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "anna@firma.example.de"})

    (mail,) = mailoutbox
    assert "Sie erhalten diese E-Mail" in mail.body
    assert _informal(mail.subject + " " + mail.body) == []


# --- the override catalog -------------------------------------------------------------------------


@needs_gettext
@pytest.mark.parametrize("domain", third_party_messages.DOMAINS)
def test_the_override_catalog_has_an_entry_for_every_text_of_the_packages(domain):
    """After an upgrade of allauth, djangorestframework-api-key or Django, run
    `python manage.py third_party_messages` and translate the new entries in formal German."""
    shown = third_party_messages.catalog_keys(third_party_messages.extract(domain))
    translated = third_party_messages.compiled_catalog(third_party_messages.po_path(domain))

    assert sorted(map(str, shown - set(translated))) == []


@needs_gettext
@pytest.mark.parametrize("domain", third_party_messages.DOMAINS)
def test_the_override_catalog_is_complete_formal_and_compiled(domain):
    import gettext

    po = third_party_messages.po_path(domain)
    translated = third_party_messages.compiled_catalog(po)
    with po.with_suffix(".mo").open("rb") as handle:
        committed = {key: text for key, text in gettext.GNUTranslations(handle)._catalog.items() if key != ""}

    assert {key: text for key, text in translated.items() if third_party_messages.INFORMAL.search(text)} == {}
    assert "fuzzy" not in po.read_text()
    assert committed == translated, f"{po.with_suffix('.mo')} is stale: run `python manage.py third_party_messages`"


@needs_gettext
def test_texts_shared_with_our_catalog_read_the_same():
    """A msgid that our code and a package both use ("Remove", "Verified") is translated by the
    override catalog for both: it must say what our own catalog says."""
    ours = third_party_messages.compiled_catalog(BASE_DIR / "locale" / "de" / "LC_MESSAGES" / "django.po")
    overrides = third_party_messages.compiled_catalog(third_party_messages.po_path("django"))

    differing = {
        key: (overrides[key], ours[key]) for key in overrides.keys() & ours.keys() if overrides[key] != ours[key]
    }

    assert differing == {}


# --- reports --------------------------------------------------------------------------------------


def test_the_english_report_names_sectors_in_english():
    row = {"name": "Verarbeitendes Gewerbe", "name_en": "Manufacturing"}

    with translation.override("en"):
        assert labels.label("investments_by_sector", "C", row) == "C – Manufacturing"
        # Frozen before the English name was kept: the German one rather than none.
        assert labels.label("investments_by_sector", "C", {"name": "Verarbeitendes Gewerbe"}) == (
            "C – Verarbeitendes Gewerbe"
        )
    with translation.override("de"):
        assert labels.label("investments_by_sector", "C", row) == "C – Verarbeitendes Gewerbe"


def test_the_pdf_tables_do_not_break_their_titles_inside_words():
    from pypdf import PdfReader

    row = {
        "key": "C",
        "name": "Verarbeitendes Gewerbe",
        "name_en": "Manufacturing",
        "projects": 1,
        "investment_volume_eur": "33300000.00",
        "investment_volume_estimated_eur": "0.00",
        "new_jobs": 10,
        "secured_jobs": 0,
    }
    figures = {
        "schema": 1,
        "period": {"start": "2018-01-01", "end": "2018-12-31"},
        "kpis": {},
        "tables": {"investments_by_sector": [row]},
    }
    import io

    pdf = render_pdf(figures, title="Jahresbericht 2018", language="de")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    words = set(re.findall(r"\w+", text))

    assert {"Investitionsvolumen", "Arbeitsplätze"} <= words
    assert not {"Investitionsvolume", "Arbeitsplätz"} & words
