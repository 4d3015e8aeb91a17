"""The projects app's partner API: workshops and investment projects (generic checks in tests/api.py)
and what is special about them: which records are public, confidential investors and personal data
never shown, filters, and the year's investment figures."""

import datetime
import itertools
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from projects.choices import FigureProvenance, InvestmentKind, InvestmentStage, WorkshopState
from projects.models import InvestmentProject, Workshop, WorkshopParticipant, WorkshopSession
from projects.selectors import PUBLIC_INVESTMENT_STAGES, PUBLIC_WORKSHOP_STATES
from tests.api import ReadOnlyResourceTests, ids, key_client
from tests.factories import (
    ContactFactory,
    InvestmentMilestoneFactory,
    InvestmentProjectFactory,
    OrganisationFactory,
    SectorFactory,
    TechnologyFieldFactory,
    UserFactory,
    WorkshopFactory,
    WorkshopParticipantFactory,
    WorkshopSessionFactory,
)

pytestmark = pytest.mark.django_db

EVENTS = "events:read"
INVESTMENTS = "investments:read"


def full_workshop(**kwargs) -> Workshop:
    """A workshop with everything the API nests or counts, and personal data it must not show."""
    workshop = WorkshopFactory(lead=UserFactory(first_name="Leitende", last_name="Werkstattleiterin"), **kwargs)
    workshop.sectors.set([SectorFactory(code="86.10")])
    workshop.technology_fields.set([TechnologyFieldFactory(slug="logistik")])
    WorkshopSessionFactory(workshop=workshop, host=OrganisationFactory(name="BIO CITY LEIPZIG"))
    participant = OrganisationFactory(name="Teilnehmende Kühllogistik GmbH")
    contact = ContactFactory(
        organisation=participant, first_name="Privata", last_name="Teilnehmerin", email="privata@teilnehmer.example"
    )
    WorkshopParticipantFactory(workshop=workshop, organisation=participant, contact=contact)
    return workshop


def full_project(**kwargs) -> InvestmentProject:
    project = InvestmentProjectFactory(**kwargs)
    project.sectors.set([SectorFactory(code="26.60")])
    InvestmentMilestoneFactory(project=project)
    return project


def lost_project(**kwargs) -> InvestmentProject:
    return InvestmentProjectFactory(stage=InvestmentStage.LOST, lost_reason="Standort in Polen gewählt.", **kwargs)


class TestWorkshops(ReadOnlyResourceTests):
    basename = "workshop"
    scope = EVENTS
    other_scope = "directory:read"

    def visible(self, n=1):
        states = itertools.cycle(PUBLIC_WORKSHOP_STATES)
        return [full_workshop(state=next(states)) for _ in range(n)]

    def hidden(self):
        return [full_workshop(state=WorkshopState.CANCELLED)]


class TestInvestmentProjects(ReadOnlyResourceTests):
    basename = "investment-project"
    scope = INVESTMENTS

    def visible(self, n=1):
        stages = itertools.cycle(PUBLIC_INVESTMENT_STAGES)
        projects = []
        for i in range(n):
            stage = next(stages)
            dates = {}
            if stage == InvestmentStage.PRODUCTION_STARTED:
                dates = {"decision_date": datetime.date(2023, 6, 1), "production_start_date": datetime.date(2024, 5, 1)}
            projects.append(full_project(stage=stage, is_confidential=i % 2 == 1, **dates))
        return projects

    def hidden(self):
        return [lost_project()]


# --- workshops ----------------------------------------------------------------------------------------


def test_a_workshop_shows_its_sessions_classification_and_current_participants():
    workshop = full_workshop()
    WorkshopParticipantFactory(workshop=workshop, left=datetime.date(2024, 6, 1))  # left: not counted
    data = key_client(EVENTS).get(reverse("v1:workshop-detail", args=[workshop.pk])).json()

    assert data["participant_count"] == 1
    assert [s["host_name"] for s in data["sessions"]] == ["BIO CITY LEIPZIG"]
    assert data["first_session_at"] == data["sessions"][0]["starts_at"]
    assert data["sectors"][0]["code"] == "86.10"
    assert data["technology_fields"][0]["slug"] == "logistik"


def test_a_workshop_never_shows_participants_contact_persons_staff_or_minutes():
    workshop = full_workshop()
    workshop.sessions.update(minutes="Protokoll: Frau Vertraulich berichtete über Lieferengpässe.")
    participation = workshop.participations.get()
    text = key_client(EVENTS).get(reverse("v1:workshop-list")).content.decode()

    for secret in (
        participation.organisation.name,
        participation.contact.last_name,
        participation.contact.email,
        workshop.lead.last_name,
        workshop.lead.email,
        "Vertraulich",
    ):
        assert secret not in text


def test_workshops_filter_by_state_sector_field_session_date_and_text():
    planned = full_workshop(state=WorkshopState.PLANNED, title_de="Projektwerkstatt Pflegerobotik")
    completed = WorkshopFactory(state=WorkshopState.COMPLETED)
    completed.sectors.set([SectorFactory(code="62.01")])
    completed.technology_fields.set([TechnologyFieldFactory(slug="ikt")])
    WorkshopSessionFactory(workshop=completed, starts_at=timezone.make_aware(datetime.datetime(2018, 3, 14, 10)))
    client, url = key_client(EVENTS), reverse("v1:workshop-list")

    assert ids(client.get(url, {"state": "completed"})) == {completed.pk}
    assert ids(client.get(url, {"sector": "Q"})) == {planned.pk}  # a section includes its classes
    assert ids(client.get(url, {"technology_field": "ikt"})) == {completed.pk}
    assert ids(client.get(url, {"session_until": "2018-12-31"})) == {completed.pk}
    assert ids(client.get(url, {"session_from": "2019-01-01"})) == {planned.pk}
    assert ids(client.get(url, {"q": "pflegerobotik"})) == {planned.pk}
    assert client.get(url, {"state": "cancelled"}).status_code == 400


def test_workshops_order_by_their_first_session():
    later, earlier = WorkshopFactory(), WorkshopFactory()
    WorkshopSessionFactory(workshop=later, starts_at=timezone.make_aware(datetime.datetime(2026, 5, 1, 10)))
    WorkshopSessionFactory(workshop=earlier, starts_at=timezone.make_aware(datetime.datetime(2025, 5, 1, 10)))
    client, url = key_client(EVENTS), reverse("v1:workshop-list")
    for ordering, expected in (
        ("first_session_at", [earlier.pk, later.pk]),
        ("-first_session_at", [later.pk, earlier.pk]),
    ):
        assert [row["id"] for row in client.get(url, {"ordering": ordering}).json()["results"]] == expected


def test_filtering_across_relations_does_not_multiply_the_participant_count():
    workshop = full_workshop()
    workshop.sectors.add(SectorFactory(code="86.10"), SectorFactory(code="72.19"))
    WorkshopSessionFactory(workshop=workshop)
    response = key_client(EVENTS).get(reverse("v1:workshop-list"), {"sector": "Q", "session_from": "2000-01-01"})
    assert [row["participant_count"] for row in response.json()["results"]] == [1]


def test_a_changed_session_brings_its_workshop_into_updated_since():
    changed, unchanged = full_workshop(), full_workshop()
    past, moment = timezone.now() - datetime.timedelta(days=2), timezone.now()
    for model in (Workshop, WorkshopSession, WorkshopParticipant):
        model.objects.update(updated=past)
    session = changed.sessions.get()
    session.place = "Chemnitz"
    session.save()

    found = ids(key_client(EVENTS).get(reverse("v1:workshop-list"), {"updated_since": moment.isoformat()}))
    assert found == {changed.pk}
    assert unchanged.pk not in found


# --- investment projects ----------------------------------------------------------------------------------


@pytest.fixture
def confidential():
    investor = OrganisationFactory(
        abroad=True,
        name="Geheimwerk Semiconductor Corp.",
        country="TW",
        city="Hsinchu",
        website="https://geheimwerk.example.tw",
    )
    return full_project(
        code_name="Projekt Nordlicht",
        is_confidential=True,
        investor=investor,
        title="Fab extension",
        notes="Rückruf bei Herrn Lee.",
    )


def test_a_confidential_projects_code_name_and_investor_never_appear_in_list_or_detail(confidential):
    client = key_client(INVESTMENTS)
    for url in (reverse("v1:investment-project-list"), reverse("v1:investment-project-detail", args=[confidential.pk])):
        response = client.get(url)
        assert response.status_code == 200
        text = response.content.decode()
        for secret in ("Nordlicht", "Geheimwerk", "Hsinchu", "geheimwerk.example", '"TW"'):
            assert secret not in text, (url, secret)
    detail = client.get(reverse("v1:investment-project-detail", args=[confidential.pk])).json()
    assert detail["is_confidential"] is True
    assert detail["investor"] is None
    assert detail["title"] == "Fab extension"


def test_a_search_or_ordering_cannot_probe_a_confidential_investor(confidential):
    other = full_project(is_confidential=True, investor=OrganisationFactory(abroad=True, name="Aaa Alpha Ltd."))
    client, url = key_client(INVESTMENTS), reverse("v1:investment-project-list")

    assert ids(client.get(url, {"q": "Geheimwerk"})) == set()
    assert ids(client.get(url, {"q": "Nordlicht"})) == set()
    # Ordering by the investor or the code name is ignored: the rows keep their default order.
    default = [row["id"] for row in client.get(url).json()["results"]]
    for ordering in ("investor__name", "-investor__name", "code_name", "-code_name"):
        assert [row["id"] for row in client.get(url, {"ordering": ordering}).json()["results"]] == default
    assert set(default) == {confidential.pk, other.pk}


def test_a_public_investor_is_named_but_never_the_code_name():
    project = full_project(code_name="Projekt Südwind", investor=OrganisationFactory(abroad=True, name="Open Inc."))
    data = key_client(INVESTMENTS).get(reverse("v1:investment-project-detail", args=[project.pk])).json()
    assert data["investor"] == {"name": "Open Inc.", "country": "US"}
    assert "Südwind" not in json.dumps(data, ensure_ascii=False)
    assert "code_name" not in data


def test_investment_projects_never_show_personal_data_or_internal_notes():
    staff = UserFactory(first_name="Zuständige", last_name="Projektleiterin")
    partner = OrganisationFactory(name="Kammer Beispielstadt")
    project = full_project(responsible=staff, notes="Herr Notizmann, Tel. 0351 999")
    project.partner_organisations.set([partner])
    project.milestones.update(note="Besuch mit Frau Meilensteinperson")
    text = key_client(INVESTMENTS).get(reverse("v1:investment-project-list")).content.decode()

    for secret in (
        "Projektleiterin",
        staff.email,
        "Notizmann",
        "0351 999",
        "Meilensteinperson",
        "Kammer Beispielstadt",
    ):
        assert secret not in text


def test_investment_projects_filter_by_kind_stage_district_sector_dates_and_text():
    started = full_project(
        production_started=True, kind=InvestmentKind.EXPANSION, site_district="zwickau", title="Neue Montagehalle"
    )
    lead = InvestmentProjectFactory(figure_provenance=FigureProvenance.ESTIMATED)
    lead.sectors.set([SectorFactory(code="62.01")])
    client, url = key_client(INVESTMENTS), reverse("v1:investment-project-list")

    assert ids(client.get(url, {"kind": "expansion"})) == {started.pk}
    assert ids(client.get(url, {"stage": ["lead", "negotiation"]})) == {lead.pk}
    assert ids(client.get(url, {"district": "zwickau"})) == {started.pk}
    assert ids(client.get(url, {"sector": "C"})) == {started.pk}
    assert ids(client.get(url, {"figure_provenance": "estimated"})) == {lead.pk}
    assert ids(client.get(url, {"production_start_from": "2024-01-01", "production_start_until": "2024-12-31"})) == {
        started.pk
    }
    assert ids(client.get(url, {"q": "montagehalle"})) == {started.pk}
    assert client.get(url, {"stage": "lost"}).status_code == 400


def test_a_new_milestone_brings_its_project_into_updated_since():
    changed, unchanged = full_project(), full_project()
    moment = timezone.now()
    InvestmentProject.objects.update(updated=moment - datetime.timedelta(days=2))
    unchanged.milestones.update(updated=moment - datetime.timedelta(days=2))
    changed.milestones.update(updated=moment - datetime.timedelta(days=2))
    InvestmentMilestoneFactory(project=changed)

    found = ids(
        key_client(INVESTMENTS).get(reverse("v1:investment-project-list"), {"updated_since": moment.isoformat()})
    )
    assert found == {changed.pk}


# --- the year's figures -----------------------------------------------------------------------------------


def summary_url() -> str:
    return reverse("v1:investment-project-summary")


def started(day: datetime.date, **kwargs) -> InvestmentProject:
    return InvestmentProjectFactory(
        stage=InvestmentStage.PRODUCTION_STARTED,
        decision_date=day.replace(month=1, day=1),
        production_start_date=day,
        **kwargs,
    )


def test_the_summary_sums_the_projects_whose_production_started_in_the_year():
    started(datetime.date(2024, 3, 1), investment_volume_eur=Decimal("1000000.00"), new_jobs=50, secured_jobs=0)
    started(
        datetime.date(2024, 12, 31),
        is_confidential=True,
        investment_volume_eur=Decimal("2500000.50"),
        figure_provenance=FigureProvenance.ESTIMATED,
        new_jobs=10,
        secured_jobs=20,
    )
    started(
        datetime.date(2024, 7, 1),
        investment_volume_eur=Decimal("400000.00"),
        figure_provenance=FigureProvenance.ANNOUNCED,
        new_jobs=0,
        secured_jobs=300,
    )
    started(datetime.date(2024, 8, 1), investment_volume_eur=None, new_jobs=3, secured_jobs=0)
    # Not counted: production started in another year; still open; lost.
    started(datetime.date(2023, 12, 31), investment_volume_eur=Decimal("9000000.00"), new_jobs=900)
    InvestmentProjectFactory(stage=InvestmentStage.PERMITS, production_start_date=datetime.date(2024, 9, 1))
    lost_project(production_start_date=datetime.date(2024, 9, 1))

    response = key_client(INVESTMENTS).get(summary_url(), {"year": 2024})

    assert response.status_code == 200
    assert response.json() == {
        "year": 2024,
        "projects": 4,
        "investment_volume_confirmed_eur": "1000000.00",
        "investment_volume_unconfirmed_eur": "2900000.50",
        "new_jobs": 63,
        "secured_jobs": 320,
    }


def test_the_summary_is_computed_in_one_query():
    started(datetime.date(2024, 3, 1))
    started(datetime.date(2024, 4, 1))
    client = key_client(INVESTMENTS)
    client.get(summary_url())  # the key's "last used" is written once a minute
    with CaptureQueriesContext(connection) as queries:
        assert client.get(summary_url(), {"year": 2024}).json()["projects"] == 2
    assert len([q for q in queries.captured_queries if "projects_investmentproject" in q["sql"]]) == 1


def test_the_summary_defaults_to_the_current_year():
    this_year = timezone.localdate().replace(month=1, day=1)
    started(this_year, new_jobs=7)
    started(this_year.replace(year=this_year.year - 1), new_jobs=100)
    data = key_client(INVESTMENTS).get(summary_url()).json()
    assert (data["year"], data["projects"], data["new_jobs"]) == (this_year.year, 1, 7)


def test_an_empty_year_is_all_zeros():
    data = key_client(INVESTMENTS).get(summary_url(), {"year": 1995}).json()
    assert data == {
        "year": 1995,
        "projects": 0,
        "investment_volume_confirmed_eur": "0.00",
        "investment_volume_unconfirmed_eur": "0.00",
        "new_jobs": 0,
        "secured_jobs": 0,
    }


@pytest.mark.parametrize("year", ["zwanzig", "2024.5", "1989", "10000", "-2024"])
def test_a_bad_year_is_a_400_naming_the_parameter(year):
    response = key_client(INVESTMENTS).get(summary_url(), {"year": year})
    assert response.status_code == 400
    assert list(response.json()) == ["year"]


def test_the_summary_needs_the_investments_scope():
    assert APIClient().get(summary_url()).status_code == 401
    response = key_client(EVENTS).get(summary_url())
    assert response.status_code == 403
    assert INVESTMENTS in response.json()["detail"]


# --- schema -------------------------------------------------------------------------------------------------


def test_the_schema_documents_both_resources_and_the_summary_and_no_confidential_field():
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    schema = json.loads(out.getvalue())
    for path in ("/api/v1/workshops/", "/api/v1/investment-projects/{id}/", "/api/v1/investment-projects/summary/"):
        assert path in schema["paths"]
    project = schema["components"]["schemas"]["InvestmentProject"]["properties"]
    assert not {"code_name", "notes", "lost_reason", "responsible", "partner_organisations"} & set(project)
    assert "400" in schema["paths"]["/api/v1/investment-projects/summary/"]["get"]["responses"]
