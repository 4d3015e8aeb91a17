import json
import resource
import statistics
import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction

from companies.models.organisations import Organisation
from matchmaking import embedding
from matchmaking.engine import corpus as cm
from matchmaking.engine.arrays import top_k_grouped, unit_rows
from matchmaking.engine.engine import ChunkResult, Engine, incremental_update
from matchmaking.engine.lexical import LexicalModel
from matchmaking.engine.records import OrgRecord, ProfileRecord
from matchmaking.engine.vocabulary import DISTRICTS, FIELDS, KINDS, SIZE_BANDS
from matchmaking.management.bench_chunks import one_thread, run_chunks, worker_pool
from matchmaking.models.generations import MatchGeneration
from matchmaking.models.matches import Match
from matchmaking.services.engines import matching_params
from matchmaking.services.generations import _blocks, _map_rows
from matchmaking.services.incremental import update_lists
from matchmaking.services.writer import analyse_matches


class Command(BaseCommand):
    help = (
        "Benchmark the matching engine on synthetic organisations (random unit vectors of the model's "
        "dimension instead of embeddings). Prints end_to_end_s (wall-clock time from the start of the run "
        "until the generation is written, with --workers processes), recompute_s (the full top-k with all "
        "signals as the Celery chunks run it, summed over the chunks, without embedding and writes), "
        "kernel_s (the faster of two simple exact numpy top-k kernels on the same vectors, both reported: "
        "kernel_grouped_s, the blocked matrix product, the best 64-column groups by their maxima and "
        "argpartition within them; kernel_naive_s, the product with a full-width argpartition), their ratio, "
        "snapshot_s (storing the snapshot the worker processes load), "
        "write_s (the chunks writing their lists, summed), "
        "incremental_ms (median engine time of one organisation's incremental update), "
        "incremental_service_ms (the same update as the Celery task runs it on the written generation, "
        "rolled back), incremental_service_loaded_ms (the same with one BLAS thread while another process "
        "computes map chunks) and peak_rss_mb (the largest process). Writing needs a scratch database "
        "(bench/matching makes one)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, default=50000)
        parser.add_argument("--block", type=int, default=1024, help="Organisations per block (chunking).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--json", action="store_true", help="Print only the JSON object.")
        parser.add_argument("--no-kernel", action="store_true", help="Skip the bare-kernel baseline.")
        parser.add_argument("--no-write", action="store_true", help="Skip the database write.")
        parser.add_argument("--incremental-samples", type=int, default=21)
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Processes running the chunks in parallel, as Celery worker processes would (one BLAS "
            "thread each, their own database connection); recompute_s is still the sum over chunks.",
        )

    def say(self, message):
        if not self.quiet:
            self.stderr.write(message)

    def handle(
        self, *args, orgs, block, seed, json: bool, no_kernel, no_write, incremental_samples, workers, **options
    ):
        if orgs < 10:
            raise CommandError("--orgs must be at least 10.")
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        self.quiet = json
        # The worker processes are forked before the corpus exists, so that they hold what a Celery
        # worker process holds (the snapshot they load), not a copy of this process's memory.
        pool = worker_pool(workers)
        try:
            self.run(pool, orgs, block, seed, no_kernel, no_write, incremental_samples, workers)
        finally:
            if pool is not None:
                pool.shutdown()

    def run(self, pool, orgs, block, seed, no_kernel, no_write, incremental_samples, workers):
        params = matching_params()
        rng = np.random.default_rng(seed)
        dim = embedding.DIM
        self.say(f"generating {orgs} organisations (dim {dim})")
        corpus = synthetic_corpus(orgs, dim, rng)
        report = {"orgs": orgs, "dim": dim, "k": params.k, "block": block}

        generation_id = None
        if not no_write:
            require_scratch_database("Writing the generation", "(bench/matching makes one)", "; or run with --no-write")
            self.say("creating the organisations behind the keys")
            generation_id = create_organisations(corpus)

        started = time.perf_counter()
        engine = Engine(corpus, params, seed=seed)
        wants = np.flatnonzero(corpus.wants_list)
        thresholds = np.full(corpus.n, np.inf, dtype=np.float32)  # +inf: rows without a list
        thresholds[wants] = engine.thresholds(wants)
        prepare_s = time.perf_counter() - started
        blocks = _blocks(corpus.n, block)
        chunks = run_chunks(engine, thresholds, blocks, pool, generation_id, seed)
        if pool is not None:
            pool.shutdown()  # the workers' peak memory is counted once they have ended
        if generation_id is not None:
            analyse_matches()  # as the switch to a new generation does
        report["end_to_end_s"] = round(time.perf_counter() - started, 2)
        report["workers"] = workers
        self.say(f"map: {sum(chunks.map_s):.1f} s, reduce: {sum(chunks.reduce_s):.1f} s (summed over chunks)")
        report["prepare_s"] = round(prepare_s, 2)
        report["chunks"] = len(chunks.map_s) + len(chunks.reduce_s)
        report["recompute_s"] = round(prepare_s + sum(chunks.map_s) + sum(chunks.reduce_s), 2)
        report["snapshot_s"] = round(chunks.snapshot_s, 2)
        report["pairs_written"] = chunks.pairs
        if generation_id is not None:
            report["write_s"] = round(sum(chunks.write_s), 2)

        if not no_kernel:
            self.say("bare kernel")
            vectors = np.ascontiguousarray(corpus.offer)  # the engine reads them from its matrix Y
            # Which simple kernel is faster depends on the machine (where argpartition is slow, the
            # grouped one; where the product dominates, they are even): the engine is held against
            # the faster of the two.
            report["kernel_grouped_s"] = round(bare_kernel(vectors, params.k, block), 2)
            report["kernel_naive_s"] = round(naive_kernel(vectors, params.k, block), 2)
            report["kernel_s"] = min(report["kernel_grouped_s"], report["kernel_naive_s"])
            report["ratio"] = round(report["recompute_s"] / report["kernel_s"], 3)
            del vectors

        # Incremental: one organisation changed; its list, the lists it enters and leaves.
        kth, members_of = list_bounds(corpus, params.k, generation_id, chunks.results)
        timings = []
        for row in rng.choice(wants, size=min(incremental_samples, len(wants)), replace=False):
            members = members_of(int(row))
            t = time.perf_counter()
            own, leaves, enters = incremental_update(engine, int(row), kth, members)
            if len(leaves):
                engine.compute(leaves)
            timings.append((time.perf_counter() - t) * 1000)
        report["incremental_ms"] = round(statistics.median(timings), 1)
        report["incremental_ms_max"] = round(max(timings), 1)

        if generation_id is not None:
            self.say("incremental updates as the task runs them (rolled back afterwards)")
            samples = rng.choice(wants, size=min(incremental_samples, len(wants)), replace=False)
            service_ms = incremental_service(corpus, engine, generation_id, samples, rng)
            report["incremental_service_ms"] = round(statistics.median(service_ms), 1)
            report["incremental_service_ms_max"] = round(max(service_ms), 1)
            self.say("the same under load: one BLAS thread, the other worker process running map chunks")
            samples = rng.choice(wants, size=min(incremental_samples, len(wants)), replace=False)
            loaded_ms = incremental_service_loaded(corpus, engine, generation_id, thresholds, blocks, samples, rng)
            report["incremental_service_loaded_ms"] = round(statistics.median(loaded_ms), 1)
            report["incremental_service_loaded_ms_max"] = round(max(loaded_ms), 1)
        parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        report["peak_rss_parent_mb"] = round(parent, 1)
        if workers > 1:  # the processes that ran the chunks (not the one that kept the machine busy)
            report["peak_rss_worker_mb"] = round(chunks.worker_rss_mb, 1)
        report["peak_rss_mb"] = round(max(parent, chunks.worker_rss_mb if workers > 1 else 0), 1)
        self.stdout.write(_json(report))


def _json(data) -> str:
    return json.dumps(data)


def synthetic_corpus(n: int, dim: int, rng: np.random.Generator) -> cm.Corpus:
    """Organisations with random unit offer vectors, a request vector for 60 % of them (those first,
    as the database gives them: ``corpus.needs_first``), an offer profile each and a request
    profile for those with a request, random lexical vectors, technology fields, sectors, districts,
    sizes and kinds. The vectors are written straight into the corpus's arrays, a slice at a time,
    so that building it holds no second copy of them. Random vectors have no language gap to
    correct, so the texts are of no known language (a German share of 0.5): the cross-language
    correction is computed for every pair and scales all of them alike. (Random vectors with
    languages would be lifted across the languages without a gap to make up for, and the lists would
    fill with partners of the other language.)"""
    requests = int((rng.random(n) < 0.6).sum())
    sections = ["C", "G", "H", "J", "M", "Q"]
    records = [
        OrgRecord(
            id=i,
            kind=KINDS[int(rng.integers(len(KINDS)))],
            fields=tuple(rng.choice(FIELDS, size=int(rng.integers(1, 3)), replace=False)),
            sectors=(f"{10 + i % 80}.{i % 9}",),
            sections=(sections[i % len(sections)],),
            district=DISTRICTS[int(rng.integers(len(DISTRICTS)))] if rng.random() < 0.9 else "",
            country="DE",
            size_band=SIZE_BANDS[int(rng.integers(len(SIZE_BANDS)))],
            clusters=(str(int(rng.integers(40))),) if rng.random() < 0.3 else (),
        )
        for i in range(n)
    ]
    lex_offer = _random_units(np.empty((n, 64), dtype=np.float32), rng)
    lex_request = np.zeros((n, 64), dtype=np.float32)
    _random_units(lex_request[:requests], rng)
    corpus = cm.assemble(records, dim, lex_offer, lex_request)  # zero vectors: pages not yet touched
    del records
    _random_units(corpus.offer, rng)
    _random_units(corpus.request[:requests], rng)
    # The profiles: one offer profile per organisation, one request profile per request.
    corpus.offer_profiles[:, 0] = np.arange(n)
    corpus.request_profiles[:requests, 0] = n + np.arange(requests)
    corpus.profile_vectors = np.empty((n + requests, dim), dtype=cm.PROFILE_DTYPE)
    for offset, vectors in ((0, corpus.offer), (n, corpus.request[:requests])):
        for start in range(0, len(vectors), 16384):
            stop = min(start + 16384, len(vectors))
            corpus.profile_vectors[offset + start : offset + stop] = cm.profile_rows(vectors[start:stop])
    corpus.profile_ids = np.arange(n + requests).astype(object)
    # A lexical model for organisations that change later (the incremental path transforms their
    # texts); fitted on a few hundred synthetic texts, of the corpus's lexical width.
    words = [f"wort{n}" for n in range(2000)]
    texts = [" ".join(rng.choice(words, size=12)) for _ in range(400)]
    corpus.lexical = LexicalModel(dims=lex_offer.shape[1]).fit(texts)
    corpus.set_rules(complementary_divisions=[(52, 86), (62, 28)])
    return corpus


def _random_units(out: np.ndarray, rng: np.random.Generator, step: int = 16384) -> np.ndarray:
    """Fill a float32 matrix with random unit rows, a slice at a time."""
    for start in range(0, len(out), step):
        out[start : start + step] = unit_rows(
            rng.standard_normal(out[start : start + step].shape, np.float32), copy=False
        )
    return out


def bare_kernel(vectors: np.ndarray, k: int, block: int) -> float:
    """A simple exact baseline: a blocked matrix product of the vectors with themselves and each
    row's top k by ``top_k_grouped``, with the BLAS threads the engine has. The products of all
    blocks are written into one buffer (``_products``)."""
    started = time.perf_counter()
    for products in _products(vectors, block):
        top_k_grouped(products, k)
    return time.perf_counter() - started


def naive_kernel(vectors: np.ndarray, k: int, block: int) -> float:
    """The other simple exact baseline: the blocked matrix product with a full-width argpartition
    per row."""
    started = time.perf_counter()
    for products in _products(vectors, block):
        np.argpartition(products, -k, axis=1)[:, -k:]
    return time.perf_counter() - started


def _products(vectors: np.ndarray, block: int):
    """The blocks of the vectors' product with themselves, one after the other in one buffer: a
    fresh array of a block's products (200 MB at 50,000) is new memory from the system each time,
    and writing it the first time made the kernel about 7 % slower here."""
    buffer = np.empty((min(block, len(vectors)), len(vectors)), dtype=np.float32)
    for s in range(0, len(vectors), block):
        part = vectors[s : s + block]
        yield np.matmul(part, vectors.T, out=buffer[: len(part)])


SCRATCH_PREFIX = "wfs_bench"


def require_scratch_database(what: str = "This", made_by: str = "", otherwise: str = "") -> None:
    """Refuses to go on (a CommandError) unless the database is a scratch one, whose name begins
    with SCRATCH_PREFIX: the benchmarks create and delete what they like in it."""
    name = str(connection.settings_dict["NAME"])
    if not name.startswith(SCRATCH_PREFIX):
        where = f" {made_by}" if made_by else ""
        raise CommandError(
            f"{what} needs a scratch database whose name begins with {SCRATCH_PREFIX}{where}, not {name!r}{otherwise}."
        )


def create_organisations(corpus: cm.Corpus) -> int:
    """Real organisations behind the corpus's keys (the lists refer to them) and an empty generation
    to write into, committed: the chunks write from their own processes. Returns the generation's id."""
    ids = []
    for start in range(0, corpus.n, 5000):  # a batch of model instances at a time, only the keys kept
        stop = min(start + 5000, corpus.n)
        batch = [Organisation(name=f"Benchmark {i}", kind="company", city="Dresden") for i in range(start, stop)]
        ids += [o.pk for o in Organisation.objects.bulk_create(batch)]
    corpus.ids = np.asarray(ids, dtype=object)
    corpus.reindex()
    return MatchGeneration.objects.create().pk


def list_bounds(corpus: cm.Corpus, k: int, generation_id: int | None, results: list[ChunkResult]):
    """The score at each full list's last place (-inf for shorter lists) and a function giving the
    rows whose lists hold a row: from the written generation, or from the lists in memory."""
    kth = np.full(corpus.n, -np.inf, dtype=np.float32)
    if generation_id is None:
        result = ChunkResult.concat(results)
        sizes = np.bincount(result.rows, minlength=corpus.n)
        lowest = np.full(corpus.n, np.inf, dtype=np.float32)
        np.minimum.at(lowest, result.rows, result.scores)
        kth = np.where(sizes >= k, lowest, -np.inf).astype(np.float32)
        return kth, lambda row: result.rows[result.partners == row]
    matches = Match.objects.filter(generation_id=generation_id)
    for organisation, score in matches.filter(rank=k - 1).values_list("organisation_id", "score").iterator():
        kth[corpus.index_of(organisation)] = score

    def members_of(row: int) -> np.ndarray:
        owners = matches.filter(partner_id=corpus.ids[row]).values_list("organisation_id", flat=True)
        return np.asarray([corpus.index_of(owner) for owner in owners], dtype=np.int64)

    return kth, members_of


def _busy_worker(engine: Engine, thresholds: np.ndarray, blocks: list) -> None:
    """The other Celery worker process of a two-core machine, busy with the map chunks of a full
    recompute (one BLAS thread, as the worker containers run), until it is stopped."""
    one_thread()
    size = blocks[0].stop - blocks[0].start
    while True:
        for index in range((len(blocks) + 1) // 2):
            engine.map_candidates(_map_rows(index, len(blocks)), blocks, size, thresholds)


def incremental_service_loaded(
    corpus: cm.Corpus, engine: Engine, generation_id: int, thresholds: np.ndarray, blocks: list, samples, rng
) -> list[float]:
    """``incremental_service`` as a worker process runs it on a busy machine: with one BLAS thread
    (OPENBLAS_NUM_THREADS=1 in the worker containers) while a second process computes map chunks."""
    import multiprocessing

    from threadpoolctl import threadpool_limits

    connections.close_all()  # the forked process must not share the connection's socket
    busy = multiprocessing.get_context("fork").Process(
        target=_busy_worker, args=(engine, thresholds, blocks), daemon=True
    )
    busy.start()
    try:
        time.sleep(2)  # under way
        with threadpool_limits(1):
            return incremental_service(corpus, engine, generation_id, samples, rng)
    finally:
        busy.terminate()
        busy.join()


def incremental_service(corpus: cm.Corpus, engine: Engine, generation_id: int, samples, rng) -> list[float]:
    """The time of incremental updates of the sample rows against the written generation, as the
    Celery task runs them (a changed offer each, taken up in place and written), inside a
    transaction that is rolled back."""
    generation = MatchGeneration.objects.get(pk=generation_id)
    timings = []
    with transaction.atomic():
        for row in samples:
            row = int(row)
            vector = rng.standard_normal(corpus.offer.shape[1]).astype(np.float32)
            vector /= np.linalg.norm(vector)
            changed = OrgRecord(
                id=corpus.ids[row],
                kind=KINDS[int(corpus.kind[row])],
                offer_text="Kühlkettenlogistik für Laborproben",
                offer_vector=vector,
                request_vector=corpus.request[row] if corpus.request[row].any() else None,
                profiles=[ProfileRecord(id=row, type="technology_offer", vector=vector)],
            )
            t = time.perf_counter()
            before = corpus.eligible[[row]].copy()
            engine.refresh_rows(cm.update_in_place(corpus, [changed]), before)
            update_lists(generation, engine, row)
            timings.append((time.perf_counter() - t) * 1000)
        transaction.set_rollback(True)
    return timings
