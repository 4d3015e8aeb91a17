"""Benchmark of the annual KPI computation (reports.kpis.compute) on a large database.

    .venv/bin/python bench/reports.py [--projects 200000] [--registrations 20000] [--delegations 5000]
                                      [--year 2018] [--repeat 5] [--scratch]

Seeds, with bulk_create, investment projects spread over 2005-2026 (two thirds of them accompanied
until production started, with one or two NACE classes each, site-offer milestones), trade fairs
with joint booths and booth registrations, delegations with participants, workshops with sessions
and participants, match feedback and introduction requests. It seeds a hundredth of that first and
counts the queries of one computation, then the rest, and counts again: the two counts must be
equal (aggregation in SQL, not a query per record). Then it times ``compute`` for the year
(``--repeat`` runs; the first one is reported apart as the cold run). Prints one JSON object (see
bench/README.md).

``--scratch`` runs in a scratch database (a new PostgreSQL database on the server of
DATABASE_URL, or a temporary SQLite file), created, migrated and dropped here; without it the
configured database must be migrated and is written to inside a transaction that is rolled back.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wfs_portal.settings")

from bench.api import ScratchDatabase, log  # noqa: E402 - after the path is set
from wfs_portal.choices import District  # noqa: E402

YEARS = range(2005, 2027)
COUNTRIES = ("US", "CN", "JP", "FR", "GB", "IN", "VN", "AE", "BR", "PL", "CZ", "KR", "CH", "AT", "IT", "ES")


def day_in(year: int, rng: random.Random) -> datetime.date:
    return datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))


class Seeder:
    """Adds records in batches; ``grow(share)`` brings every kind of record to ``share`` of its target."""

    def __init__(self, *, projects: int, registrations: int, delegations: int, rng: random.Random) -> None:
        self.targets = {"projects": projects, "registrations": registrations, "delegations": delegations}
        self.done = {"projects": 0, "registrations": 0, "delegations": 0}
        self.rng = rng
        self.organisations: list[int] = []
        self.booths: list[tuple[int, int]] = []  # (booth id, fair id)
        self.taken: set[tuple[int, int]] = set()

    def grow(self, share: float) -> dict:
        from companies.models.classifications import Sector

        if not self.organisations:
            self.sectors = list(Sector.objects.filter(level=Sector.Level.CLASS).values_list("pk", flat=True))
        want = {name: int(target * share) for name, target in self.targets.items()}
        self._organisations(max(200, want["projects"] // 10))
        self._projects(want["projects"] - self.done["projects"])
        self._fairs_and_registrations(want["registrations"] - self.done["registrations"])
        self._delegations(want["delegations"] - self.done["delegations"])
        self._workshops_and_matchmaking(max(1, want["delegations"] // 25))
        for name in want:
            self.done[name] = max(self.done[name], want[name])
        return dict(self.done)

    def _organisations(self, n: int) -> None:
        from companies.models.organisations import Organisation

        start = len(self.organisations)
        rows = [
            Organisation(
                name=f"Bench Organisation {i}",
                kind="company" if i % 5 else "investor",
                city="Leipzig",
                country="DE" if i % 3 else self.rng.choice(COUNTRIES),
                district=self.rng.choice(District.values) if i % 3 else "",
                verification_state="verified",
                verified_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
            )
            for i in range(start, n)
        ]
        self.organisations += [o.pk for o in Organisation.objects.bulk_create(rows, batch_size=2000)]

    def _projects(self, n: int) -> None:
        from projects.models import InvestmentMilestone, InvestmentProject

        rng, offset = self.rng, self.done["projects"]
        through = InvestmentProject.sectors.through
        for batch_start in range(0, n, 5000):
            rows = []
            for i in range(offset + batch_start, offset + min(n, batch_start + 5000)):
                year = rng.choice(YEARS)
                started = rng.random() < 2 / 3
                production = day_in(year, rng) if started else None
                stage = "production_started" if started else rng.choice(("lead", "site_search", "negotiation", "lost"))
                rows.append(
                    InvestmentProject(
                        title="Werk",
                        code_name=f"Bench {i}",
                        investor_id=rng.choice(self.organisations),
                        kind=rng.choice(("new_settlement", "expansion", "retention")),
                        stage=stage,
                        lost_reason="anderswo" if stage == "lost" else "",
                        site_district=rng.choice(District.values),
                        investment_volume_eur=Decimal(rng.randrange(100_000, 50_000_000_00)) / 100,
                        figure_provenance=rng.choice(("confirmed", "confirmed", "estimated", "announced")),
                        new_jobs=rng.randrange(0, 300),
                        secured_jobs=rng.randrange(0, 500),
                        first_contact_date=day_in(max(YEARS[0], year - 2), rng),
                        decision_date=production - datetime.timedelta(days=200) if production else None,
                        production_start_date=production,
                        site_offers_sent=rng.randrange(0, 4),
                    )
                )
            created = InvestmentProject.objects.bulk_create(rows, batch_size=5000)
            links, milestones = [], []
            for project in created:
                for sector in rng.sample(self.sectors, rng.choice((1, 1, 2))):
                    links.append(through(investmentproject_id=project.pk, sector_id=sector))
                if project.site_offers_sent:
                    milestones.append(
                        InvestmentMilestone(
                            project_id=project.pk,
                            kind="site_offer",
                            date=project.first_contact_date + datetime.timedelta(days=30),
                        )
                    )
            through.objects.bulk_create(links, batch_size=10000)
            InvestmentMilestone.objects.bulk_create(milestones, batch_size=10000)

    def _fairs_and_registrations(self, n: int) -> None:
        from fairs.models import BoothRegistration, JointBooth, TradeFair

        rng = self.rng
        fairs_needed = max(1, n // 20)
        fairs = TradeFair.objects.bulk_create(
            [
                TradeFair(
                    name=f"Bench Fair {(len(self.booths) + i) % 60}",  # editions of 60 fairs
                    city="Dubai",
                    country=rng.choice(COUNTRIES),
                    # Every eighth day from 2005 on: spread over the years, never two on one day.
                    start_date=(
                        start := datetime.date(YEARS[0], 1, 1) + datetime.timedelta(days=8 * (len(self.booths) + i))
                    ),
                    end_date=start + datetime.timedelta(days=3),
                    programme_year=start.year,
                )
                for i in range(fairs_needed)
            ]
        )
        booths = JointBooth.objects.bulk_create(
            [
                JointBooth(
                    fair_id=fair.pk,
                    total_area_m2=Decimal("400.00"),
                    capacity=40,
                    fee_per_m2_with_construction=Decimal("250.00"),
                    fee_per_m2_without_construction=Decimal("150.00"),
                    registration_deadline=fair.start_date - datetime.timedelta(days=60),
                    state="completed",
                )
                for fair in fairs
            ]
        )
        self.booths += [(booth.pk, booth.fair_id) for booth in booths]
        rows = []
        while len(rows) < n:
            booth, _fair = rng.choice(self.booths)
            organisation = rng.choice(self.organisations)
            if (booth, organisation) in self.taken:
                continue
            self.taken.add((booth, organisation))
            rows.append(
                BoothRegistration(
                    booth_id=booth,
                    organisation_id=organisation,
                    requested_area_m2=Decimal(rng.randrange(6, 30)),
                    state=rng.choice(("confirmed", "confirmed", "confirmed", "withdrawn", "rejected")),
                )
            )
        BoothRegistration.objects.bulk_create(rows, batch_size=5000)

    def _delegations(self, n: int) -> None:
        from delegations.models import Delegation, DelegationParticipant

        rng = self.rng
        rows = []
        for _ in range(n):
            start = day_in(rng.choice(YEARS), rng)
            rows.append(
                Delegation(
                    direction=rng.choice(("outbound", "inbound")),
                    title="Bench-Reise",
                    countries=rng.sample(COUNTRIES, rng.choice((1, 1, 2))),
                    start_date=start,
                    end_date=start + datetime.timedelta(days=4),
                    state=rng.choice(("completed", "completed", "cancelled")),
                )
            )
        delegations = Delegation.objects.bulk_create(rows, batch_size=5000)
        participants = [
            DelegationParticipant(
                delegation_id=delegation.pk,
                organisation_id=rng.choice(self.organisations),
                state=rng.choice(("confirmed", "confirmed", "withdrawn")),
            )
            for delegation in delegations
            for _ in range(rng.randrange(1, 8))
        ]
        DelegationParticipant.objects.bulk_create(participants, batch_size=10000)

    def _workshops_and_matchmaking(self, n: int) -> None:
        from django.utils import timezone

        from matchmaking.models.introductions import ContactRequest
        from matchmaking.models.matches import MatchFeedback
        from projects.models import Workshop, WorkshopParticipant, WorkshopSession

        rng, tz = self.rng, timezone.get_default_timezone()
        workshops = Workshop.objects.bulk_create(
            [Workshop(title_de=f"Werkstatt {i}", topic="Logistik") for i in range(n)]
        )
        sessions, participants = [], []
        for workshop in workshops:
            year = rng.choice(YEARS)
            for _ in range(4):
                moment = datetime.datetime.combine(day_in(year, rng), datetime.time(10), tzinfo=tz)
                sessions.append(WorkshopSession(workshop_id=workshop.pk, starts_at=moment, place="Leipzig"))
            for organisation in rng.sample(self.organisations, 10):
                participants.append(
                    WorkshopParticipant(
                        workshop_id=workshop.pk, organisation_id=organisation, role="company", joined=day_in(year, rng)
                    )
                )
        WorkshopSession.objects.bulk_create(sessions)
        WorkshopParticipant.objects.bulk_create(participants)
        pairs = set()
        while len(pairs) < n * 20:
            a, b = rng.sample(self.organisations, 2)
            pairs.add((a, b))
        feedback = MatchFeedback.objects.bulk_create(
            [MatchFeedback(organisation_id=a, partner_id=b, verdict="interesting") for a, b in pairs], batch_size=5000
        )
        requests = ContactRequest.objects.bulk_create(
            [ContactRequest(requester_id=a, target_id=b, state="accepted") for a, b in pairs], batch_size=5000
        )
        # Spread their dates over the years (auto_now_add set them to now).
        for rows, model in ((feedback, MatchFeedback), (requests, ContactRequest)):
            for obj in rows:
                obj.created = datetime.datetime.combine(day_in(rng.choice(YEARS), rng), datetime.time(12), tzinfo=tz)
                if model is ContactRequest:
                    obj.decided_at = obj.created
            model.objects.bulk_update(rows, ["created", *(["decided_at"] if model is ContactRequest else [])], 5000)


def run(args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from reports import kpis
    from reports.periods import year_period

    if args.scratch:
        call_command("migrate", verbosity=0, interactive=False)
    start, end = year_period(args.year)
    seeder = Seeder(
        projects=args.projects,
        registrations=args.registrations,
        delegations=args.delegations,
        rng=random.Random(args.seed),
    )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            kpis.compute(start=start, end=end)
        return len(captured.captured_queries)

    def analyse() -> None:
        if connection.vendor == "postgresql" and args.scratch:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    outer = contextlib.nullcontext() if args.scratch else transaction.atomic()
    with outer:
        began = time.perf_counter()
        small = seeder.grow(0.01)
        analyse()
        queries_small = queries()
        full = seeder.grow(1.0)
        seed_s = time.perf_counter() - began
        analyse()
        log(f"seeded {full} in {seed_s:.1f} s")
        queries_full = queries()
        timings = []
        for _ in range(args.repeat + 1):
            began = time.perf_counter()
            figures = kpis.compute(start=start, end=end)
            timings.append(time.perf_counter() - began)
        if not args.scratch:
            transaction.set_rollback(True)
    return {
        "database": connection.vendor,
        "projects": full["projects"],
        "booth_registrations": full["registrations"],
        "delegations": full["delegations"],
        "year": args.year,
        "accompanied_in_year": figures["kpis"]["settlements_and_expansions"],
        "exhibitors_in_year": figures["kpis"]["exhibitors"],
        "queries_small": queries_small,
        "queries_full": queries_full,
        "small_seed": small,
        "cold_s": round(timings[0], 3),
        "median_s": round(statistics.median(timings[1:]), 3),
        "max_s": round(max(timings[1:]), 3),
        "seed_s": round(seed_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=200_000)
    parser.add_argument("--registrations", type=int, default=20_000)
    parser.add_argument("--delegations", type=int, default=5_000)
    parser.add_argument("--year", type=int, default=2018)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--scratch", action="store_true", help="run in a scratch database, dropped afterwards")
    args = parser.parse_args()
    with ScratchDatabase() if args.scratch else contextlib.nullcontext():
        result = run(args)
    print(json.dumps(result))
    if result["queries_small"] != result["queries_full"]:
        log("the number of queries grew with the records")
        sys.exit(1)


if __name__ == "__main__":
    main()
