"""Benchmark of the partner API's organisation list against a plain Django view of the same rows.

    .venv/bin/python bench/api.py [--orgs 20000] [--requests 400] [--page-size 50] [--scratch] [--profile N]

Seeds verified organisations (each with 1-3 NACE classes, 1-2 technology fields and 0-2 cluster memberships,
bulk_create) into the configured database (DATABASE_URL), then sends ``GET /api/v1/organisations/?page=<n>`` with
a partner key (directory:read) through the full Django stack (django.test.Client: middleware, authentication,
throttling, filtering, pagination, serializers, rendering, ETag) and, interleaved, the same pages to a baseline: a
plain Django view that builds the same JSON from ``.values()`` (routed by a urlconf defined here). Prints one JSON
object (see bench/README.md).

In the configured database everything the benchmark writes happens inside one transaction that is rolled back, so
the database is left as it was (on PostgreSQL index-only scans cannot read uncommitted rows, so the count query
takes about 10 ms instead of 1 for both). ``--scratch`` runs in a scratch database instead, created, migrated and
dropped here (a temporary SQLite file, or a new database on the PostgreSQL server of DATABASE_URL), where the seed
is committed and vacuumed as a live database would hold it: the figures in bench/README.md are measured so."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path; the project's packages are at the root.
sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wfs_portal.settings")

API_PATH = "/api/v1/organisations/"
BASELINE_PATH = "/bench/organisations/"
WORDS = (
    *("Sensorik", "Medizintechnik", "Logistik", "Robotik", "Automatisierung", "Werkstoffe", "Leichtbau"),
    *("Mikroelektronik", "Software", "Biotechnologie", "Diagnostik", "Kühlkette", "Analytik", "Photonik"),
    *("Wasserstoff", "Batterie", "Textil", "Maschinenbau", "Halbleiter", "Prüfstand", "Fertigung", "Beratung"),
    *("Forschung", "Entwicklung", "Systeme", "Lösungen", "Klinik", "Labor", "Anlagen", "Präzision"),
)
SUFFIXES = ("GmbH", "AG", "KG", "SE", "GmbH & Co. KG", "OHG", "e. K.")
ENGLISH = (
    *("sensors", "medical", "devices", "logistics", "robotics", "automation", "materials", "lightweight"),
    *("microelectronics", "software", "biotechnology", "diagnostics", "cold", "chain", "analytics"),
    *("photonics", "hydrogen", "batteries", "textiles", "machinery", "semiconductors"),
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the scratch database ------------------------------------------------------------------------------------


class ScratchDatabase:
    """A database that exists only for the run: a temporary SQLite file, or a new PostgreSQL database on the
    server of DATABASE_URL (the user needs CREATEDB). Sets DATABASE_URL before Django starts."""

    def __init__(self) -> None:
        self.url = os.environ.get("DATABASE_URL", "")
        self.directory: str | None = None
        self.postgres_name: str | None = None

    def __enter__(self) -> ScratchDatabase:
        if self.url.startswith(("postgres://", "postgresql://")):
            import psycopg

            self.postgres_name = f"wfs_bench_api_{os.getpid()}"
            with psycopg.connect(self._server_url(), autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{self.postgres_name}"')
            parts = urlsplit(self.url)
            os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{self.postgres_name}"))
        else:
            self.directory = tempfile.mkdtemp(prefix="wfs_bench_api_")
            os.environ["DATABASE_URL"] = f"sqlite:///{self.directory}/bench.sqlite3"
        log(f"scratch database {os.environ['DATABASE_URL']}")
        return self

    def _server_url(self) -> str:
        return urlunsplit(urlsplit(self.url)._replace(path="/postgres"))

    def __exit__(self, *exc) -> None:
        from django.db import connections

        connections.close_all()
        if self.postgres_name:
            import psycopg

            with psycopg.connect(self._server_url(), autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.postgres_name}" WITH (FORCE)')
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)
        os.environ["DATABASE_URL"] = self.url


# --- seeding -------------------------------------------------------------------------------------------------


def seed(*, orgs: int, rng: random.Random) -> dict:
    """Verified organisations with sectors, technology fields and cluster memberships (some ended), a partner
    network and its API key; bulk_create throughout (no history records, as an import would)."""
    from django.utils import timezone

    from companies.choices import ClusterRole, EmployeeBand, LegalForm, OrganisationKind, VerificationState
    from companies.models.api_keys import PartnerApiKey
    from companies.models.classifications import Sector, TechnologyField
    from companies.models.clusters import Cluster, ClusterMembership
    from companies.models.organisations import Organisation
    from wfs_portal.choices import District

    now = timezone.now()
    today = timezone.localdate()
    sectors = list(Sector.objects.filter(level=Sector.Level.CLASS).values_list("pk", flat=True))
    fields = list(TechnologyField.objects.filter(is_active=True).values_list("pk", flat=True))
    if not sectors or not fields:
        raise SystemExit("The database has no NACE classes or technology fields: run manage.py migrate.")
    clusters = Cluster.objects.bulk_create(
        Cluster(name=f"Benchmark-Netzwerk {n}", acronym=f"BN{n}", website=f"https://bn{n}.example.de")
        for n in range(25)
    )
    kinds = [OrganisationKind.COMPANY] * 8 + [OrganisationKind.RESEARCH, OrganisationKind.UNIVERSITY]
    districts = list(District.values)
    organisations = []
    for n in range(orgs):
        words = rng.sample(WORDS, 3)
        organisations.append(
            Organisation(
                name=f"{words[0]} {words[1]} {rng.choice(SUFFIXES)} {n:05d}",
                kind=rng.choice(kinds),
                legal_form=rng.choice(LegalForm.values[:6]),
                register_court="Amtsgericht Dresden",
                register_number=f"HRB {700000 + n}",
                website=f"https://firma{n}.bench.example",
                email=f"info@firma{n}.bench.example",
                phone=f"+49 351 {n:07d}",
                founded=rng.randint(1950, 2024),
                employee_band=rng.choice(EmployeeBand.values),
                street=f"{words[2]}straße {rng.randint(1, 200)}",
                postal_code=f"{rng.randint(1000, 9999):05d}",
                city=rng.choice(["Dresden", "Leipzig", "Chemnitz", "Freiberg", "Zwickau", "Görlitz"]),
                district=rng.choice(districts),
                country="DE",
                description_de=" ".join(rng.choices(WORDS, k=rng.randint(15, 40))) + ".",
                description_en=" ".join(rng.choices(ENGLISH, k=rng.randint(10, 30))) + ".",
                verification_state=VerificationState.VERIFIED,
                verified_at=now,
            )
        )
    organisations = Organisation.objects.bulk_create(organisations, batch_size=2000)
    sector_rows, field_rows, memberships = [], [], []
    for organisation in organisations:
        for sector in rng.sample(sectors, rng.randint(1, 3)):
            sector_rows.append(Organisation.sectors.through(organisation_id=organisation.pk, sector_id=sector))
        for field in rng.sample(fields, rng.randint(1, 2)):
            field_rows.append(
                Organisation.technology_fields.through(organisation_id=organisation.pk, technologyfield_id=field)
            )
        for cluster in rng.sample(clusters, rng.choice([0, 0, 1, 1, 1, 2])):
            since = datetime.date(rng.randint(2005, 2024), rng.randint(1, 12), 1)
            until = None
            if rng.random() < 0.1:  # a former member: not shown
                until = since + datetime.timedelta(days=rng.randint(0, (today - since).days - 1))
            memberships.append(
                ClusterMembership(
                    cluster=cluster,
                    organisation=organisation,
                    role=rng.choice(ClusterRole.values),
                    since=since,
                    until=until,
                )
            )
    Organisation.sectors.through.objects.bulk_create(sector_rows, batch_size=5000)
    Organisation.technology_fields.through.objects.bulk_create(field_rows, batch_size=5000)
    ClusterMembership.objects.bulk_create(memberships, batch_size=5000)

    partner = Organisation.objects.create(
        name="Benchmark Partnernetzwerk e. V.",
        kind=OrganisationKind.NETWORK,
        legal_form=LegalForm.EV,
        city="Dresden",
        verification_state=VerificationState.VERIFIED,
        verified_at=now,
    )
    # A limit far above the benchmark's request rate: throttling is measured (a cache read and write per
    # request), never triggered.
    api_key = PartnerApiKey(organisation=partner, name="benchmark", scopes=["directory:read"], throttle_rate="100000/s")
    raw_key = PartnerApiKey.objects.assign_key(api_key)
    api_key.save()
    return {
        "raw_key": raw_key,
        "sector_rows": len(sector_rows),
        "field_rows": len(field_rows),
        "memberships": len(memberships),
        "active_memberships": sum(1 for m in memberships if m.until is None),
    }


def analyze(*, vacuum: bool) -> None:
    """Fresh planner statistics for the seeded tables; after committed writes on PostgreSQL also VACUUM, which
    sets the visibility map that index-only scans need (as autovacuum would on a live database)."""
    from django.db import connection

    from companies.models.clusters import ClusterMembership
    from companies.models.organisations import Organisation

    tables = [
        Organisation._meta.db_table,
        Organisation.sectors.through._meta.db_table,
        Organisation.technology_fields.through._meta.db_table,
        ClusterMembership._meta.db_table,
    ]
    command = "VACUUM ANALYZE" if vacuum and connection.vendor == "postgresql" else "ANALYZE"
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(table)}")


# --- the baseline ----------------------------------------------------------------------------------------------


def _datetime(value) -> str | None:
    """As REST framework writes a date-time: ISO 8601 in the current time zone, UTC as Z."""
    from django.utils import timezone

    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _page_link(request, page: int | None) -> str | None:
    if page is None:
        return None
    query = request.GET.copy()
    if page == 1:
        query.pop("page", None)
    else:
        query["page"] = str(page)
    encoded = query.urlencode()
    return request.build_absolute_uri(request.path + (f"?{encoded}" if encoded else ""))


def baseline_organisations(request):
    """The directory page as a plain view: the same rows, fields, nesting and order as the API, from
    ``.values()`` (one query per relation, as the API's prefetches), without authentication, filters or
    serializers."""
    from django.db.models import Q
    from django.http import JsonResponse
    from django.utils import timezone

    from companies.api.serializers import DIRECTORY_COLUMNS
    from companies.choices import VerificationState
    from companies.models.clusters import ClusterMembership
    from companies.models.organisations import Organisation

    page_size = int(request.GET.get("page_size", 50))
    page = int(request.GET.get("page", 1))
    verified = Organisation.objects.filter(verification_state=VerificationState.VERIFIED).order_by("name", "pk")
    count = verified.count()
    start = (page - 1) * page_size
    rows = list(verified.values(*DIRECTORY_COLUMNS, "updated")[start : start + page_size])
    ids = [row["id"] for row in rows]

    sectors: dict[int, list] = {i: [] for i in ids}
    for link in (
        Organisation.sectors.through.objects.filter(organisation_id__in=ids)
        .order_by("sector__position")
        .values("organisation_id", "sector__code", "sector__name_de", "sector__name_en")
    ):
        sectors[link["organisation_id"]].append(
            {"code": link["sector__code"], "name_de": link["sector__name_de"], "name_en": link["sector__name_en"]}
        )
    fields: dict[int, list] = {i: [] for i in ids}
    for link in (
        Organisation.technology_fields.through.objects.filter(organisation_id__in=ids)
        .order_by("technologyfield__position", "technologyfield__name_de")
        .values("organisation_id", "technologyfield__slug", "technologyfield__name_de", "technologyfield__name_en")
    ):
        fields[link["organisation_id"]].append(
            {
                "slug": link["technologyfield__slug"],
                "name_de": link["technologyfield__name_de"],
                "name_en": link["technologyfield__name_en"],
            }
        )
    memberships: dict[int, list] = {i: [] for i in ids}
    today = timezone.localdate()
    for membership in (
        ClusterMembership.objects.filter(Q(until__isnull=True) | Q(until__gte=today), organisation_id__in=ids)
        .order_by("cluster__name", "organisation__name")
        .values("organisation_id", "cluster_id", "cluster__name", "role", "since")
    ):
        memberships[membership["organisation_id"]].append(
            {
                "cluster": membership["cluster_id"],
                "cluster_name": membership["cluster__name"],
                "role": membership["role"],
                "since": membership["since"].isoformat() if membership["since"] else None,
            }
        )

    results = []
    for row in rows:
        updated = row.pop("updated")
        row["country"] = str(row["country"])
        row["sectors"] = sectors[row["id"]]
        row["technology_fields"] = fields[row["id"]]
        row["cluster_memberships"] = memberships[row["id"]]
        row["updated"] = _datetime(updated)
        results.append(row)
    last = max(1, -(-count // page_size))
    body = {
        "count": count,
        "next": _page_link(request, page + 1 if page < last else None),
        "previous": _page_link(request, page - 1 if page > 1 else None),
        "results": results,
    }
    # As REST framework's JSONRenderer writes it: UTF-8, compact.
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})


def install_urlconf() -> str:
    """The project's URLs plus the baseline, as a urlconf module of its own."""
    from django.conf import settings
    from django.urls import include, path

    module = types.ModuleType("bench_api_urls")
    module.urlpatterns = [
        path(BASELINE_PATH.lstrip("/"), baseline_organisations),
        path("", include(settings.ROOT_URLCONF)),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


# --- measuring -------------------------------------------------------------------------------------------------


def same_content(api: dict, baseline: dict) -> bool:
    """Equal count and results; next/previous equal up to the path."""

    def link(url):
        return None if url is None else parse_qs(urlsplit(url).query)

    return (
        api["count"] == baseline["count"]
        and api["results"] == baseline["results"]
        and link(api["next"]) == link(baseline["next"])
        and link(api["previous"]) == link(baseline["previous"])
    )


def query_count(client, path: str, page: int, page_size: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"page": page, "page_size": page_size})
    assert response.status_code == 200, response.content[:300]
    return len(queries)


def run(args) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import override_settings

    if args.scratch:
        log("migrating the scratch database")
        call_command("migrate", verbosity=0, interactive=False)
    else:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise SystemExit(
                f"The {connection.vendor} database of DATABASE_URL is not migrated: run manage.py migrate, or "
                "bench/api.py --scratch."
            )
    rng = random.Random(args.seed)
    report: dict = {"orgs": args.orgs, "requests": args.requests, "page_size": args.page_size}
    urlconf = install_urlconf()
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    # The configured database: everything in one transaction, rolled back at the end. A scratch database is
    # dropped afterwards, so the seed is committed there and vacuumed: the rows as a live database holds them.
    writes = contextlib.nullcontext() if args.scratch else transaction.atomic()
    report["seed_committed"] = args.scratch
    with override_settings(ROOT_URLCONF=urlconf, DEBUG=False, ALLOWED_HOSTS=hosts), writes:
        started = time.perf_counter()
        log(f"seeding {args.orgs} organisations")
        seeded = seed(orgs=args.orgs, rng=rng)
        analyze(vacuum=args.scratch)
        report["seed_s"] = round(time.perf_counter() - started, 2)
        api = Client(headers={"Authorization": f"Api-Key {seeded['raw_key']}"})
        baseline = Client()

        # The key's "last used" is written once a minute: the first request writes it, before anything is counted.
        first = api.get(API_PATH, {"page_size": args.page_size})
        assert first.status_code == 200, first.content[:300]
        total = first.json()["count"]
        pages = max(1, -(-total // args.page_size))
        report["verified_organisations"] = total
        report["pages"] = pages

        checked = sorted({1, 2, min(200, pages), pages // 2 or 1, pages})
        for page in checked:
            a = api.get(API_PATH, {"page": page, "page_size": args.page_size})
            b = baseline.get(BASELINE_PATH, {"page": page, "page_size": args.page_size})
            if not same_content(a.json(), b.json()):
                raise SystemExit(f"page {page}: the baseline's JSON differs from the API's")
            if page == 1:
                report["api_page_bytes"], report["baseline_page_bytes"] = len(a.content), len(b.content)
        report["same_json_pages"] = checked

        deep = min(200, pages)
        api_queries = {p: query_count(api, API_PATH, p, args.page_size) for p in (1, deep)}
        baseline_queries = {p: query_count(baseline, BASELINE_PATH, p, args.page_size) for p in (1, deep)}
        report["api_queries"] = api_queries[1]
        report["baseline_queries"] = baseline_queries[1]
        report["queries_page"] = deep
        report["queries_same_on_page"] = (
            api_queries[1] == api_queries[deep] and baseline_queries[1] == baseline_queries[deep]
        )

        order = list(range(1, pages + 1))
        rng.shuffle(order)
        sequence = [order[i % pages] for i in range(args.requests)]
        for page in sequence[:20]:  # warm-up
            api.get(API_PATH, {"page": page, "page_size": args.page_size})
            baseline.get(BASELINE_PATH, {"page": page, "page_size": args.page_size})
        log(f"measuring {args.requests} requests each")
        api_times, baseline_times = measure(api, baseline, sequence, args.page_size)
        # The first page alone, where the database does least (no deep OFFSET to sort through): what is left is
        # mostly the cost of the stack and of building the JSON.
        first_api, first_baseline = measure(api, baseline, [1] * args.first_page_requests, args.page_size)

        api_median, baseline_median = statistics.median(api_times), statistics.median(baseline_times)
        report.update(
            api_median_ms=round(api_median * 1000, 2),
            api_p95_ms=round(statistics.quantiles(api_times, n=20)[-1] * 1000, 2),
            api_rps=round(len(api_times) / sum(api_times), 1),
            baseline_median_ms=round(baseline_median * 1000, 2),
            baseline_p95_ms=round(statistics.quantiles(baseline_times, n=20)[-1] * 1000, 2),
            baseline_rps=round(len(baseline_times) / sum(baseline_times), 1),
            ratio=round(api_median / baseline_median, 2),
            first_page_api_median_ms=round(statistics.median(first_api) * 1000, 2),
            first_page_baseline_median_ms=round(statistics.median(first_baseline) * 1000, 2),
            first_page_ratio=round(statistics.median(first_api) / statistics.median(first_baseline), 2),
            database=connection.vendor,
        )
        if args.profile:
            profile(api, sequence[: args.profile], args.page_size)
        if not args.scratch:
            transaction.set_rollback(True)
    return report


def measure(api, baseline, pages: list[int], page_size: int) -> tuple[list[float], list[float]]:
    """Seconds per request of the API and the baseline, the same pages, interleaved: who goes first alternates,
    so neither always finds the rows the other just read in the database's cache."""
    api_times: list[float] = []
    baseline_times: list[float] = []
    for i, page in enumerate(pages):
        pairs = [(api, API_PATH, api_times), (baseline, BASELINE_PATH, baseline_times)]
        for client, path, times in pairs if i % 2 == 0 else pairs[::-1]:
            started = time.perf_counter()
            response = client.get(path, {"page": page, "page_size": page_size})
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.content[:300]
    return api_times, baseline_times


def profile(client, pages: list[int], page_size: int) -> None:
    """Where an API request's time goes: cProfile over the given pages, cumulative, to stderr."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for page in pages:
        client.get(API_PATH, {"page": page, "page_size": page_size})
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(45)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=400, help="Measured requests to each of API and baseline.")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--first-page-requests", type=int, default=100, help="Requests of page 1 alone, each.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scratch", action="store_true", help="Run in a scratch database (created and dropped).")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="Profile N API requests (stderr).")
    args = parser.parse_args()
    if args.orgs < 1 or args.requests < 2 or args.first_page_requests < 2 or args.page_size < 1:
        parser.error("--orgs and --page-size must be positive, --requests and --first-page-requests at least 2")
    if args.scratch:
        with ScratchDatabase():
            report = run(args)
    else:
        report = run(args)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
