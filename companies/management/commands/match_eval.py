import json
import time

from django.core.management.base import BaseCommand, CommandError

from companies import embedding
from companies.matching.evaluation import evaluate, load
from companies.services.matching import matching_params


class Command(BaseCommand):
    help = (
        "Evaluate the matching engine on a labelled JSON file (organisations and expected pairs; see "
        "tests/data/matching_eval.json) without touching the database. Prints one JSON object with "
        "recall_at_k, mrr and pairs (expected pairs found in at least one direction / total)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="Path of the labelled JSON file.")
        parser.add_argument("--k", type=int, default=10, help="Length of the lists to evaluate (default 10).")

    def handle(self, *args, data, k, **options):
        if k < 1:
            raise CommandError("--k must be at least 1.")
        try:
            labelled = load(data)
        except FileNotFoundError:
            raise CommandError(f"No such file: {data}") from None
        except (ValueError, KeyError) as exc:
            raise CommandError(f"{data} is not a valid evaluation file: {exc}") from None
        started = time.perf_counter()
        report = evaluate(
            labelled, lambda texts, role: embedding.embed(texts), k=k, dim=embedding.DIM, params=matching_params()
        )
        report["model"] = embedding.MODEL_NAME
        report["seconds"] = round(time.perf_counter() - started, 1)
        self.stdout.write(json.dumps(report))
