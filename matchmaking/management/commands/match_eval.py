import json
import time
from dataclasses import replace

from django.core.management.base import BaseCommand, CommandError

from matchmaking import embedding
from matchmaking.engine.evaluation import evaluate, load
from matchmaking.services.engines import matching_params


class Command(BaseCommand):
    help = (
        "Evaluate the matching engine on a labelled JSON file (organisations and expected pairs; see "
        "tests/data/matching_eval.json) without touching the database. Prints one JSON object with "
        "recall_at_k, mrr and pairs (expected pairs found in at least one direction / total); with "
        "--baselines also the figures of the text signal alone and of the embeddings alone, to see what "
        "structure, fit and the lexical signal add on this file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="Path of the labelled JSON file.")
        parser.add_argument("--k", type=int, default=10, help="Length of the lists to evaluate (default 10).")
        parser.add_argument("--baselines", action="store_true", help="Also evaluate text-only and embeddings-only.")

    def handle(self, *args, data, k, baselines, **options):
        if k < 1:
            raise CommandError("--k must be at least 1.")
        try:
            labelled = load(data)
        except FileNotFoundError:
            raise CommandError(f"No such file: {data}") from None
        except (ValueError, KeyError) as exc:
            raise CommandError(f"{data} is not a valid evaluation file: {exc}") from None
        started = time.perf_counter()
        cache = {}

        def embed(texts, role):
            missing = [t for t in texts if t not in cache]
            if missing:
                cache.update(zip(missing, embedding.embed(missing), strict=True))
            return [cache[t] for t in texts]

        params = matching_params()
        report = evaluate(labelled, embed, k=k, dim=embedding.DIM, params=params)
        report["model"] = embedding.MODEL_NAME
        if baselines:
            text_only = replace(params, w_text=1.0, w_structure=0.0, w_fit=0.0, prefilter_structure=0.0)
            report["baselines"] = {}
            for name, variant in (
                ("text_only", text_only),
                ("embeddings_only", replace(text_only, lexical_share=0.0)),
            ):
                figures = evaluate(labelled, embed, k=k, dim=embedding.DIM, params=variant)
                report["baselines"][name] = {
                    key: figures[key] for key in ("recall_at_k", "mrr", "pairs", "cross_language", "same_language")
                }
        report["seconds"] = round(time.perf_counter() - started, 1)
        self.stdout.write(json.dumps(report))
