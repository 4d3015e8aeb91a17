"""The company user's way through the portal and the staff member's part in it, in a real browser."""

import re

import pytest
from django.core import mail

from companies.choices import VerificationState
from companies.models.organisations import Organisation
from fairs.models import BoothRegistration
from tests.e2e.conftest import link_in
from tests.factories import JointBoothFactory
from wfs_portal.choices import RegistrationState

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kühlkette-Leipzig-2026"
STAFF_PASSWORD = "Messestand-Dubai-2026"


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser(
        username="sachbearbeiterin", email="sb@wfs.example", password=STAFF_PASSWORD
    )


def admin_login(page, staff):
    page.goto("/admin/login/")
    page.fill("input[name=username]", staff.username)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def sign_up_and_confirm(page, shot, email: str) -> None:
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    shot(page, "01-signup")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert len(mail.outbox) == 1, "the confirmation e-mail"
    page.goto(link_in(mail.outbox[0], "accounts/confirm-email/"))
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/$"))


def test_sign_up_register_and_get_verified(new_page, shot, staff):
    company = new_page(width=390, height=844)  # a phone
    sign_up_and_confirm(company, shot, "gruenderin@kuehlkette.example")
    shot(company, "02-portal-start-empty")

    company.goto("/portal/organisations/register/")
    company.fill("input[name=name]", "Kühlkette Leipzig GmbH")
    company.select_option("select[name=kind]", "company")
    company.fill("input[name=city]", "Leipzig")
    shot(company, "03-register-organisation")
    company.click("main form button[type=submit]")
    company.wait_for_url(re.compile(r"/portal/"))
    assert "Kühlkette Leipzig GmbH" in company.content()
    shot(company, "04-registered")
    organisation = Organisation.objects.get(name="Kühlkette Leipzig GmbH")
    assert organisation.verification_state == VerificationState.SELF_REGISTERED

    desk = new_page()
    admin_login(desk, staff)
    assert "Kühlkette" in desk.content() or desk.get_by_text(re.compile("Verifizierung")).count()
    desk.goto("/admin/companies/organisation/?verification_state__exact=self_registered")
    desk.check(f"input[name=_selected_action][value='{organisation.pk}']")
    desk.select_option("select[name=action]", "verify")
    shot(desk, "05-admin-verify")
    with desk.expect_navigation():
        desk.click("button[name=index]")
    organisation.refresh_from_db()
    assert organisation.verification_state == VerificationState.VERIFIED
    assert organisation.verified_by == staff

    company.goto("/portal/")
    shot(company, "06-portal-start-verified")
    assert "Kühlkette Leipzig GmbH" in company.content()

    # The verified organisation describes what it offers and submits it; staff review and publish it.
    company.goto("/portal/profiles/new/")
    company.select_option("select[name=type]", "business_offer")
    company.fill("input[name=title_de]", "Kühlkettenlogistik für klinische Proben")
    company.fill("textarea[name=summary_de]", "Temperaturgeführter Transport von Laborproben zwischen Kliniken.")
    shot(company, "07-profile-new")
    with company.expect_navigation():
        company.click("main form button[type=submit]")
    with company.expect_navigation():
        company.click("main form[action$='/publish/'] button[type=submit]")
    profile = organisation.partnering_profiles.get()
    assert profile.state == "submitted"
    desk.goto(f"/admin/companies/partneringprofile/{profile.pk}/review/")
    for criterion in ("innovation", "clarity", "cooperation", "language"):
        desk.fill(f"input[name={criterion}]", "3")
    shot(desk, "08-admin-profile-review")
    with desk.expect_navigation():
        desk.click("form input[type=submit].default")
    company.goto("/portal/profiles/")
    shot(company, "08-profile-published")
    profile.refresh_from_db()
    assert profile.state == "published" and profile.valid_until is not None

    # It applies for a place on a joint booth of the state fair programme ...
    booth = JointBoothFactory(fair__name="Arab Health", fair__city="Dubai", title="Sachsen live")
    company.goto("/portal/fairs/")
    shot(company, "09-fairs")
    company.goto(f"/portal/fairs/booths/{booth.pk}/apply/")
    company.fill("input[name=requested_area_m2]", "12")
    company.fill("textarea[name=products]", "Kühlboxen mit Temperaturlogger")
    company.check("input[name=de_minimis_declared]")
    company.check("input[name=no_double_funding_declared]")
    shot(company, "10-booth-apply")
    with company.expect_navigation():
        company.click("main form button[type=submit]")
    registration = BoothRegistration.objects.get(booth=booth, organisation=organisation)
    assert registration.state == RegistrationState.APPLIED

    # ... staff confirm it in the admin ...
    desk.goto(f"/admin/fairs/boothregistration/?booth__id__exact={booth.pk}")
    desk.check(f"input[name=_selected_action][value='{registration.pk}']")
    desk.select_option("select[name=action]", "confirm")
    with desk.expect_navigation():
        desk.click("button[name=index]")
    shot(desk, "11-admin-confirm")
    registration.refresh_from_db()
    assert registration.state == RegistrationState.CONFIRMED

    # ... and the company sees it confirmed, and was told by e-mail.
    company.goto("/portal/fairs/registrations/")
    shot(company, "12-registration-confirmed")
    row = company.locator("main").get_by_text("Bestätigt")
    assert row.count() >= 1
    assert any("Platz bestätigt" in message.subject for message in mail.outbox)


def test_staff_generate_a_report_and_download_it(new_page, shot, staff):
    desk = new_page()
    admin_login(desk, staff)
    desk.goto("/admin/reports/report/add/")
    desk.select_option("select[name=kind]", "annual")
    desk.fill("input[name=year]", "2022")
    shot(desk, "20-report-request")
    desk.click("input[type=submit]")
    desk.wait_for_url(re.compile(r"/admin/reports/report/\d+/change/$"))
    # Celery runs eagerly here, so the report is done when its page opens; the progress bar says so.
    progress = desk.locator("progress.report-progress")
    assert progress.get_attribute("value") == "100"
    shot(desk, "21-report-done")
    with desk.expect_download() as download:
        desk.get_by_role("link", name="XLSX").first.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    desk.goto("/admin/dashboard/?year=2022")
    assert desk.locator(".dashboard-chart svg").count() == 5
    shot(desk, "22-dashboard")
