"""The staff's data pages in a real browser, as a new member of staff works through them: an import
of organisations from a file (preview, then apply), the duplicates with their side-by-side
comparison, the review of a submitted profile, and a partner's webhook endpoint with its delivery
log. In German and English, on the desktop and a phone; nothing wider than the screen, no raw
choice values. Screenshots go to test-artifacts/e2e/admin-data-*.png."""

import pytest
from django.utils import timezone

from companies.choices import ProfileState
from companies.models.organisations import Organisation
from companies.tasks import duplicates_search
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, fits
from tests.factories_webhooks import WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = (("desktop", DESKTOP), ("phone", PHONE))
LANGUAGES = ("de", "en")


def _too_wide(page, what: str) -> list[str]:
    """[] when the page fits its window, else what is too wide (the test gathers them and takes
    every screenshot before it fails)."""
    scroll_width, viewport = fits(page)
    return [] if scroll_width <= viewport else [f"{what} is {scroll_width} px wide in a {viewport} px window"]


def test_an_import_is_previewed_and_then_applied(staff_page, shot, tmp_path):
    rows = [
        "name,kind,vat_id,city,postal_code,employee_band,sectors",
        "Sensorik Nord GmbH,company,DE123456789,Dresden,01067,10-49,26.60",
        "Klinik Süd,clinic,,Leipzig,04103,,86.10",
    ]
    factories.SectorFactory(code="26.60")
    factories.SectorFactory(code="86.10")
    upload = tmp_path / "organisationen.csv"
    upload.write_text("\n".join(rows) + "\n", encoding="utf-8")
    texts = {"de": ("Importieren", "Neu"), "en": ("Import", "New")}
    wide = []

    for language in LANGUAGES:
        for name, size in SIZES:
            page = staff_page(language=language, **size)
            page.goto("/admin/companies/organisation/import/")
            page.set_input_files("input[name=import_file]", str(upload))
            page.select_option("select[name=format]", label="csv")
            page.locator("#content form [type=submit]").first.click()
            page.wait_for_selector("#content table")
            body = page.locator("#content").inner_text()
            assert "Sensorik Nord GmbH" in body and texts[language][1] in body
            shot(page, f"admin-data-import-preview-{language}-{name}")
            wide += _too_wide(page, f"the import preview ({language}, {name})")
            assert not Organisation.objects.filter(vat_id="DE123456789").exists()
            if (language, name) == ("de", "phone"):
                page.locator("#content form [type=submit]").last.click()
                page.wait_for_selector(".messagelist")
                assert "Import abgeschlossen: 2 neu" in page.locator(".messagelist").inner_text()
                shot(page, f"admin-data-import-applied-{language}-{name}")
                Organisation.objects.filter(name__in=["Sensorik Nord GmbH", "Klinik Süd"]).delete()
    assert wide == []
    assert wide == []


def test_duplicates_are_listed_and_compared_side_by_side(staff_page, shot):
    first = factories.OrganisationFactory(name="Sensorik Nord GmbH", postal_code="01067", city="Dresden")
    second = factories.OrganisationFactory(name="Sensorik Nord", postal_code="01067", city="Dresden")
    duplicates_search()
    wide = []

    for language in LANGUAGES:
        for name, size in SIZES:
            page = staff_page(language=language, **size)
            page.goto("/admin/companies/organisation/duplicates/")
            assert first.name in page.locator("#content").inner_text()
            shot(page, f"admin-data-duplicates-{language}-{name}")
            wide += _too_wide(page, f"the duplicates ({language}, {name})")
            page.locator(f"a[href*='/merge/{first.pk}/{second.pk}/']").first.click()
            page.wait_for_url(f"**/merge/{first.pk}/{second.pk}/")
            body = page.locator("#content").inner_text()
            assert first.name in body and second.name in body
            assert "self_registered" not in body and "verified" not in body.split()
            shot(page, f"admin-data-merge-{language}-{name}")
            wide += _too_wide(page, f"the comparison ({language}, {name})")
    assert wide == []


def test_a_submitted_profile_is_reviewed(staff_page, shot):
    profile = factories.PartneringProfileFactory(
        state=ProfileState.SUBMITTED,
        title_de="Sensorik für Kühlketten in der Klinik",
        summary_de="Wir suchen einen Partner für die Überwachung von Laborproben auf dem Transport.",
    )
    wide = []

    for language in LANGUAGES:
        for name, size in SIZES:
            page = staff_page(language=language, **size)
            page.goto(f"/admin/companies/partneringprofile/{profile.pk}/review/")
            body = page.locator("#content").inner_text()
            assert profile.title_de in body
            assert "submitted" not in body.split() and "technology_offer" not in body
            shot(page, f"admin-data-review-{language}-{name}")
            wide += _too_wide(page, f"the review page ({language}, {name})")
    assert wide == []


def test_a_partners_endpoint_and_its_delivery_log(staff_page, shot):
    endpoint = WebhookEndpointFactory(events=["organisation.updated", "match.created"])
    WebhookDeliveryFactory(endpoint=endpoint)
    WebhookDeliveryFactory(
        endpoint=endpoint, state="delivered", attempts=1, last_status=200, last_response="", delivered_at=timezone.now()
    )
    wide = []

    for language in LANGUAGES:
        for name, size in SIZES:
            page = staff_page(language=language, **size)
            for path, what in (
                ("/admin/webhooks/webhookendpoint/", "endpoints"),
                (f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/", "endpoint"),
                ("/admin/webhooks/webhookdelivery/", "deliveries"),
            ):
                page.goto(path)
                body = page.locator("#content").inner_text()
                assert endpoint.url in body or what == "deliveries"
                if language == "de":
                    for raw in ("delivered", "failed", "pending"):
                        assert raw not in body.split(), f"raw value {raw!r} on the {what} page"
                shot(page, f"admin-data-webhook-{what}-{language}-{name}")
                if name == "desktop":
                    wide += _too_wide(page, f"the {what} page ({language})")
    assert wide == []
