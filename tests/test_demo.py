"""The demo world: believable, idempotent, and its 2018 records add up to the press release; it
reaches the present (the last and the running year), ends with computed partner suggestions and has
a few company users who can log in."""

import datetime
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max
from django.test import override_settings
from django.utils import timezone

from companies.models.organisations import Organisation
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
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """Load the demo once for the module (it takes a while) inside a transaction that is rolled
    back afterwards; the tests only read it. The match computation's files go to a temporary
    folder, and no engine of it stays cached for other tests."""
    from matchmaking import corpus_loading
    from matchmaking.services import engines
    from wfs_portal.celery import app as celery_app

    media = tmp_path_factory.mktemp("demo-media")
    # The match computation runs in this process, as on a laptop without a broker: the suite's
    # eager setting (tests/conftest.py) is made per test, after a module fixture like this one.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock(), transaction.atomic():
            first = io.StringIO()
            call_command("load_demo", stdout=first)
            before = snapshot()
            out = io.StringIO()
            call_command("load_demo", stdout=out)
            after = snapshot()
            yield before, after, out.getvalue(), first.getvalue()
            transaction.set_rollback(True)
    finally:
        celery_app.conf.task_always_eager = eager
    engines.forget()
    corpus_loading._cache.clear()


def test_second_run_changes_nothing(demo):
    before, after, output, _ = demo
    changed = {label: (before[label], after[label]) for label in before if before[label] != after[label]}
    assert changed == {}
    assert "nothing to add" in output
    # Nor are the partner suggestions computed again: nothing they are made of was added.
    assert "not computed again" in output


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
    from companies.models.profiles import PartneringProfile

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

    from companies.models.contacts import Contact

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

    from reports.choices import ReportState
    from reports.models import Report
    from reports.periods import year_period
    from reports.services import report_generate

    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    start, end = year_period(2018)
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


# --- partner suggestions --------------------------------------------------------------------------


def test_the_demo_ends_with_active_partner_suggestions(demo):
    from matchmaking.choices import GenerationState
    from matchmaking.models.generations import MatchGeneration
    from matchmaking.models.matches import Match

    generation = MatchGeneration.objects.get()
    assert generation.state == GenerationState.ACTIVE
    assert generation.organisations >= 300
    assert Match.objects.filter(generation=generation).values("organisation").distinct().count() >= 250
    assert f"generation {generation.pk}" in demo[3]


# --- the last and the running year ----------------------------------------------------------------


@pytest.mark.parametrize("years_back", [1, 0], ids=["last year", "running year"])
def test_the_demo_reaches_the_present(demo, years_back):
    from reports import kpis

    today = timezone.localdate()
    year = today.year - years_back
    end = today if years_back == 0 else datetime.date(year, 12, 31)
    figures = kpis.compute(start=datetime.date(year, 1, 1), end=end)["kpis"]

    assert figures["settlements_and_expansions"] >= 5
    assert Decimal(figures["investment_volume_eur"]) > 0
    assert figures["new_jobs"] > 0
    assert figures["fairs_with_joint_booth"] >= 5
    assert figures["exhibitors"] >= 30
    assert figures["first_time_exhibitors"] < figures["exhibitors"]  # some came back from an earlier edition
    assert figures["outbound_delegations"] >= 4
    assert figures["inbound_delegations"] >= 5
    assert figures["workshops"] >= 1


def test_nothing_of_the_running_year_has_happened_after_today(demo):
    from delegations.models import Delegation
    from fairs.models import BoothRegistration, JointBooth

    today = timezone.localdate()
    assert not InvestmentProject.objects.filter(production_start_date__gt=today).exists()
    assert not JointBooth.objects.filter(state="completed", fair__end_date__gte=today).exists()
    assert not Delegation.objects.filter(state="completed", end_date__gte=today).exists()
    assert not BoothRegistration.objects.filter(applied_at__date__gt=today).exists()
    assert not BoothRegistration.objects.filter(decided_at__date__gt=today).exists()


def test_no_fair_or_trip_in_russia_or_belarus_after_2022(demo):
    from delegations.models import Delegation
    from fairs.models import TradeFair

    assert not TradeFair.objects.filter(country__in=["RU", "BY"], start_date__year__gt=2022).exists()
    for delegation in Delegation.objects.filter(start_date__year__gt=2022):
        assert not {"RU", "BY"} & set(delegation.countries), delegation.title


# --- company users --------------------------------------------------------------------------------


def test_demo_organisations_have_company_users_two_of_them_matched_with_each_other(demo):
    from allauth.account.models import EmailAddress

    from companies.choices import RepresentationState, RepresentativeRole
    from companies.selectors import represented_organisations
    from matchmaking.selectors import matches_for
    from wfs_portal.demo import catalogue
    from wfs_portal.demo.representatives import PEOPLE, demo_users

    users = demo_users()
    assert [user.email for user in users] == [person.email for person in PEOPLE]
    organisations = {}
    for user in users:
        assert EmailAddress.objects.filter(user=user, email=user.email, verified=True, primary=True).exists()
        assert not user.has_usable_password()  # ensure_demo_superuser gives them one
        representation = user.representations.get()
        assert (representation.role, representation.state) == (
            RepresentativeRole.ADMINISTRATOR,
            RepresentationState.APPROVED,
        )
        organisations[user.email] = represented_organisations(user).get()
        # Their own contact record, consenting to introductions, so an accepted one shows them.
        contact = organisations[user.email].contacts.get(email=user.email)
        assert contact.consents.filter(purpose="matchmaking", withdrawn_at__isnull=True).exists()
    named = {row[0] for row in catalogue.NAMED_ORGANISATIONS}
    assert not named & {organisation.name for organisation in organisations.values()}
    assert len(set(organisations.values())) == len(users)

    first, second = (organisations[person.email] for person in PEOPLE if person.role == "match")
    assert matches_for(first).filter(partner=second).exists()
    assert matches_for(second).filter(partner=first).exists()
    institute = next(organisations[person.email] for person in PEOPLE if person.role == "institute")
    assert institute.kind == "research"


def test_ensure_demo_superuser_prints_new_passwords_for_the_company_users(demo, settings):
    import re

    from wfs_portal.demo.representatives import demo_users

    settings.DEBUG = True
    out = io.StringIO()
    call_command("ensure_demo_superuser", "--portal-url", "http://127.0.0.1:8000/accounts/login/", stdout=out)

    printed = dict(re.findall(r"^  (\S+@demo\.example)  password: (\S+)", out.getvalue(), re.MULTILINE))
    users = demo_users()
    assert set(printed) == {user.email for user in users}
    for user in users:
        user.refresh_from_db()
        assert user.check_password(printed[user.email])
    assert "http://127.0.0.1:8000/accounts/login/" in out.getvalue()
