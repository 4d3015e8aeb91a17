"""The reads of projects.selectors: which investment projects count as accompanied in a period and
the totals the yearly report shows."""

import datetime
from decimal import Decimal

import pytest

from projects import selectors
from projects.choices import FigureProvenance, InvestmentStage
from tests.factories import InvestmentProjectFactory

pytestmark = pytest.mark.django_db

PERIOD = {"start": datetime.date(2024, 1, 1), "end": datetime.date(2024, 12, 31)}


def _started(production_start_date: datetime.date, **kwargs):
    return InvestmentProjectFactory(
        production_started=True,
        decision_date=datetime.date(2023, 1, 1),
        production_start_date=production_start_date,
        **kwargs,
    )


# --- investment_projects_accompanied ---------------------------------------------------------


def test_accompanied_includes_both_ends_of_the_period():
    first = _started(datetime.date(2024, 1, 1))
    last = _started(datetime.date(2024, 12, 31))

    assert set(selectors.investment_projects_accompanied(**PERIOD)) == {first, last}


def test_accompanied_excludes_production_starts_outside_the_period():
    _started(datetime.date(2023, 12, 31))
    _started(datetime.date(2025, 1, 1))

    assert not selectors.investment_projects_accompanied(**PERIOD).exists()


@pytest.mark.parametrize(
    "stage",
    [
        stage
        for stage in InvestmentStage.values
        if stage not in (InvestmentStage.PRODUCTION_STARTED, InvestmentStage.LOST)
    ],
)
def test_accompanied_excludes_other_stages_even_with_a_planned_start_in_the_period(stage):
    InvestmentProjectFactory(stage=stage, production_start_date=datetime.date(2024, 6, 1))

    assert not selectors.investment_projects_accompanied(**PERIOD).exists()


def test_accompanied_excludes_lost_projects():
    InvestmentProjectFactory(
        stage=InvestmentStage.LOST, lost_reason="Standort in Polen", production_start_date=datetime.date(2024, 6, 1)
    )

    assert not selectors.investment_projects_accompanied(**PERIOD).exists()


# --- investment_totals -----------------------------------------------------------------------


def test_totals_split_confirmed_from_unconfirmed_volume():
    _started(datetime.date(2024, 3, 1), investment_volume_eur=Decimal("100.50"), figure_provenance="confirmed")
    _started(datetime.date(2024, 4, 1), investment_volume_eur=Decimal("20.25"), figure_provenance="announced")
    _started(datetime.date(2024, 5, 1), investment_volume_eur=Decimal("3.00"), figure_provenance="estimated")

    totals = selectors.investment_totals(**PERIOD)

    assert totals["investment_volume_eur"] == Decimal("100.50")
    assert totals["investment_volume_unconfirmed_eur"] == Decimal("23.25")


def test_totals_count_projects_and_jobs():
    _started(datetime.date(2024, 3, 1), new_jobs=120, secured_jobs=30)
    _started(datetime.date(2024, 4, 1), new_jobs=5, secured_jobs=0)
    InvestmentProjectFactory(stage=InvestmentStage.PERMITS, new_jobs=1000, secured_jobs=1000)

    totals = selectors.investment_totals(**PERIOD)

    assert (totals["projects"], totals["new_jobs"], totals["secured_jobs"]) == (2, 125, 30)


def test_totals_treat_an_unknown_volume_as_nothing():
    _started(datetime.date(2024, 3, 1), investment_volume_eur=None, figure_provenance=FigureProvenance.CONFIRMED)
    _started(datetime.date(2024, 4, 1), investment_volume_eur=Decimal("7.00"))

    assert selectors.investment_totals(**PERIOD)["investment_volume_eur"] == Decimal("7.00")


def test_totals_of_an_empty_period_are_zero():
    _started(datetime.date(2025, 1, 1))

    assert selectors.investment_totals(**PERIOD) == {
        "projects": 0,
        "investment_volume_eur": Decimal("0"),
        "investment_volume_unconfirmed_eur": Decimal("0"),
        "new_jobs": 0,
        "secured_jobs": 0,
    }
