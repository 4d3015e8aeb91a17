import json
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from matchmaking import corpus_loading, embedding
from matchmaking.engine import fitting, learned
from matchmaking.engine.evaluation import corpus_from_file, score
from matchmaking.management.commands.match_eval import cached_embedder, cell, load_file
from matchmaking.services.engines import matching_params

# The files the shipped weights are fitted on (the second and third hard sets stay held out).
DEFAULT_FILES = [
    str(settings.BASE_DIR / "tests" / "data" / name) for name in ("matching_hard_eval.json", "matching_eval.json")
]


class Command(BaseCommand):
    help = (
        "Fit the weights of the learned match score on labelled pairs: the evaluation files given with "
        "--data (cross-validated: the figures printed are those of organisations whose labels the "
        "weights were not fitted on), files given with --train-only (always fitted on, never measured), "
        "and with --feedback the verdicts in the database (interesting / not relevant, accepted "
        "introductions, meetings that took place). Prints recall@k and MRR of the fitted score beside "
        "every single signal and the hand-set score on the same held-out lists. With --write, the "
        "weights fitted on everything are written to that file (matchmaking/engine/weights.json is the "
        "one the engine ships with); it refuses to write weights that rank worse on held-out data than "
        "the best single signal."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", action="append", help="A labelled file to fit on and measure (repeatable).")
        parser.add_argument("--train-only", action="append", default=[], help="A labelled file only to fit on.")
        parser.add_argument("--feedback", action="store_true", help="Also fit on the verdicts in the database.")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--k", type=int, default=5, help="List length the figures are taken at (default 5).")
        parser.add_argument("--write", metavar="FILE", help="Write the weights fitted on everything here.")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, data, train_only, feedback, folds, k, write, as_json, **options):
        if folds < 2:
            raise CommandError("--folds must be at least 2.")
        if k < 1:
            raise CommandError("--k must be at least 1.")
        params = replace(matching_params(), weights=fitting.NEUTRAL, min_score=None)
        embed = cached_embedder()
        sets, files = [], {}
        for path, held_out in [(p, True) for p in (data or DEFAULT_FILES)] + [(p, False) for p in train_only]:
            labelled_file = load_file(path)
            corpus = corpus_from_file(labelled_file, embed, dim=embedding.DIM)
            sets.append(fitting.from_pairs(path, corpus, labelled_file["expected"], held_out=held_out))
            files[path] = labelled_file
        if feedback:
            corpus = corpus_loading.build_corpus()
            ids, values = corpus.ids, corpus.feedback_values
            verdicts = zip(ids[corpus.feedback_rows], ids[corpus.feedback_partners], values, strict=True)
            labelled = fitting.from_verdicts("feedback", corpus, verdicts, held_out=False)
            if labelled.positives:
                sets.append(labelled)
        report = {"k": k, "folds": folds, "sets": {}}
        validated = fitting.cross_validate(sets, params, k_folds=folds, list_length=max(k, 10))
        for s in sets:
            if not s.held_out:
                continue
            rows = s.rows()
            # Nothing is fitted for the hand-set score and the single signals: all their lists are held
            # out. A single signal ranks alone, without the re-ranking's diversity penalty (which is
            # set for the scale of a score, not of a raw cosine).
            variants = {"hand-set": replace(params, weights={}, min_score=None)}
            for name in fitting.SINGLE_SIGNALS:
                variants[f"{name} alone"] = replace(params, weights=fitting.single_signal(name), diversity=0.0)
            figures = {"learned (held out)": score(files[s.name], _ids(s.corpus, validated["lists"][s.name]), k=k)}
            for name, variant in variants.items():
                lists = fitting.ranked(s.corpus, variant, rows, max(k, 10))
                figures[name] = score(files[s.name], _ids(s.corpus, lists), k=k)
            report["sets"][s.name] = figures
        learned_ok = all(_not_worse(figures) for figures in report["sets"].values())
        weights = fitting.fit([(fitting.feature_engine(s.corpus, params), s, s.rows()) for s in sets])
        weights["fitted_on"]["sets"] = [Path(s.name).name if s.name != "feedback" else s.name for s in sets]
        weights["model"] = embedding.MODEL_NAME
        report["weights"] = weights
        self.stdout.write(json.dumps(report, ensure_ascii=False) if as_json else readable(report))
        if write:
            if not learned_ok:
                raise CommandError(
                    "Not written: on held-out data the learned score ranks worse than a single signal "
                    "(recall or MRR); see the table."
                )
            learned.check(weights)
            with open(write, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(weights, indent=2, ensure_ascii=False) + "\n")
            self.stdout.write(f"Weights written to {write}.")


def _ids(corpus, lists: dict[int, list[int]]) -> dict[str, list[str]]:
    ids = corpus.ids
    return {ids[row]: [ids[p] for p in partners] for row, partners in lists.items()}


def _not_worse(figures: dict) -> bool:
    mine = figures["learned (held out)"]
    singles = [f for name, f in figures.items() if name.endswith(" alone")]
    return all(mine["recall_at_k"] >= f["recall_at_k"] and mine["mrr"] >= f["mrr"] for f in singles)


def readable(report: dict) -> str:
    lines = []
    for name, figures in report["sets"].items():
        lines.append(f"{name}: held-out lists, k={report['k']}, {report['folds']} folds")
        keys = [("recall", "recall_at_k"), ("MRR", "mrr")]
        sample = figures["learned (held out)"]
        if "twin_above" in sample:
            keys += [("twin", "twin_above"), ("competitor", "competitor_above"), ("look-alike", "lookalike_above")]
        if "hub_above" in sample:
            keys.append(("hub", "hub_above"))
        width = max(len(v) for v in figures) + 2
        lines.append(" " * width + "".join(f"{label:>11}" for label, _ in keys) + f"{'cross-lang MRR':>16}")
        for variant, f in figures.items():
            cells = "".join(f"{cell(f[key]):>11}" for _, key in keys)
            lines.append(f"{variant:<{width}}{cells}{cell(f['cross_language']['mrr']):>16}")
        lines.append("")
    weights = report["weights"]
    lines.append("Weights fitted on everything: " + json.dumps(weights["coefficients"]))
    lines.append(f"intercept {weights['intercept']}, list floor {weights['min_score']}, {weights['fitted_on']}")
    return "\n".join(lines)
