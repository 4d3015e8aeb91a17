import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from matchmaking import embedding
from matchmaking.engine.corpus import build
from matchmaking.engine.engine import Engine
from matchmaking.engine.evaluation import records_from_file, row_lists
from matchmaking.engine.params import Params
from matchmaking.management.commands.match_eval import cached_embedder, load_file
from matchmaking.services.engines import matching_params

DATA = Path(__file__).resolve().parents[3] / "tests" / "data"


class Command(BaseCommand):
    help = (
        "How much of the exhaustive lists the pre-filter keeps, on real texts: the organisations of every "
        "labelled file in tests/data pooled into one corpus (and random subsets of it, to see how the "
        "figures move with the corpus's size). For each size, the share of the entries of every "
        "organisation's list scored against all others that the engine's list (with its usual number of "
        "candidates) holds too, and how deep in the pre-filter's order those entries lie. No database; the "
        "real sentence encoder."
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
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", action="store_true", dest="as_json", help="One JSON object per line.")

    def handle(self, *args, data, sizes, repeats, k, seed, as_json, **options):
        try:
            wanted = [int(size) for size in sizes.split(",")]
        except ValueError:
            raise CommandError(f"--sizes takes whole numbers separated by commas, not {sizes!r}.") from None
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
        if any(size > len(records) for size in wanted):
            raise CommandError(f"A size can be at most the {len(records)} organisations of the files.")
        rng = np.random.default_rng(seed)
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
    depth = prefilter_ranks(engine, rows)
    engine.params = replace(params, candidates=corpus.n)  # every column a candidate
    exhaustive = row_lists(engine.compute(rows, block=64))
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
    return (
        f"{report['organisations']} organisations, k={report['k']}, {report['candidates']} candidates: the engine "
        f"keeps {report['kept']:.4f} of the {report['entries']} exhaustive entries; their place in the "
        f"pre-filter's order: median {q['0.5']}, 99 % {q['0.99']}, 99.9 % {q['0.999']}, deepest {q['max']}; "
        f"within the candidates {report['within_candidates']:.4f} ({report['seconds']} s)"
    )
