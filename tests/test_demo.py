"""The demo world: believable, idempotent, and its 2018 records add up to the press release."""

import datetime
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max

from companies.models import Organisation
from delegations.choices import Direction
from delegations.selectors import delegations_in_period
from fairs.selectors import exhibitors, fairs_with_joint_booth
from projects.models import InvestmentProject, Workshop
from projects.selectors import investment_totals

pytestmark = pytest.mark.django_db

YEAR_2018 = {"start": datetime.date(2018, 1, 1), "end": datetime.date(2018, 12, 31)}
YEAR_2019 = {"start": datetime.date(2019, 1, 1), "end": datetime.date(2019, 12, 31)}


def snapshot() -> dict:
    """Row count and latest change of every table, history and relation tables included."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        manager = model._base_manager
        latest = manager.aggregate(m=Max("updated"))["m"] if hasattr(model, "updated") else None
        state[model._meta.label] = (manager.count(), latest)
    return state


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for the module (it takes a while) inside a transaction that is rolled
    back afterwards; the tests only read it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        before = snapshot()
        out = io.StringIO()
        call_command("load_demo", stdout=out)
        after = snapshot()
        yield before, after, out.getvalue()
        transaction.set_rollback(True)


def test_second_run_changes_nothing(demo):
    before, after, output = demo
    changed = {label: (before[label], after[label]) for label in before if before[label] != after[label]}
    assert changed == {}
    assert "nothing to add" in output


def test_2018_investment_figures_match_the_press_release(demo):
    totals = investment_totals(**YEAR_2018)
    assert totals["projects"] == 20
    assert totals["investment_volume_eur"] == Decimal("141820000.00")
    assert totals["new_jobs"] == 361
    assert totals["secured_jobs"] == 538


def test_2018_fairs_and_delegations_match_the_press_release(demo):
    assert fairs_with_joint_booth(**YEAR_2018).count() == 19
    assert delegations_in_period(direction=Direction.OUTBOUND, **YEAR_2018).count() == 14
    assert delegations_in_period(direction=Direction.INBOUND, **YEAR_2018).count() == 22


def test_cmef_2019_had_twelve_exhibitors_three_of_them_first_time(demo):
    cmef = exhibitors(**YEAR_2019).filter(booth__fair__name="CMEF")
    assert cmef.count() == 12
    assert cmef.filter(is_first_time=True).count() == 3


def test_named_actors_of_the_press_release_exist(demo):
    for name in ("BIO CITY LEIPZIG", "biosaxony e. V.", "Krankenhausgesellschaft Sachsen e. V.", "GENEWIZ"):
        assert Organisation.objects.filter(name=name).exists(), name
    genewiz = InvestmentProject.objects.get(investor__name="GENEWIZ")
    assert genewiz.production_start_date == datetime.date(2018, 9, 17)
    assert genewiz.site_district == "leipzig"
    workshop = Workshop.objects.get(topic="Krankenhauslogistik")
    companies = workshop.participations.filter(role="company").count()
    assert 15 <= companies < 20, "close to 20 companies"


def test_world_is_large_and_varied(demo):
    assert Organisation.objects.count() >= 300
    assert Organisation.objects.values("district").distinct().count() >= 13
    assert Organisation.objects.values("kind").distinct().count() >= 6
    # Profiles in German only, English only and both, for the cross-lingual matchmaking.
    from companies.models import PartneringProfile

    assert PartneringProfile.objects.filter(title_de="").exclude(title_en="").exists()
    assert PartneringProfile.objects.filter(title_en="").exclude(title_de="").exists()
    assert PartneringProfile.objects.exclude(title_de="").exclude(title_en="").exists()


def test_staff_edits_survive_a_rerun(demo):
    company = Organisation.objects.filter(kind="company").exclude(vat_id="").first()
    company.name = "Umbenannt GmbH"
    company.save()
    contact = company.contacts.first()
    contact.last_name = "Neuname"
    contact.save()
    before = snapshot()

    out = io.StringIO()
    call_command("load_demo", stdout=out)

    assert "nothing to add" in out.getvalue()
    assert snapshot() == before
    assert Organisation.objects.get(pk=company.pk).name == "Umbenannt GmbH"


def test_a_conflicting_edit_is_reported_and_nothing_is_loaded(demo):
    from django.core.management.base import CommandError

    from companies.models import Contact

    # Staff deleted a company's primary contact and made another person primary: the demo would
    # add the deleted contact again, as primary, which the data no longer allows.
    company = next(o for o in Organisation.objects.filter(kind="company") if o.contacts.count() >= 2)
    primary = company.contacts.get(is_primary=True)
    other = company.contacts.exclude(pk=primary.pk).first()
    primary.delete()
    other.is_primary = True
    other.save()
    before = snapshot()

    with pytest.raises(CommandError, match="primary contact|Hauptkontakt"):
        call_command("load_demo", stdout=io.StringIO())

    assert snapshot() == before
    assert not Contact.objects.filter(pk=primary.pk).exists()


def test_the_2018_annual_report_equals_the_press_release(demo, capsysbinary):
    """The figures the agency published for 2018, through the report command the staff use."""
    import json

    call_command("report", "annual", "--year", "2018", "--format", "json")
    figures = json.loads(capsysbinary.readouterr().out)
    assert figures["settlements_and_expansions"] == 20
    assert Decimal(str(figures["investment_volume_eur"])) == Decimal("141820000.00")
    assert (figures["new_jobs"], figures["secured_jobs"]) == (361, 538)
    assert figures["fairs_with_joint_booth"] == 19
    assert (figures["outbound_delegations"], figures["inbound_delegations"]) == (14, 22)


def test_the_frozen_2018_report_and_its_spreadsheet_hold_the_press_release_figures(demo, tmp_path, settings):
    import openpyxl

    from reports import kpis
    from reports.choices import ReportState
    from reports.models import Report
    from reports.services import report_generate

    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    start, end = kpis.year_period(2018)
    report = Report.objects.create(kind="annual", period_start=start, period_end=end)
    report = report_generate(report_id=report.pk)
    assert report.state == ReportState.DONE
    assert report.figures["kpis"]["investment_volume_eur"] == "141820000.00"
    cells = [
        value
        for row in openpyxl.load_workbook(report.xlsx_file.path).worksheets[0].iter_rows(values_only=True)
        for value in row
        if isinstance(value, int | float | Decimal)
    ]
    for figure in (20, Decimal("141820000.00"), 361, 538, 19, 14, 22):
        assert figure in [Decimal(str(value)) for value in cells]
