import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from matchmaking import embedding
from matchmaking.engine.arrays import unit_rows
from matchmaking.engine.building import build, needs_first
from matchmaking.engine.corpus import assemble
from matchmaking.engine.engine import Engine
from matchmaking.engine.evaluation import records_from_file, row_lists
from matchmaking.engine.params import Params
from matchmaking.engine.records import ProfileRecord
from matchmaking.management.commands.match_eval import cached_embedder, load_file
from matchmaking.services.engines import matching_params

DATA = Path(__file__).resolve().parents[3] / "tests" / "data"


class Command(BaseCommand):
    help = (
        "How much of the exhaustive lists the pre-filter keeps, on real texts: the organisations of every "
        "labelled file in tests/data pooled into one corpus (and random subsets of it, to see how the "
        "figures move with the corpus's size). For each size, the share of the entries of every "
        "organisation's list scored against all others that the engine's list (with its usual number of "
        "candidates) holds too, and how deep in the pre-filter's order those entries lie. With --grow, the "
        "same for a sample of the lists of larger corpora made of the real organisations and variations of "
        "them (--similarity), as far as 200,000. No database; the real sentence encoder."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data", action="append", help="A labelled file to pool (repeatable; every one in tests/data without it)."
        )
        parser.add_argument(
            "--sizes", default="500,1000,0", help="Corpus sizes, comma-separated; 0 is every organisation."
        )
        parser.add_argument("--repeats", type=int, default=2, help="Random subsets per size below the whole.")
        parser.add_argument("--k", type=int, default=20, help="List length (default 20).")
        parser.add_argument(
            "--grow",
            metavar="SIZES",
            help="Corpus sizes above the real organisations, comma-separated, made by adding variations of them "
            "(instead of --sizes and --repeats).",
        )
        parser.add_argument(
            "--similarity",
            type=float,
            default=0.8,
            help="With --grow: the cosine of a variation's vectors to the original's (default 0.8).",
        )
        parser.add_argument(
            "--rows", type=int, default=200, help="With --grow: the lists compared per size (default 200)."
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", dest="as_json", help="One JSON object per line.")

    def handle(self, *args, data, sizes, repeats, k, seed, as_json, grow, similarity, rows, **options):
        try:
            wanted = [int(size) for size in (grow or sizes).split(",")]
        except ValueError:
            option = "--grow" if grow else "--sizes"
            raise CommandError(f"{option} takes whole numbers separated by commas, not {grow or sizes!r}.") from None
        if grow and not (0 < similarity < 1):
            raise CommandError(f"--similarity must lie between 0 and 1 (exclusive), not {similarity}.")
        if grow and rows < 1:
            raise CommandError("--rows must be at least 1.")
        if k < 1 or repeats < 1 or any(size < 0 for size in wanted):
            raise CommandError("--k and --repeats must be at least 1, and sizes at least 0.")
        try:
            params = Params.from_mapping({**matching_params().as_dict(), "k": k})
        except ValueError as exc:
            raise CommandError(f"--k {k} does not fit the matching parameters: {exc}.") from None
        if any(0 < size <= 2 * params.candidates for size in wanted):
            raise CommandError(
                f"A size must lie above twice the candidates ({2 * params.candidates}): below, every organisation "
                "is a candidate of every other."
            )
        records = pooled_records(data or sorted(str(path) for path in DATA.glob("matching*.json")), cached_embedder())
        rng = np.random.default_rng(seed)
        if grow:
            if any(size < len(records) for size in wanted):
                raise CommandError(f"--grow takes sizes of at least the {len(records)} organisations of the files.")
            lexical = lexical_rows(records)
            for size in wanted:
                started = time.perf_counter()
                corpus = grown(records, lexical, size, similarity, np.random.default_rng(seed))
                report = {"organisations": size, "k": k, "candidates": params.candidates, "similarity": similarity}
                # The same sample for every run of one size and seed, so that runs with other
                # parameters compare the same lists.
                report.update(sampled_agreement(corpus, params, rows, np.random.default_rng(seed)))
                report["seconds"] = round(time.perf_counter() - started, 1)
                self.stdout.write(json.dumps(report) if as_json else readable(report))
            return
        if any(size > len(records) for size in wanted):
            raise CommandError(f"A size can be at most the {len(records)} organisations of the files.")
        for size in wanted:
            size = size or len(records)
            for _ in range(1 if size == len(records) else repeats):
                pick = np.sort(rng.choice(len(records), size=size, replace=False))
                started = time.perf_counter()
                report = {"organisations": size, "k": k, "candidates": params.candidates}
                report.update(agreement([records[i] for i in pick], params))
                report["seconds"] = round(time.perf_counter() - started, 1)
                self.stdout.write(json.dumps(report) if as_json else readable(report))


def pooled_records(paths: list[str], embed) -> list:
    """The organisations of the labelled files, each file's ids prefixed so that they stay apart."""
    organisations = []
    for number, path in enumerate(paths):
        data = load_file(path)
        organisations += [{**org, "id": f"{number}:{org['id']}"} for org in data["organisations"]]
    return records_from_file({"organisations": organisations}, embed)


def agreement(records: list, params: Params) -> dict:
    """The engine's lists against the exhaustive ones (every organisation a candidate of every other)."""
    corpus = build(records, dim=embedding.DIM)
    engine = Engine(corpus, params)
    rows = np.flatnonzero(corpus.wants_list)
    usual = row_lists(engine.compute_all())
    return held_against_exhaustive(engine, rows, usual, block=64)


def sampled_agreement(corpus, params: Params, rows: int, rng: np.random.Generator) -> dict:
    """``agreement`` for a sample of the lists of a large corpus: the sampled organisations' lists as
    the incremental path computes them (candidates chosen as in a full run, by thresholds estimated
    on a sample of columns and the corrected values) against their exhaustive lists."""
    engine = Engine(corpus, params)
    listed = np.flatnonzero(corpus.wants_list)
    sample = np.sort(rng.choice(listed, size=min(rows, len(listed)), replace=False))
    usual = row_lists(engine.compute(sample))
    return held_against_exhaustive(engine, sample, usual, block=max(1, 65536 // corpus.n))


def held_against_exhaustive(engine: Engine, rows: np.ndarray, usual: dict, *, block: int) -> dict:
    """How much of the exhaustive lists of ``rows`` the engine's lists ``usual`` hold, and the
    places of the exhaustive entries in the pre-filter's order."""
    params = engine.params
    depth = np.concatenate([prefilter_ranks(engine, rows[s : s + 16]) for s in range(0, len(rows), 16)])
    engine.params = replace(params, candidates=engine.corpus.n)  # every column a candidate
    try:
        exhaustive = row_lists(engine.compute(rows, block=block))
    finally:
        engine.params = params
    kept, ranks = 0, []
    for at, row in enumerate(rows.tolist()):
        partners = exhaustive.get(row, [])
        kept += len(set(partners) & set(usual.get(row, [])))
        ranks += [int(depth[at, engine.column_of[partner]]) for partner in partners]
    ranks = np.asarray(ranks)
    return {
        "entries": len(ranks),
        "kept": round(kept / max(1, len(ranks)), 4),
        "prefilter_rank": {
            q: int(np.quantile(ranks, float(q))) if len(ranks) else None for q in ("0.5", "0.99", "0.999")
        }
        | {"max": int(ranks.max()) if len(ranks) else None},
        "within_candidates": round(float((ranks <= params.candidates).mean()), 4) if len(ranks) else None,
    }


def lexical_rows(records: list) -> dict:
    """Each organisation's lexical vectors (offer, request) as a corpus of all of them has them."""
    corpus = build(records, dim=embedding.DIM)
    return {r.id: (corpus.lex_offer[i].copy(), corpus.lex_request[i].copy()) for i, r in enumerate(records)}


def varied(vector, similarity: float, rng: np.random.Generator):
    """A unit vector at exactly ``similarity`` (cosine) to the unit ``vector``, in a random direction."""
    if vector is None or not np.any(vector):
        return vector
    noise = rng.standard_normal(len(vector)).astype(np.float32)
    noise -= (noise @ vector) * vector
    noise /= np.linalg.norm(noise)
    return (similarity * vector + np.sqrt(1 - similarity**2) * noise).astype(np.float32)


def grown(
    records: list, lexical: dict, size: int, similarity: float, rng: np.random.Generator, *, dim: int = embedding.DIM
):
    """A corpus of ``size`` organisations: the real ones and variations of them, each a copy of a
    random real organisation whose embedding and lexical vectors lie at ``similarity`` to the
    original's (two variations of one organisation at about its square to each other), with the
    same languages, technology fields, sectors, kind and profiles, and the district and size of
    another random organisation. A dense stand-in for a large region: many organisations much like
    each other, as the firms of one trade are."""
    sources = np.concatenate([np.arange(len(records)), rng.integers(len(records), size=size - len(records))])
    others = rng.integers(len(records), size=size)
    made, lex = [], []
    for n, (source, other) in enumerate(zip(sources.tolist(), others.tolist(), strict=True)):
        r = records[source]
        offer_lex, request_lex = lexical[r.id]
        if n < len(records):
            made.append(r)
            lex.append((offer_lex, request_lex))
            continue
        copy = f"{r.id}~{n}"
        made.append(
            replace(
                r,
                id=copy,
                offer_vector=varied(r.offer_vector, similarity, rng),
                request_vector=varied(r.request_vector, similarity, rng),
                profiles=[ProfileRecord(f"{copy}#{k}", p.type, p.vector) for k, p in enumerate(r.profiles)],
                district=records[other].district,
                size_band=records[other].size_band,
                clusters=(),
                group="",
            )
        )
        lex.append((varied(offer_lex, similarity, rng), varied(request_lex, similarity, rng)))
    order = {id(r): n for n, r in enumerate(made)}
    ordered = needs_first(made)
    at = [order[id(r)] for r in ordered]
    lex_offer = unit_rows(np.asarray([lex[n][0] for n in at], dtype=np.float32), copy=False)
    lex_request = unit_rows(np.asarray([lex[n][1] for n in at], dtype=np.float32), copy=False)
    return assemble(ordered, dim, lex_offer, lex_request)


def prefilter_ranks(engine: Engine, rows: np.ndarray) -> np.ndarray:
    """Per row, every column's place (1 the first) in the order the pre-filter chooses candidates by."""
    forward, backward = engine.products(engine.X[rows], engine.Y[rows])
    m = len(engine.columns)
    i, j = np.repeat(rows, m), np.tile(engine.columns, len(rows))
    s = engine.scale
    value = engine.candidate_value(i, j, s * forward.ravel(), s * backward.ravel()).reshape(len(rows), m)
    mine = engine.column_of[rows]
    value[np.flatnonzero(mine >= 0), mine[mine >= 0]] = -np.inf
    order = np.argsort(-value, axis=1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.broadcast_to(np.arange(1, m + 1), order.shape), axis=1)
    return ranks


def readable(report: dict) -> str:
    q = report["prefilter_rank"]
    grown_from = f" (grown, similarity {report['similarity']})" if "similarity" in report else ""
    return (
        f"{report['organisations']} organisations{grown_from}, k={report['k']}, {report['candidates']} candidates: "
        "the engine "
        f"keeps {report['kept']:.4f} of the {report['entries']} exhaustive entries; their place in the "
        f"pre-filter's order: median {q['0.5']}, 99 % {q['0.99']}, 99.9 % {q['0.999']}, deepest {q['max']}; "
        f"within the candidates {report['within_candidates']:.4f} ({report['seconds']} s)"
    )
