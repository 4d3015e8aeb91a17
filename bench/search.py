"""Benchmark of the marketplace's search at 50,000 published profiles on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/search.py
        [--profiles 50000] [--requests 300] [--seed 1]

Creates a scratch database on the server of DATABASE_URL (migrated, dropped at the end; the pattern of
bench/api.py), seeds verified organisations with published profiles (German or English titles, keywords and
summaries from a vocabulary of the agency's fields, technology fields, NACE classes; bulk_create), stores a
random unit vector in the embedding cache for each profile's texts (as a match generation leaves them; the query
itself is embedded with the real encoder), commits and vacuums. Then sends two-word queries with one or two
filters (type, technology field, kind, district, language) through the full Django stack to the portal's
marketplace list (``django.test.Client``, a logged-in company user: middleware, the FilterSet with the search,
the paginator's count and page, the template) and, separately, times the search function alone
(``companies.search.profile_search_ids`` on the filtered queryset). Prints one JSON object (see
bench/README.md)."""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wfs_portal.settings")

from bench.api import ENGLISH, WORDS, ScratchDatabase, log  # noqa: E402

GERMAN_TOPICS = (
    *("Kühlkette", "Laborproben", "Robotik", "Greifer", "Sensorik", "Medizintechnik", "Leichtbau", "Batterie"),
    *("Wasserstoff", "Prüfstand", "Diagnostik", "Halbleiter", "Photonik", "Textil", "Logistik", "Software"),
)
TWO_WORD_QUERIES = (
    *("Kühlkette Laborproben", "Robotik Greifer", "Sensorik Medizintechnik", "Leichtbau Fahrzeug"),
    *("Wasserstoff Prüfstand", "Batterie Recycling", "Halbleiter Fertigung", "Diagnostik Labor"),
    *("cold chain", "robotics gripper", "medical sensors", "hydrogen test"),
    *("Robtik Greifer", "Sensorick Pumpe", "Photonik Laser", "software analytics"),
)


def percentile(values: list[float], q: int) -> float:
    return round(statistics.quantiles(values, n=100)[q - 1] * 1000, 2)


def seed(*, profiles: int, rng: random.Random) -> dict:
    import numpy as np
    from django.utils import timezone

    from companies.choices import OrganisationKind, ProfileState, ProfileType, VerificationState
    from companies.models.classifications import Sector, TechnologyField
    from companies.models.organisations import Organisation
    from companies.models.profiles import PartneringProfile
    from matchmaking import embedding
    from matchmaking.corpus_loading import profile_embedding_texts
    from matchmaking.models.generations import TextEmbedding
    from wfs_portal.choices import District

    now = timezone.now()
    valid = timezone.localdate() + datetime.timedelta(days=200)
    sectors = list(Sector.objects.filter(level=Sector.Level.CLASS).values_list("pk", flat=True))
    fields = list(TechnologyField.objects.filter(is_active=True).values_list("pk", "slug"))
    kinds = [OrganisationKind.COMPANY] * 6 + [OrganisationKind.RESEARCH, OrganisationKind.CLINIC]
    organisations = Organisation.objects.bulk_create(
        (
            Organisation(
                name=f"{rng.choice(WORDS)} {rng.choice(WORDS)} GmbH {n:05d}",
                kind=rng.choice(kinds),
                city=rng.choice(["Dresden", "Leipzig", "Chemnitz", "Freiberg"]),
                district=rng.choice(District.values),
                description_de=" ".join(rng.choices(WORDS, k=20)) + ".",
                verification_state=VerificationState.VERIFIED,
                verified_at=now,
            )
            for n in range(profiles // 2)
        ),
        batch_size=2000,
    )
    # Running text as a language has it: a few words very often, most rarely (Zipf), from a vocabulary of
    # 20,000 made-up words, around the profile's two topic words.
    syllables = ["ka", "ro", "mi", "te", "sen", "lo", "gis", "tik", "dia", "pro", "ben", "tra", "vel", "nor", "stu"]
    vocabulary = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(30000)})[:20000]
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    rows = []
    types = ProfileType.values
    for n in range(profiles):
        german = rng.random() < 0.6
        topic = rng.sample(GERMAN_TOPICS, 2) if german else rng.sample(ENGLISH, 2)
        filler = rng.choices(vocabulary, cum_weights=cumulative, k=rng.randint(30, 80))
        text = {
            "title": f"{topic[0]} und {topic[1]} {n}" if german else f"{topic[0]} and {topic[1]} {n}",
            "summary": " ".join([*filler, rng.choice(WORDS if german else ENGLISH)]) + ".",
            "keywords": ", ".join([*topic, *rng.sample(filler, 2)]),
        }
        lang, other = ("de", "en") if german else ("en", "de")
        rows.append(
            PartneringProfile(
                organisation=organisations[n % len(organisations)],
                type=rng.choice(types),
                **{f"{key}_{lang}": value for key, value in text.items()},
                **{f"{key}_{other}": "" for key in text},
                state=ProfileState.PUBLISHED,
                published_at=now,
                valid_until=valid,
                reference=f"WFS-BN-{n:05d}",
            )
        )
    created = PartneringProfile.objects.bulk_create(rows, batch_size=2000)
    through_fields, through_sectors = PartneringProfile.technology_fields.through, PartneringProfile.sectors.through
    through_fields.objects.bulk_create(
        (through_fields(partneringprofile_id=p.pk, technologyfield_id=rng.choice(fields)[0]) for p in created),
        batch_size=5000,
    )
    through_sectors.objects.bulk_create(
        (through_sectors(partneringprofile_id=p.pk, sector_id=rng.choice(sectors)) for p in created),
        batch_size=5000,
    )
    generator = np.random.default_rng(rng.randint(0, 2**31))
    vectors = []
    for profile in created:
        for text in profile_embedding_texts(profile):
            vector = generator.standard_normal(embedding.DIM).astype(np.float32)
            vector /= np.linalg.norm(vector)
            vectors.append(
                TextEmbedding(model=embedding.MODEL_NAME, text_hash=embedding.text_hash(text), vector=vector.tobytes())
            )
    TextEmbedding.objects.bulk_create(vectors, batch_size=2000, ignore_conflicts=True)
    return {"fields": [slug for _, slug in fields], "embeddings": len(vectors)}


def run(args) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from companies.search import profile_search_ids
    from marketplace.filtersets import MarketplaceProfileFilterSet
    from marketplace.selectors import marketplace_profiles
    from matchmaking import search_vectors
    from tests.factories import RepresentativeFactory
    from wfs_portal.choices import District

    if connection.vendor != "postgresql":
        raise SystemExit("The search benchmark needs PostgreSQL: set DATABASE_URL to a PostgreSQL server.")
    log("migrating the scratch database")
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(args.seed)
    report: dict = {"profiles": args.profiles, "requests": args.requests}
    started = time.perf_counter()
    log(f"seeding {args.profiles} published profiles")
    seeded = seed(profiles=args.profiles, rng=rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    report["seed_s"] = round(time.perf_counter() - started, 2)
    report["embeddings"] = seeded["embeddings"]

    started = time.perf_counter()
    search_vectors.nearest("profile", "Vorbereitung", limit=1)
    report["vectors_load_s"] = round(time.perf_counter() - started, 2)

    def filters() -> dict:
        choices = [
            ("type", rng.choice(["technology_offer", "technology_request", "business_offer", "rd_request"])),
            ("technology_field", rng.choice(seeded["fields"])),
            ("kind", rng.choice(["company", "research", "clinic"])),
            ("district", rng.choice(District.values)),
            ("language", rng.choice(["de", "en"])),
        ]
        chosen = dict(rng.sample(choices, rng.randint(1, 2)))
        return {"q": rng.choice(TWO_WORD_QUERIES), **chosen}

    requests = [filters() for _ in range(args.requests)]
    user = RepresentativeFactory(organisation__name="Benchmark GmbH").user
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(DEBUG=False, ALLOWED_HOSTS=hosts, SEARCH_VECTORS_REFRESH_SECONDS=10):
        client = Client()
        client.force_login(user)
        for params in requests[:10]:  # warm-up: the encoder, the templates
            assert client.get("/portal/marketplace/", params).status_code == 200
        page_times, search_times, counts = [], [], []
        for params in requests:
            t = time.perf_counter()
            response = client.get("/portal/marketplace/", params)
            page_times.append(time.perf_counter() - t)
            assert response.status_code == 200, response.content[:300]
            without_search = {k: v for k, v in params.items() if k != "q"}
            filtered = MarketplaceProfileFilterSet(without_search, marketplace_profiles())
            t = time.perf_counter()
            counts.append(len(profile_search_ids(filtered.qs, params["q"])))
            search_times.append(time.perf_counter() - t)
    report.update(
        page_p50_ms=percentile(page_times, 50),
        page_p95_ms=percentile(page_times, 95),
        page_max_ms=round(max(page_times) * 1000, 2),
        search_p50_ms=percentile(search_times, 50),
        search_p95_ms=percentile(search_times, 95),
        results_median=statistics.median(counts),
        target_p95_ms=100,
        database=connection.vendor,
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=50000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.profiles < 2 or args.requests < 20:
        parser.error("--profiles must be at least 2 and --requests at least 20")
    with ScratchDatabase():
        report = run(args)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
