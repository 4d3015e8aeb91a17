"""The staff dashboard's year: it opens on the latest year with results and says plainly why a year
is empty, with a link to the latest one."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override

from delegations.choices import Direction
from projects.choices import InvestmentStage, WorkshopState
from reports.dashboard import latest_year_with_results
from tests.factories import (
    DelegationFactory,
    InvestmentProjectFactory,
    JointBoothFactory,
    TradeFairFactory,
    WorkshopSessionFactory,
)
from wfs_portal.choices import EventState

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TWO_YEARS_AGO = TODAY.year - 2


def accompanied(year: int, **kwargs):
    return InvestmentProjectFactory(
        stage=InvestmentStage.PRODUCTION_STARTED,
        first_contact_date=datetime.date(year - 2, 1, 10),
        decision_date=datetime.date(year - 1, 6, 1),
        production_start_date=datetime.date(year, 5, 15),
        **kwargs,
    )


def fair_with_booth(day: datetime.date, **kwargs):
    return JointBoothFactory(fair=TradeFairFactory(start_date=day), **kwargs)


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=timezone.get_default_timezone())


# --- which year has results -----------------------------------------------------------------------


def test_no_records_no_year():
    assert latest_year_with_results(until=TODAY) is None


@pytest.mark.parametrize(
    "make",
    [
        lambda year: accompanied(year),
        lambda year: fair_with_booth(datetime.date(year, 3, 1)),
        lambda year: DelegationFactory(start_date=datetime.date(year, 4, 1), state=EventState.COMPLETED),
        lambda year: DelegationFactory(
            direction=Direction.INBOUND, start_date=datetime.date(year, 4, 1), state=EventState.COMPLETED
        ),
        lambda year: WorkshopSessionFactory(starts_at=at(datetime.date(year, 9, 1))),
    ],
    ids=["investment", "fair", "outbound", "inbound", "workshop"],
)
def test_each_kind_of_result_makes_a_year(make):
    make(TWO_YEARS_AGO)
    assert latest_year_with_results(until=TODAY) == TWO_YEARS_AGO


def test_what_is_not_a_result_does_not_make_a_year():
    accompanied(TWO_YEARS_AGO)
    # The pipeline, a fair without a joint booth, a cancelled booth, trip or workshop, and anything
    # after the day asked about.
    InvestmentProjectFactory(first_contact_date=datetime.date(TODAY.year, 1, 5))
    TradeFairFactory(start_date=datetime.date(TODAY.year, 1, 5))
    fair_with_booth(datetime.date(TODAY.year, 1, 6), state=EventState.CANCELLED)
    DelegationFactory(start_date=datetime.date(TODAY.year, 1, 7), state=EventState.CANCELLED)
    WorkshopSessionFactory(starts_at=at(datetime.date(TODAY.year, 1, 8)), workshop__state=WorkshopState.CANCELLED)
    WorkshopSessionFactory(starts_at=at(TODAY + datetime.timedelta(days=400)))

    assert latest_year_with_results(until=TODAY) == TWO_YEARS_AGO


# --- the page -------------------------------------------------------------------------------------


def test_it_opens_on_the_latest_year_with_results(staff_client):
    accompanied(TWO_YEARS_AGO)

    response = staff_client.get(reverse("dashboard"))

    assert response.context["year"] == TWO_YEARS_AGO
    assert response.context["opened_on_latest"] is True
    assert not response.context["empty"]
    rows = {row["key"]: row for row in response.context["rows"]}
    assert rows["settlements_and_expansions"]["now"] == 1
    # Said on the page, with the year as a year (no thousands separator).
    assert f'<option value="{TWO_YEARS_AGO}" selected>' in response.content.decode()
    assert "dashboard-note" in response.content.decode()


def test_the_running_year_is_shown_when_it_has_results(staff_client):
    accompanied(TWO_YEARS_AGO)
    DelegationFactory(start_date=TODAY, state=EventState.COMPLETED)

    response = staff_client.get(reverse("dashboard"))

    assert response.context["year"] == TODAY.year
    assert response.context["opened_on_latest"] is False
    assert "dashboard-note" not in response.content.decode()


def test_an_empty_year_says_so_and_links_to_the_latest_year(staff_client):
    accompanied(TWO_YEARS_AGO)

    response = staff_client.get(reverse("dashboard"), {"year": TWO_YEARS_AGO - 3})

    assert response.context["year"] == TWO_YEARS_AGO - 3
    assert response.context["empty"] is True
    assert response.context["opened_on_latest"] is False
    html = response.content.decode()
    assert "dashboard-empty" in html
    assert f'href="{reverse("dashboard")}?year={TWO_YEARS_AGO}"' in html


def test_without_any_results_the_running_year_is_shown_and_explained(staff_client):
    response = staff_client.get(reverse("dashboard"))

    assert response.context["year"] == TODAY.year
    assert response.context["empty"] is True
    assert response.context["latest_year"] is None
    html = response.content.decode()
    assert "dashboard-empty" in html
    assert "?year=" not in html


def test_an_unreadable_year_falls_back_to_the_latest_with_results(staff_client):
    accompanied(TWO_YEARS_AGO)

    assert staff_client.get(reverse("dashboard"), {"year": "zwanzig"}).context["year"] == TWO_YEARS_AGO


def test_the_column_titles_name_the_day_in_the_language_of_the_page(staff_client):
    DelegationFactory(start_date=datetime.date(TODAY.year, 1, 1), state=EventState.COMPLETED)

    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = staff_client.get(reverse("dashboard"))

    with override("en"):
        day = date_format(TODAY, "MONTH_DAY_FORMAT")
    if (TODAY.month, TODAY.day) == (12, 31):
        assert response.context["columns"][0] == str(TODAY.year)
    else:
        assert response.context["columns"][0] == f"{TODAY.year} (to {day})"
        assert f'data-label="{TODAY.year} (to {day})"' in response.content.decode()
    assert response.context["columns"][2] == "change"
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    german = staff_client.get(reverse("dashboard")).context["columns"][0]
    with override("de"):
        tag = date_format(TODAY, "MONTH_DAY_FORMAT")
    assert german == (str(TODAY.year) if (TODAY.month, TODAY.day) == (12, 31) else f"{TODAY.year} (bis {tag})")
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    full = staff_client.get(reverse("dashboard"), {"year": TODAY.year - 1}).context["columns"]
    assert full[:2] == [str(TODAY.year - 1), str(TODAY.year - 2)]
