"""Fitting the learned score (``matchmaking.engine.learned``) on labelled pairs, and measuring it on
pairs it was not fitted on. No Django here; ``manage.py match_fit`` brings the labelled sets (the
evaluation files and the feedback of users and staff).

The weights are fitted as a ranking: for each labelled organisation, every true partner should
score above every organisation that is not one, and above all above the hard ones (those its
texts resemble most). Logistic regression on the differences of the features of such pairs of
pairs (a linear ranking SVM's logistic cousin) gives the coefficients; a second, one-dimensional
logistic regression then maps the linear score to [0, 1], so that a score reads the same across
runs and a floor for the lists can be set on it.

``cross_validate`` splits the labelled organisations into folds along the connected parts of their
pairs (an organisation and its partners always land in the same fold), fits on all other folds and
ranks the lists of the held-out fold with those weights: the figures it returns are those of
organisations whose labels the weights never saw."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from matchmaking.engine import learned
from matchmaking.engine.corpus import Corpus
from matchmaking.engine.engine import Engine
from matchmaking.engine.evaluation import row_lists
from matchmaking.engine.params import Params

HARD_NEGATIVES = 20  # per labelled organisation: the unlabelled ones its texts resemble most
RANDOM_NEGATIVES = 20  # and some it does not resemble, so that the easy cases stay easy
FLOOR_QUANTILE = 0.02  # the list floor keeps all but this share of the true partners' scores

# The features are computed with these weights (all 0): every signal, no preference yet.
NEUTRAL = {"coefficients": dict.fromkeys(learned.FEATURES, 0.0), "intercept": 0.0}

# The sign each coefficient may take: what should only ever help a pair cannot count against it
# (sharing a technology field, being close, the text saying the partner offers what is needed), and
# the penalties cannot turn into bonuses; a fit that wants otherwise has learned the quirks of its
# labelled sets, not how partners are found. 0: free.
#
# Practical fit (region, size, clusters, kinds) keeps a small weight of its own even where the
# labelled pairs, chosen for what the two do, do not ask for one: between two partners whose texts
# are as good, the one nearby comes first (``FIT_AT_LEAST``, before the score is scaled). The lexical
# signal's own coefficient is free: the text signals already hold a lexical share, and this
# coefficient corrects that share in either direction (shared words in another context mislead).
FIT_AT_LEAST = 0.5
SIGNS = {
    "text": 1,
    "text_best": 1,
    "embedding_best": 1,
    "lexical_best": 0,
    "structure": 1,
    "fit": 1,
    "same_need": -1,
    "same_offer": -1,
    "co_operation": 1,
    "hubness": -1,
}

# Single signals, each a ranking of its own, to compare the fitted score with (-1: lower is better).
SINGLE_SIGNALS = {"text": 1, "text_best": 1, "embedding_best": 1, "lexical_best": 1, "structure": 1, "fit": 1}


@dataclass
class Labelled:
    """One corpus with labels: per corpus row, the rows that are its partners and those that are
    explicitly not (an organisation's "not relevant"); unlabelled rows count as no partner."""

    name: str
    corpus: Corpus
    positives: dict[int, set[int]]
    negatives: dict[int, set[int]] = field(default_factory=dict)
    # Rows in the same group always fall into the same fold (connected by their pairs).
    groups: dict[int, int] = field(default_factory=dict)
    held_out: bool = True  # takes part in the folds; False: always fitted on (a training-only set)

    def rows(self) -> list[int]:
        return sorted(set(self.positives) | set(self.negatives))


def from_pairs(name: str, corpus: Corpus, pairs, *, held_out: bool = True) -> Labelled:
    """Labels from pairs of external ids that are partners of each other (both directions)."""
    positives: dict[int, set[int]] = {}
    for a, b in pairs:
        x, y = corpus.index_of(a), corpus.index_of(b)
        positives.setdefault(x, set()).add(y)
        positives.setdefault(y, set()).add(x)
    return Labelled(name, corpus, positives, groups=components(positives), held_out=held_out)


def from_verdicts(name: str, corpus: Corpus, verdicts, *, held_out: bool = True) -> Labelled:
    """Labels from (organisation id, partner id, value) verdicts: a positive value makes a partner,
    a negative one a non-partner, of that organisation's list only."""
    positives: dict[int, set[int]] = {}
    negatives: dict[int, set[int]] = {}
    index = corpus._index
    for a, b, value in verdicts:
        if a in index and b in index and value:
            target = positives if value > 0 else negatives
            target.setdefault(index[a], set()).add(index[b])
    links = {row: positives.get(row, set()) | negatives.get(row, set()) for row in set(positives) | set(negatives)}
    groups = components(links)
    return Labelled(name, corpus, positives, negatives, groups=groups, held_out=held_out)


def components(links: dict[int, set[int]]) -> dict[int, int]:
    """Row -> the smallest row of its connected part."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row, others in links.items():
        for other in others:
            a, b = find(row), find(other)
            parent[max(a, b)] = min(a, b)
    return {row: find(row) for row in list(parent)}


# --- samples -----------------------------------------------------------------------------------


def feature_engine(corpus: Corpus, params: Params) -> Engine:
    return Engine(corpus, replace(params, weights=NEUTRAL, min_score=0.0))


def candidates(engine: Engine, row: int) -> np.ndarray:
    """The organisations a row's list is chosen from (every other one that may be proposed)."""
    columns = engine.columns
    return columns[columns != row]


def features(engine: Engine, row: int, partners: np.ndarray) -> np.ndarray:
    """(len(partners), len(FEATURES)) features of the pairs (row, partner)."""
    i = np.full(len(partners), row, dtype=np.int64)
    found = engine.score_pairs(i, np.asarray(partners, dtype=np.int64))["features"]
    return np.column_stack([np.broadcast_to(np.asarray(found[name], np.float64), len(i)) for name in learned.FEATURES])


def samples(engine: Engine, labelled: Labelled, rows, rng: np.random.Generator):
    """Ranking samples of some labelled rows: the feature differences (partner minus non-partner)
    and, for the calibration, the features of every pair used with its label."""
    differences, pointwise, labels = [], [], []
    position = {name: n for n, name in enumerate(learned.FEATURES)}["embedding_best"]
    for row in rows:
        good = np.asarray(sorted(labelled.positives.get(row, ())), dtype=np.int64)
        if not len(good):
            continue
        others = candidates(engine, row)
        others = others[~np.isin(others, good)]
        explicit = np.asarray(sorted(labelled.negatives.get(row, ())), dtype=np.int64)
        all_features = features(engine, row, others)
        hard = others[np.argsort(-all_features[:, position])[:HARD_NEGATIVES]]
        easy = rng.choice(others, size=min(RANDOM_NEGATIVES, len(others)), replace=False) if len(others) else others
        bad = np.unique(np.concatenate([explicit, hard, easy]))
        good_f, bad_f = features(engine, row, good), features(engine, row, bad)
        differences.append((good_f[:, None, :] - bad_f[None, :, :]).reshape(-1, len(learned.FEATURES)))
        pointwise += [good_f, bad_f]
        labels += [np.ones(len(good)), np.zeros(len(bad))]
    width = len(learned.FEATURES)
    if not differences:
        return np.zeros((0, width)), np.zeros((0, width)), np.zeros(0)
    return np.vstack(differences), np.vstack(pointwise), np.concatenate(labels)


# --- fitting -----------------------------------------------------------------------------------


def fit(parts: list[tuple[Engine, Labelled, list[int]]], *, c: float = 0.6, seed: int = 0) -> dict:
    """Weights from the given rows of labelled corpora (each with its feature engine)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(seed)
    collected = [samples(engine, labelled, rows, rng) for engine, labelled, rows in parts]
    differences = np.vstack([d for d, _, _ in collected])
    pointwise = np.vstack([p for _, p, _ in collected])
    labels = np.concatenate([y for _, _, y in collected])
    if not len(differences) or labels.min() == labels.max():
        raise ValueError("no labelled pairs to fit on: at least one organisation needs a partner")
    direction = ranking_direction(differences, c=c)
    z = pointwise @ direction
    scale = LogisticRegression(class_weight="balanced", max_iter=1000).fit(z[:, None], labels)
    a, b = float(scale.coef_[0][0]), float(scale.intercept_[0])
    weights = {
        "coefficients": {name: round(float(a * w), 6) for name, w in zip(learned.FEATURES, direction, strict=True)},
        "intercept": round(b, 6),
    }
    positive = learned.probability(a * z[labels == 1] + b)
    weights["min_score"] = round(float(np.quantile(positive, FLOOR_QUANTILE)), 4)
    weights["fitted_on"] = {
        "organisations": int(sum(len(rows) for _, _, rows in parts)),
        "pairs": int((labels == 1).sum()),
        "ranking_samples": len(differences),
    }
    return weights


def ranking_direction(differences: np.ndarray, *, c: float) -> np.ndarray:
    """Coefficients w that make w . d > 0 for the differences d (partner minus non-partner): an L2
    regularised logistic loss, minimised under the sign constraints of ``SIGNS``."""
    from scipy.optimize import minimize

    d = np.asarray(differences, dtype=np.float64)

    def loss(w):
        margin = d @ w
        value = np.logaddexp(0.0, -margin).sum() * c + 0.5 * w @ w
        gradient = -(d.T @ (1.0 / (1.0 + np.exp(np.clip(margin, -50, 50))))) * c + w
        return value, gradient

    bounds = [(0, None) if SIGNS[f] > 0 else (None, 0) if SIGNS[f] < 0 else (None, None) for f in learned.FEATURES]
    bounds[learned.FEATURES.index("fit")] = (FIT_AT_LEAST, None)
    found = minimize(loss, np.zeros(d.shape[1]), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000})
    return found.x


def folds(labelled: Labelled, k: int, seed: int = 0) -> dict[int, int]:
    """Row -> fold, whole connected parts at a time, shuffled."""
    parts = sorted({labelled.groups.get(row, row) for row in labelled.rows()})
    rng = np.random.default_rng(seed)
    rng.shuffle(parts)
    fold_of = {part: n % k for n, part in enumerate(parts)}
    return {row: fold_of[labelled.groups.get(row, row)] for row in labelled.rows()}


def ranked(corpus: Corpus, params: Params, rows: list[int], k: int) -> dict[int, list[int]]:
    """The lists of some rows (row -> partner rows, best first) with the given parameters."""
    engine = Engine(corpus, replace(params, k=k, candidates=max(params.candidates, k)))
    found = row_lists(engine.compute(np.asarray(rows, dtype=np.int64)))
    return {row: found.get(row, []) for row in rows}


def single_signal(name: str) -> dict:
    """Weights that rank by one signal alone."""
    coefficients = dict.fromkeys(learned.FEATURES, 0.0)
    coefficients[name] = float(SINGLE_SIGNALS[name])
    return {"coefficients": coefficients, "intercept": 0.0, "min_score": 0.0}


def cross_validate(
    labelled_sets: list[Labelled], params: Params, *, k_folds: int = 5, list_length: int = 10, seed: int = 0
) -> dict:
    """Held-out lists of every labelled row of the held-out sets, each ranked with weights fitted
    without its fold: {set name: {row: partner rows}}, and the weights of every fold."""
    engines = {id(s): feature_engine(s.corpus, params) for s in labelled_sets}
    fold_of = {id(s): folds(s, k_folds, seed) for s in labelled_sets if s.held_out}
    lists: dict[str, dict[int, list[int]]] = {s.name: {} for s in labelled_sets if s.held_out}
    fold_weights = []
    for fold in range(k_folds):
        parts = []
        for s in labelled_sets:
            train = [r for r in s.rows() if not s.held_out or fold_of[id(s)][r] != fold]
            parts.append((engines[id(s)], s, train))
        weights = fit(parts, seed=seed)
        fold_weights.append(weights)
        for s in labelled_sets:
            if s.held_out:
                test = [r for r in s.rows() if fold_of[id(s)][r] == fold]
                fold_params = replace(params, weights=weights, min_score=None)
                lists[s.name].update(ranked(s.corpus, fold_params, test, list_length))
    return {"lists": lists, "fold_weights": fold_weights}
