"""The registry of headline KPIs: every KPI of the reports defined once, with its key, its label,
the kind of number it is, the area it belongs to and whether the staff dashboard shows it.

Whatever lists KPIs reads ``KPIS`` and lists them in its order: the computation (reports.kpis
returns exactly these keys), the exports (labels, number formats, one row per KPI), the partner
API (reports.api.serializers: one typed field per KPI), the admin's report page and the staff
dashboard (the KPIs marked ``dashboard``). How each KPI is computed is documented in reports.kpis.

A KPI of a newer schema that this code does not know is described by ``kpi_definition`` from its
key, so a report frozen by newer code still exports every figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reports.formats import DECIMAL_TYPES, ColumnType, guess_type


@dataclass(frozen=True)
class Area:
    """A group of KPIs and tables: one XLSX sheet, one PDF chapter."""

    key: str
    title: str | Promise


AREAS: dict[str, Area] = {
    area.key: area
    for area in (
        Area("investments", _("Investments")),
        Area("fairs", _("Trade fairs")),
        Area("delegations", _("Delegations")),
        Area("workshops", _("Project workshops")),
        Area("matchmaking", _("Matchmaking")),
        Area("brokerage", _("Brokerage events")),
        # Tables of a newer schema that this code does not know yet still get exported, here.
        Area("other", _("Other")),
    )
}


@dataclass(frozen=True)
class Kpi:
    """A headline figure (``figures["kpis"][key]``).

    ``type`` is the kind of number (reports.formats): ``int`` a count, ``eur`` an amount in euros
    and ``m2`` an area, both frozen as two-decimal strings. ``area`` is a key of ``AREAS``.
    ``dashboard``: the staff dashboard shows it. ``is_result``: a period in which it is not zero has
    results, something the agency reports on happened (reports.dashboard.has_results).
    """

    key: str
    label: str | Promise
    type: ColumnType
    area: str
    dashboard: bool = False
    is_result: bool = False

    @property
    def is_decimal(self) -> bool:
        """Frozen as a string with two decimals (JSON has no exact decimal number)."""
        return self.type in DECIMAL_TYPES


KPIS: dict[str, Kpi] = {
    kpi.key: kpi
    for kpi in (
        Kpi(
            "settlements_and_expansions",
            _("Settlements and expansions accompanied"),
            "int",
            "investments",
            dashboard=True,
            is_result=True,
        ),
        Kpi("investment_volume_eur", _("Investment volume (confirmed)"), "eur", "investments", dashboard=True),
        Kpi(
            "investment_volume_estimated_eur",
            _("Investment volume (announced or estimated)"),
            "eur",
            "investments",
        ),
        Kpi("new_jobs", _("New jobs"), "int", "investments", dashboard=True),
        Kpi("secured_jobs", _("Secured jobs"), "int", "investments", dashboard=True),
        Kpi(
            "pipeline_open_projects",
            _("Open projects in the pipeline at period end"),
            "int",
            "investments",
            dashboard=True,
        ),
        Kpi("site_offers_sent", _("Site offers sent"), "int", "investments"),
        Kpi(
            "fairs_with_joint_booth",
            _("Trade fairs with a joint booth"),
            "int",
            "fairs",
            dashboard=True,
            is_result=True,
        ),
        Kpi("exhibitors", _("Exhibitors on joint booths"), "int", "fairs", dashboard=True),
        Kpi("first_time_exhibitors", _("First-time exhibitors"), "int", "fairs", dashboard=True),
        Kpi("booked_area_m2", _("Booked booth area (m²)"), "m2", "fairs"),
        Kpi(
            "outbound_delegations",
            _("Outbound delegation trips"),
            "int",
            "delegations",
            dashboard=True,
            is_result=True,
        ),
        Kpi(
            "inbound_delegations",
            _("Inbound foreign delegations"),
            "int",
            "delegations",
            dashboard=True,
            is_result=True,
        ),
        Kpi("delegation_participants", _("Delegation participants"), "int", "delegations"),
        Kpi("workshops", _("Project workshops"), "int", "workshops", dashboard=True),
        Kpi("workshop_sessions", _("Workshop sessions"), "int", "workshops", is_result=True),
        Kpi("workshop_organisations", _("Organisations in project workshops"), "int", "workshops"),
        # The matchmaking KPIs are also the steps of the matchmaking funnel, in this order.
        Kpi("matches_computed", _("Partner matches computed"), "int", "matchmaking"),
        Kpi("matches_interesting", _("Matches marked as interesting"), "int", "matchmaking"),
        Kpi("introductions_requested", _("Introductions requested"), "int", "matchmaking", dashboard=True),
        Kpi("introductions_accepted", _("Introductions accepted"), "int", "matchmaking", dashboard=True),
        Kpi("brokerage_events", _("Brokerage events"), "int", "brokerage", dashboard=True, is_result=True),
        Kpi("brokerage_participants", _("Participants in brokerage events"), "int", "brokerage"),
        # From here on the steps of the brokerage funnel, in this order.
        Kpi("meeting_requests", _("Meeting requests"), "int", "brokerage"),
        Kpi("meeting_requests_accepted", _("Meeting requests accepted"), "int", "brokerage"),
        Kpi("meetings_scheduled", _("Meetings scheduled"), "int", "brokerage", dashboard=True),
        Kpi("meetings_realised", _("Meetings that took place"), "int", "brokerage", dashboard=True),
        Kpi("meetings_cooperation_possible", _("Meetings with a cooperation possible"), "int", "brokerage"),
        Kpi("partnership_agreements", _("Partnership agreements"), "int", "brokerage", dashboard=True, is_result=True),
    )
}


def kpis_of(area: str) -> tuple[Kpi, ...]:
    """The KPIs of one area, in the registry's order."""
    return tuple(kpi for kpi in KPIS.values() if kpi.area == area)


def dashboard_kpis() -> tuple[Kpi, ...]:
    """The KPIs the staff dashboard shows, in the registry's order."""
    return tuple(kpi for kpi in KPIS.values() if kpi.dashboard)


def is_decimal(key: str) -> bool:
    """Whether the KPI ``key`` is frozen as a two-decimal string; False for a KPI this code does not
    know."""
    kpi = KPIS.get(key)
    return kpi is not None and kpi.is_decimal


def kpi_label(key: str) -> str:
    """The headline figure's label; an unknown (newer) KPI shows its key."""
    kpi = KPIS.get(key)
    return str(kpi.label) if kpi else key


def kpi_definition(key: str, value: Any = None) -> Kpi:
    """The KPI's definition, or one guessed from its key's suffix for a KPI of a newer schema."""
    if key in KPIS:
        return KPIS[key]
    return Kpi(key, key, guess_type(key, value), "other")


def ordered_kpis(figures: Mapping[str, Any]) -> list[tuple[Kpi, Any]]:
    """The headline figures in the order of ``KPIS``, then unknown ones by key."""
    kpis = figures.get("kpis") or {}
    result = [(kpi, kpis[key]) for key, kpi in KPIS.items() if key in kpis]
    result += [(kpi_definition(key, kpis[key]), kpis[key]) for key in sorted(set(kpis) - set(KPIS))]
    return result
