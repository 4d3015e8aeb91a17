"""Imports of organisations, contact persons with their consent and cluster memberships (CSV and
XLSX): the preview writes nothing, a file with one bad row applies nothing and names the row's
error, the history shows the import as one reason; the admin's export follows its filters."""

import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from import_export.formats.base_formats import CSV, XLSX

from companies.choices import ConsentSource, OrganisationKind
from companies.imports import ClusterMembershipResource, ContactResource, OrganisationResource
from companies.models.clusters import ClusterMembership
from companies.models.contacts import ConsentRecord, Contact
from companies.models.organisations import Organisation
from tests.factories import ClusterFactory, ContactFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

ORGANISATION_HEADER = ["name", "kind", "vat_id", "city", "postal_code", "employee_band", "sectors", "technology_fields"]


def csv_text(header, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def csv_dataset(header, rows):
    return CSV(encoding="utf-8").create_dataset(csv_text(header, rows))


def xlsx_bytes(header, rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(resource_class, dataset, *, dry_run, user=None):
    # The messages in English, as the tests name them.
    with translation.override("en"):
        return resource_class().import_data(dataset, dry_run=dry_run, user=user, file_name="liste.csv")


def good_rows():
    return [
        ["Sensorik Nord GmbH", "company", "DE123456789", "Dresden", "01067", "10-49", "26.60", "ikt"],
        ["Klinik Süd", "Klinik", "", "Leipzig", "04103", "", "86.10; 72.19", ""],
    ]


def field_errors(result) -> dict:
    return {row.number: row.field_specific_errors | {"*": row.non_field_specific_errors} for row in result.invalid_rows}


def test_the_preview_shows_new_updated_and_skipped_rows_and_writes_nothing():
    existing = OrganisationFactory(name="Alt GmbH", vat_id="DE811111111", city="Chemnitz", employee_band="10-49")
    existing.sectors.clear()
    unchanged = OrganisationFactory(
        name="Gleich GmbH", vat_id="DE822222222", city="Chemnitz", postal_code="09111", employee_band="1-9"
    )
    rows = [
        *good_rows(),
        ["Alt GmbH", "company", "DE811111111", "Zwickau", existing.postal_code, "10-49", "", ""],
        ["Gleich GmbH", "company", "DE822222222", "Chemnitz", "09111", "1-9", "", ""],
    ]
    unchanged.sectors.clear()
    unchanged.technology_fields.clear()
    before = Organisation.objects.count()

    result = run(OrganisationResource, csv_dataset(ORGANISATION_HEADER, rows), dry_run=True)

    assert not result.has_errors() and not result.has_validation_errors(), field_errors(result)
    assert [row.import_type for row in result.rows] == ["new", "new", "update", "skip"]
    assert Organisation.objects.count() == before
    existing.refresh_from_db()
    assert existing.city == "Chemnitz"


def test_applying_writes_the_rows_with_their_sectors_and_one_reason_of_the_import():
    staff = UserFactory(is_staff=True)
    result = run(OrganisationResource, csv_dataset(ORGANISATION_HEADER, good_rows()), dry_run=False, user=staff)

    assert not result.has_validation_errors(), field_errors(result)
    first = Organisation.objects.get(vat_id="DE123456789")
    clinic = Organisation.objects.get(name="Klinik Süd")
    assert first.kind == OrganisationKind.COMPANY and clinic.kind == OrganisationKind.CLINIC
    assert sorted(s.code for s in clinic.sectors.all()) == ["72.19", "86.10"]
    assert [t.slug for t in first.technology_fields.all()] == ["ikt"]
    reasons = {o.history.earliest().history_change_reason for o in (first, clinic)}
    assert len(reasons) == 1
    (reason,) = reasons
    assert reason.startswith("companies.import.applied liste.csv #")
    assert first.history.earliest().history_user == staff


def test_an_xlsx_file_is_read_as_a_csv_file():
    rows = [["Werkstoff AG", "company", "DE333333333", "Freiberg", "09599", "50-249", "26.60", ""]]
    dataset = XLSX().create_dataset(xlsx_bytes(ORGANISATION_HEADER, rows))

    result = run(OrganisationResource, dataset, dry_run=False)

    assert not result.has_validation_errors(), field_errors(result)
    assert Organisation.objects.get(vat_id="DE333333333").employee_band == "50-249"


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        (["Viele GmbH", "company", "", "Dresden", "01067", "viele", "", ""], "employee_band", "viele"),
        (["Falsch GmbH", "company", "", "Dresden", "01067", "", "99.99", ""], "sectors", "99.99"),
        (["Falsch GmbH", "company", "", "Dresden", "0106", "", "", ""], "postal_code", "five digits"),
        (
            ['=HYPERLINK("http://evil.example","x")', "company", "", "Dresden", "01067", "", "", ""],
            "name",
            "formula",
        ),
        (["Sensorik Nord GmbH", "company", "DE123456789", "Dresden", "01067", "", "", ""], "*", "Row 1"),
    ],
    ids=["wrong-choice", "unknown-sector", "model-rule", "formula", "duplicate-key"],
)
def test_one_bad_row_applies_nothing_and_names_its_error(bad_row, column, message):
    rows = [good_rows()[0], bad_row, good_rows()[1]]

    result = run(OrganisationResource, csv_dataset(ORGANISATION_HEADER, rows), dry_run=False)

    assert result.has_validation_errors()
    errors = field_errors(result)
    assert list(errors) == [2]
    assert message in " ".join(errors[2][column])
    assert not Organisation.objects.filter(name__in=["Sensorik Nord GmbH", "Klinik Süd"]).exists()


def test_a_wrong_number_is_an_error_of_its_column():
    header = ["name", "kind", "city", "founded"]
    result = run(OrganisationResource, csv_dataset(header, [["Alt GmbH", "company", "Dresden", "viele"]]), dry_run=True)

    assert "viele" in field_errors(result)[1]["founded"][0]


def test_a_phone_number_with_a_plus_is_a_value_not_a_formula():
    header = ["name", "kind", "city", "phone"]
    result = run(
        OrganisationResource, csv_dataset(header, [["Tel GmbH", "company", "Dresden", "+49 351 4640-0"]]), dry_run=False
    )

    assert not result.has_validation_errors(), field_errors(result)
    assert Organisation.objects.get(name="Tel GmbH").phone.startswith("+49")


CONTACT_HEADER = ["organisation", "first_name", "last_name", "email", "consent_purpose", "consent_given_at"]
CONTACT_HEADER += ["consent_text_version", "consent_source"]


def test_contacts_are_imported_with_their_consent_and_its_source():
    organisation = OrganisationFactory(vat_id="DE444444444")
    rows = [
        ["DE444444444", "Anna", "Berg", "anna@berg.example", "matchmaking", "01.03.2026", "2026-11", "paper_form"],
        [organisation.name, "Ben", "Tal", "ben@tal.example", "", "", "", ""],
    ]

    result = run(ContactResource, csv_dataset(CONTACT_HEADER, rows), dry_run=False, user=UserFactory(is_staff=True))

    assert not result.has_validation_errors(), field_errors(result)
    anna = Contact.objects.get(email="anna@berg.example")
    assert anna.organisation == organisation
    consent = anna.consents.get()
    assert consent.source == ConsentSource.PAPER_FORM and consent.text_version == "2026-11"
    assert consent.history.earliest().history_change_reason.startswith("companies.import.applied")
    assert not Contact.objects.get(email="ben@tal.example").consents.exists()


def test_a_consent_without_its_source_is_refused_and_nothing_is_applied():
    OrganisationFactory(vat_id="DE444444444")
    rows = [
        ["DE444444444", "Ben", "Tal", "ben@tal.example", "", "", "", ""],
        ["DE444444444", "Anna", "Berg", "anna@berg.example", "matchmaking", "01.03.2026", "2026-11", ""],
    ]

    result = run(ContactResource, csv_dataset(CONTACT_HEADER, rows), dry_run=False)

    assert "source" in field_errors(result)[2]["consent_source"][0]
    assert not Contact.objects.filter(email__in=["ben@tal.example", "anna@berg.example"]).exists()
    assert not ConsentRecord.objects.exists()


def test_a_contact_is_found_by_organisation_and_e_mail_and_updated():
    contact = ContactFactory(email="anna@berg.example", position="Vertrieb")
    rows = [[contact.organisation.name, contact.first_name, contact.last_name, "ANNA@berg.example", "", "", "", ""]]
    header = [*CONTACT_HEADER[:4], "position"]
    rows[0] = rows[0][:4] + ["Geschäftsführung"]

    result = run(ContactResource, csv_dataset(header, rows), dry_run=False)

    assert [row.import_type for row in result.rows] == ["update"]
    contact.refresh_from_db()
    assert contact.position == "Geschäftsführung"


def test_cluster_memberships_by_cluster_and_organisation():
    cluster = ClusterFactory(name="Silicon Saxony", acronym="SiSax")
    organisation = OrganisationFactory(vat_id="DE555555555")
    header = ["cluster", "organisation", "role", "since"]
    rows = [["SiSax", "DE555555555", "Gründungsmitglied", "2020-05-01"], ["Unbekannt", "DE555555555", "", ""]]

    bad = run(ClusterMembershipResource, csv_dataset(header, rows), dry_run=False)
    assert "Unbekannt" in field_errors(bad)[2]["cluster"][0]
    assert not ClusterMembership.objects.exists()

    good = run(ClusterMembershipResource, csv_dataset(header, rows[:1]), dry_run=False)
    assert not good.has_validation_errors()
    membership = ClusterMembership.objects.get(cluster=cluster, organisation=organisation)
    assert membership.role == "founding_member"


# --- the admin ---------------------------------------------------------------------------------


def test_the_admin_previews_then_applies_a_file(staff_client):
    url = reverse("admin:companies_organisation_import")
    upload = SimpleUploadedFile("liste.csv", csv_text(ORGANISATION_HEADER, good_rows()).encode(), "text/csv")

    preview = staff_client.post(url, {"format": "0", "import_file": upload, "resource": "0"})

    assert preview.status_code == 200
    assert not Organisation.objects.filter(vat_id="DE123456789").exists()
    confirm = preview.context["confirm_form"]
    response = staff_client.post(
        reverse("admin:companies_organisation_process_import"),
        {name: confirm.initial[name] for name in confirm.initial} | {"confirm": "1"},
    )
    assert response.status_code == 302
    assert Organisation.objects.filter(vat_id="DE123456789").exists()


def test_the_admin_preview_names_the_bad_row_and_offers_no_confirmation(staff_client):
    rows = [good_rows()[0], ["Viele GmbH", "company", "", "Dresden", "01067", "viele", "", ""]]
    upload = SimpleUploadedFile("liste.csv", csv_text(ORGANISATION_HEADER, rows).encode(), "text/csv")

    response = staff_client.post(reverse("admin:companies_organisation_import"), {"format": "0", "import_file": upload})

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert "viele" in response.content.decode()
    assert not Organisation.objects.filter(vat_id="DE123456789").exists()


@pytest.mark.parametrize("model", ["organisation", "contact", "clustermembership"])
def test_the_import_page_needs_the_import_permission(client, django_user_model, model):
    user = django_user_model.objects.create_user(username="clerk", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=[f"view_{model}", f"change_{model}"]))
    client.force_login(user)
    url = reverse(f"admin:companies_{model}_import")

    assert client.get(url).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename=f"import_{model}"))
    assert client.get(url).status_code == 200


def test_the_export_holds_only_the_rows_of_the_filtered_list(staff_client):
    OrganisationFactory(name="Forschung Eins", kind=OrganisationKind.RESEARCH)
    OrganisationFactory(name="Firma Zwei", kind=OrganisationKind.COMPANY)

    response = staff_client.post(
        reverse("admin:companies_organisation_export") + "?kind__exact=research",
        {"format": "0", "organisationexportresource_name": "on", "organisationexportresource_kind": "on"},
    )

    text = response.content.decode("utf-8-sig")
    assert response.status_code == 200
    assert "Forschung Eins" in text
    assert "Firma Zwei" not in text
