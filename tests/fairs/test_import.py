"""Booth registrations imported from a spreadsheet: found by fair, booth and organisation, imported
as applications, all or nothing, one reason in the history."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation
from import_export.formats.base_formats import CSV

from fairs.imports import BoothRegistrationResource
from fairs.models import BoothRegistration
from tests.factories import BoothRegistrationFactory, ContactFactory, JointBoothFactory, OrganisationFactory
from wfs_portal.choices import RegistrationState

pytestmark = pytest.mark.django_db

HEADER = ["fair", "fair_year", "booth", "organisation", "contact_email", "requested_area_m2", "de_minimis_declared"]


def run(rows, *, dry_run=False, language="en"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    with translation.override(language):
        return BoothRegistrationResource().import_data(
            CSV(encoding="utf-8").create_dataset(out.getvalue()), dry_run=dry_run, file_name="messe.csv"
        )


def errors(result) -> dict:
    return {row.number: row.field_specific_errors | {"*": row.non_field_specific_errors} for row in result.invalid_rows}


@pytest.fixture
def booth():
    return JointBoothFactory()


def test_registrations_are_imported_as_applications(booth):
    fair = booth.fair
    organisation = OrganisationFactory(vat_id="DE123456789")
    contact = ContactFactory(organisation=organisation, email="messe@firma.example")
    rows = [[fair.name, fair.start_date.year, "", "DE123456789", "messe@firma.example", "12,5", "ja"]]

    # A German file: the decimal comma, "ja".
    result = run(rows, language="de")

    assert not result.has_validation_errors(), errors(result)
    registration = BoothRegistration.objects.get()
    assert registration.booth == booth and registration.contact == contact
    assert registration.state == RegistrationState.APPLIED
    assert registration.requested_area_m2 == Decimal("12.5") and registration.de_minimis_declared
    reason = registration.history.earliest().history_change_reason
    assert reason.startswith("fairs.import.applied messe.csv #")


def test_an_existing_registration_is_updated_not_duplicated(booth):
    registration = BoothRegistrationFactory(booth=booth, requested_area_m2=Decimal("9"))
    fair = booth.fair
    rows = [[fair.name, fair.start_date.year, booth.title, registration.organisation.name, "", "20", "nein"]]

    result = run(rows)

    assert [row.import_type for row in result.rows] == ["update"]
    registration.refresh_from_db()
    assert registration.requested_area_m2 == Decimal("20")


@pytest.mark.parametrize(
    ("bad", "column", "message"),
    [
        (["2", "", "ORG", "", "-4", ""], "*", "greater than zero"),
        (["2", "", "ORG", "", "zwölf", ""], "requested_area_m2", "zwölf"),
        (["2", "Anderer Stand", "ORG", "", "10", ""], "booth", "no such joint booth"),
        (["2", "", "ORG", "nobody@x.example", "10", ""], "contact_email", "no contact person"),
        (["2", "", "ORG", "", "10", "vielleicht"], "de_minimis_declared", "vielleicht"),
        (["2", "", "ORG", "", "10", "@SUM(1)"], "de_minimis_declared", "formula"),
        (["2", "", "FIRST", "", "10", ""], "*", "Row 1"),
    ],
    ids=["rule", "number", "booth", "contact", "yes-no", "formula", "duplicate-key"],
)
def test_one_bad_row_applies_nothing(booth, bad, column, message):
    first = OrganisationFactory(vat_id="DE111111111")
    other = OrganisationFactory(vat_id="DE222222222")
    fair = booth.fair
    names = {"ORG": other.vat_id, "FIRST": first.vat_id}
    good = [fair.name, fair.start_date.year, "", first.vat_id, "", "10", "ja"]
    row = [fair.name, fair.start_date.year, bad[1], names[bad[2]], bad[3], bad[4], bad[5]]

    result = run([good, row])

    assert list(errors(result)) == [2]
    assert message in " ".join(errors(result)[2][column])
    assert not BoothRegistration.objects.exists()


def test_the_import_page_needs_the_permission(client, django_user_model):
    user = django_user_model.objects.create_user(username="clerk", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_boothregistration"]))
    client.force_login(user)
    url = reverse("admin:fairs_boothregistration_import")

    assert client.get(url).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="import_boothregistration"))
    assert client.get(url).status_code == 200
