import datetime
import json
import random
import resource
import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from faker import Faker

from companies.choices import ProfileState, ProfileType, VerificationState
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from matchmaking import corpus_loading, embedding
from matchmaking.management.commands.bench_matching import require_scratch_database
from matchmaking.models.generations import MatchGeneration, TextEmbedding
from matchmaking.services import generations

TYPES = (
    ProfileType.TECHNOLOGY_OFFER,
    ProfileType.BUSINESS_OFFER,
    ProfileType.TECHNOLOGY_REQUEST,
    ProfileType.BUSINESS_REQUEST,
)


class Command(BaseCommand):
    help = (
        "Benchmark the preparation of a full recompute as its task runs it, from the database: the "
        "corpus read and built (organisations, profiles, the texts' vectors from the embedding cache, the "
        "lexical model), the engine and the pre-filter's thresholds, the snapshot stored, the chunks "
        "created. --create N first fills a scratch database with N verified organisations, about 1.6 "
        "profiles each in German, English or both, and every text's vector in the cache (random unit "
        "vectors: no model runs); then run it again without --create, in a fresh process, to measure. "
        "Prints prepare_s and peak_rss_mb (bench/prepare does both)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--create", type=int, metavar="N", help="Create N organisations first (and stop).")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, create, seed, **options):
        require_scratch_database(made_by="(bench/prepare makes one)")
        if create is not None:
            if create < 10:
                raise CommandError("--create must be at least 10.")
            started = time.perf_counter()
            profiles, texts = create_world(create, seed)
            report = {"orgs": create, "profiles": profiles, "texts": texts}
            report["create_s"] = round(time.perf_counter() - started, 1)
        else:
            generation = MatchGeneration.objects.create(parameters=generations.generation_parameters())
            started = time.perf_counter()
            generations._prepare(generation)
            generation.refresh_from_db()
            report = {"orgs": generation.organisations, "prepare_s": round(time.perf_counter() - started, 1)}
            report["chunks"] = generation.chunks_total
            report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
            corpus_loading.delete_generation_files(generation.pk)
            generation.delete()  # a generation left building would be resumed by the next start
        self.stdout.write(json.dumps(report))


def create_world(n: int, seed: int) -> tuple[int, int]:
    """N organisations with their profiles and every text's vector in the embedding cache, a batch
    at a time. Returns the numbers of profiles and of texts."""
    rng = random.Random(seed)
    vectors = np.random.default_rng(seed)
    german, english = Faker("de_DE"), Faker("en_GB")
    german.seed_instance(seed)
    english.seed_instance(seed)
    until = timezone.localdate() + datetime.timedelta(days=60)
    now = timezone.now()
    profile_count = text_count = 0
    for start in range(0, n, 2000):
        batch = []
        for i in range(start, min(n, start + 2000)):
            batch.append(
                Organisation(
                    name=f"Benchmark {i}",
                    kind="company",
                    city="Dresden",
                    verification_state=VerificationState.VERIFIED,
                    verified_at=now,
                    description_de=german.paragraph(nb_sentences=3) if rng.random() < 0.8 else "",
                    description_en=english.paragraph(nb_sentences=3) if rng.random() < 0.5 else "",
                )
            )
        organisations = Organisation.objects.bulk_create(batch)
        profiles = []
        for organisation in organisations:
            for _ in range(1 if rng.random() < 0.4 else 2):
                de = rng.random() < 0.7
                en = not de or rng.random() < 0.4
                profiles.append(
                    PartneringProfile(
                        organisation=organisation,
                        type=rng.choice(TYPES),
                        state=ProfileState.PUBLISHED,
                        published_at=now,
                        valid_until=until,
                        title_de=german.sentence(nb_words=6) if de else "",
                        summary_de=german.paragraph(nb_sentences=5) if de else "",
                        keywords_de=", ".join(german.words(4)) if de else "",
                        title_en=english.sentence(nb_words=6) if en else "",
                        summary_en=english.paragraph(nb_sentences=5) if en else "",
                        keywords_en=", ".join(english.words(4)) if en else "",
                    )
                )
        PartneringProfile.objects.bulk_create(profiles)
        texts = {t for p in profiles for t in corpus_loading.profile_embedding_texts(p)}
        texts |= {t for o in organisations for t in (o.description_de, o.description_en) if t}
        texts = sorted(texts)
        units = vectors.standard_normal((len(texts), embedding.DIM)).astype(np.float32)
        units /= np.linalg.norm(units, axis=1, keepdims=True)
        TextEmbedding.objects.bulk_create(
            [
                TextEmbedding(model=embedding.MODEL_NAME, text_hash=embedding.text_hash(t), vector=v.tobytes())
                for t, v in zip(texts, units, strict=True)
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        profile_count += len(profiles)
        text_count += len(texts)
    # The planner's statistics, as autovacuum keeps them in a database that lives (without them it
    # reads the embeddings' table by the wrong plan).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return profile_count, text_count
