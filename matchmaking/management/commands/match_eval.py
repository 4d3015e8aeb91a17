import json
import time
from dataclasses import replace

from django.core.management.base import BaseCommand, CommandError

from matchmaking import embedding
from matchmaking.engine.evaluation import load, ranked_lists, score
from matchmaking.services.engines import matching_params

SCOPES = (("all directions", None), ("cross-language", "cross_language"), ("same-language", "same_language"))


class Command(BaseCommand):
    help = (
        "Evaluate the matching engine on a labelled JSON file (organisations and expected pairs; see "
        "tests/data/README-matching-eval.md) without touching the database. Prints recall@k, MRR and the "
        "expected pairs found in at least one direction, overall and for cross-language and same-language "
        "directions; where the file labels decoys and hubs, also how often they rank above the true partner "
        "and how many lists the hubs are in. With --baselines also the figures of the text signal alone and "
        "of the embeddings alone and of the hand-set score, to see what the learned weights, structure, fit "
        "and the lexical signal add on this file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="Path of the labelled JSON file.")
        parser.add_argument("--k", type=int, default=10, help="Length of the lists to evaluate (default 10).")
        parser.add_argument("--baselines", action="store_true", help="Also evaluate text-only and embeddings-only.")
        parser.add_argument(
            "--lists",
            metavar="FILE",
            help="Write every organisation's ranked list (JSON: id -> partner ids, best first).",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the whole result as one JSON object."
        )

    def handle(self, *args, data, k, baselines, lists, as_json, **options):
        if k < 1:
            raise CommandError("--k must be at least 1.")
        labelled = load_file(data)
        started = time.perf_counter()
        embed = cached_embedder()
        params = matching_params()
        engine_lists = ranked_lists(labelled, embed, k=k, dim=embedding.DIM, params=params)
        report = score(labelled, engine_lists, k=k)
        report["model"] = embedding.MODEL_NAME
        if baselines:
            hand_set = replace(params, weights={}, min_score=None)
            text_only = replace(hand_set, w_text=1.0, w_structure=0.0, w_fit=0.0, prefilter_structure=0.0)
            report["baselines"] = {}
            for name, variant in (
                ("hand_set", hand_set),
                ("text_only", text_only),
                ("embeddings_only", replace(text_only, lexical_share=0.0)),
            ):
                figures = score(labelled, ranked_lists(labelled, embed, k=k, dim=embedding.DIM, params=variant), k=k)
                report["baselines"][name] = {key: v for key, v in figures.items() if key not in ("k", "organisations")}
        report["seconds"] = round(time.perf_counter() - started, 1)
        if lists:
            write_lists(lists, engine_lists)
        self.stdout.write(dumps(report) if as_json else readable(report, data))


def load_file(path: str) -> dict:
    """A labelled evaluation file, or a CommandError that says what is wrong with it."""
    try:
        return load(path)
    except FileNotFoundError:
        raise CommandError(f"No such file: {path}") from None
    except (ValueError, KeyError) as exc:
        raise CommandError(f"{path} is not a valid evaluation file: {exc}") from None


def cached_embedder():
    """The embedding model behind a cache of this run: a text is embedded once."""
    cache = {}

    def embed(texts, role):
        missing = [t for t in texts if t not in cache]
        if missing:
            cache.update(zip(missing, embedding.embed(missing), strict=True))
        return [cache[t] for t in texts]

    return embed


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_lists(path: str, lists: dict[str, list[str]]) -> None:
    """One organisation a line, in the file's order, so that two runs' lists compare line by line."""
    lines = [f"  {dumps(org)}: {dumps(partners)}" for org, partners in lists.items()]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("{\n" + ",\n".join(lines) + "\n}\n")


def readable(report: dict, data: str) -> str:
    """The report as a table: one column for the engine and one for each baseline."""
    columns = [report, *report.get("baselines", {}).values()]
    rows = [("pairs found", [c["pairs"] for c in columns])]
    for title, scope in SCOPES:
        figures = report[scope] if scope else report
        keys = [(f"recall@{report['k']}", "recall_at_k"), ("MRR", "mrr")]
        keys += [
            (f"{kind} above partner (of {n})", f"{kind}_above")
            for kind, n in figures.get("decoy_directions", {}).items()
        ]
        if "hub_above" in figures:
            keys.append(("hub above partner", "hub_above"))
        rows.append((f"{title} ({figures['directions']} directions)", None))
        rows += [(f"  {label}", [(c[scope] if scope else c)[key] for c in columns]) for label, key in keys]
    if "hub_lists" in report:
        rows.append((f"hubs in the {report['organisations']} lists", None))
        for label, key in (("most listed hub", "most_listed"), ("its share of lists", "max"), ("mean share", "mean")):
            rows.append((f"  {label}", [c["hub_lists"][key] for c in columns]))
    width = max(len(label) for label, _ in rows) + 2
    names = ["engine", *report.get("baselines", {})]
    lines = [
        f"{data}: {report['organisations']} organisations, k={report['k']}, "
        f"model {report['model']}, {report['seconds']} s",
        "",
        " " * width + "".join(f"{name:>17}" for name in names),
    ]
    for label, values in rows:
        lines.append((f"{label:<{width}}" + "".join(f"{cell(v):>17}" for v in values or [])).rstrip())
    return "\n".join(lines)


def cell(value) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)
