"""The matching engine's tunable parameters, in one place. Django passes the ``MATCHING`` settings
block as overrides (see wfs_portal/settings.py); everything else uses these defaults."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from matchmaking.engine import learned

# The pre-filter's structure weight for the learned score. The pre-filter chooses about 200
# candidates per organisation by its products (the raw text similarity plus this weight per shared
# technology field and per shared district); the score then ranks them. A weight out of proportion to
# what the score makes of a shared field fills the candidates of a dense corpus with organisations
# that share fields and pushes out ones the score would list. The learned score values a shared field
# at a few hundredths of raw text similarity (its structure coefficient against those of the text
# signals where they are not saturated), the hand-set score's 0.15 at several times that. Share of
# the exhaustive top-20 entries the engine keeps (``manage.py bench_candidates``: the 1,397 real
# organisations of the labelled sets, and 500 lists of corpora grown from them with ``--grow``):
#
#   weight    1,397    10,000    50,000    200,000
#   0.15      0.9993   0.9257    0.8011    0.6495
#   0.075     0.9999   0.9958*   0.9715*   0.9105
#   0.05      0.9999   0.9979    0.9878    0.9395
#   0.0375    0.9999   0.9980    0.9885    0.9437
#   0.025     0.9999   0.9979    0.9880    0.9432
#   0         0.9998   0.9971    0.9857
#
# (* another sample of 200 lists.)
#
# Only the candidates change, not the score; sets smaller than twice the candidates (every labelled
# set) are not affected at all.
LEARNED_PREFILTER_STRUCTURE = 0.0375


@dataclass(frozen=True)
class Params:
    # --- the list --------------------------------------------------------------------------
    k: int = 20  # partners per organisation
    candidates: int = 200  # rough number of candidates per organisation kept by the pre-filter
    rerank_pool: int = 3  # the final re-ranking looks at rerank_pool * k best candidates

    # --- the score: weights of the three parts (they sum to 1, so the score stays in [0, 1]) -----
    w_text: float = 0.6  # offer <-> need complementarity (embeddings and TF-IDF)
    w_structure: float = 0.25  # technology fields, cross-sector bonus, complementary NACE divisions
    w_fit: float = 0.15  # region, size, cluster ties, kinds of organisation

    # Below this text complementarity, structure and fit count only in part (from gate_floor of
    # their weight at no text up to all of it at gate_text): a shared technology field and the
    # same district alone do not make an introduction worth a person's time.
    gate_text: float = 0.3
    gate_floor: float = 0.3

    # --- text ------------------------------------------------------------------------------
    # Share of the lexical (TF-IDF) similarity in the text signal; the rest is the multilingual
    # embedding, which alone understands a German request against an English offer.
    lexical_share: float = 0.2
    # Value of meeting a partner who needs what you offer, relative to one who offers what you
    # need. Both directions are combined by a harmonic mean: an introduction works when both gain.
    customer_value: float = 0.7
    # Cosines of sentence embeddings crowd in a narrow band; they are rescaled so that the typical
    # unrelated pair (this quantile of a sample of pairs) maps to 0 and a perfect match to 1.
    calibration_quantile: float = 0.5
    # The sentence encoder rates a German text against an English one lower than two texts of one
    # language that say as much: a pair's raw text similarity is divided by this as far as the two
    # texts are in different languages (``scoring.across_languages``); 1 leaves the similarities as
    # the encoder gives them. Chosen by cross-validation on the fitting sets (``match_fit``; 0.865,
    # 0.8, 0.75 and 0.7 tried: the strongest correction that lowers the same-language figures of
    # neither set), and in line with the encoder itself: on the German and English titles of the
    # NACE classes, the similarity of two titles across the languages is 0.82 times that within one
    # for related titles (0.865 over all pairs). No held-out set was used.
    cross_language_scale: float = 0.8

    # --- structure ---------------------------------------------------------------------------
    shared_field: float = 0.6  # sharing a technology field
    cross_sector_bonus: float = 0.4  # ... across different NACE sections (the agency's thesis)
    complementary_divisions: float = 0.8  # NACE divisions staff declared complementary

    # --- practical fit -----------------------------------------------------------------------
    fit_region: float = 0.4
    fit_size: float = 0.2
    fit_cluster: float = 0.2
    fit_kinds: float = 0.2

    # --- feedback and diversity --------------------------------------------------------------
    # Partners similar to one marked "interesting" (or introduced) rise, similar to one marked "not
    # relevant" fall, by up to this much, scaled by the similarity of what they offer; the rated
    # pair itself keeps its score.
    similar_feedback: float = 0.1
    # MMR penalty for a candidate of the same kind and NACE section, in points of the score; None:
    # 0.08 for the hand-set score, none for the learned one (on held-out data any penalty cost
    # more true partners than it spread the lists; its hub penalty keeps generic partners out).
    diversity: float | None = None

    # --- pre-filter structure augmentation ---------------------------------------------------
    # Weight of each shared technology field and of a shared district in the pre-filter's matrix
    # product (in units of the raw text similarity), so that structurally close pairs become
    # candidates even when their texts say little. None: 0.15 for the hand-set score, and for the
    # learned one ``LEARNED_PREFILTER_STRUCTURE``, in proportion to what a shared field is worth to
    # it beside the text; see ``prefilter_structure_weight``.
    prefilter_structure: float | None = None

    # --- the learned score ------------------------------------------------------------------
    # Coefficients of the learned score (``matchmaking.engine.learned``), fitted by ``manage.py
    # match_fit``; by default the shipped ones. {} is the hand-set score above (w_text, gates ...).
    weights: dict = field(default_factory=lambda: dict(learned.shipped_weights()))
    # A partner below this score is not listed however short the list (pinned ones are); None takes
    # the one fitted with the weights, so that a generic institute does not fill weak places.
    min_score: float | None = None

    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        total = self.w_text + self.w_structure + self.w_fit
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"w_text + w_structure + w_fit must be 1, not {total:g}")
        fit_total = self.fit_region + self.fit_size + self.fit_cluster + self.fit_kinds
        if abs(fit_total - 1.0) > 1e-6:
            raise ValueError(f"the fit weights must sum to 1, not {fit_total:g}")
        if not (0 <= self.gate_floor <= 1 and self.gate_text > 0):
            raise ValueError("need 0 <= gate_floor <= 1 and gate_text > 0")
        if not 0 <= self.lexical_share < 1:
            raise ValueError("need 0 <= lexical_share < 1")
        # The pre-filter's floor (Prefilter._floor) relies on a structure weight of at least 0.
        if self.prefilter_structure is not None and not self.prefilter_structure >= 0:  # NaN too
            raise ValueError("need prefilter_structure >= 0")
        if not 0 < self.cross_language_scale <= 1:
            raise ValueError("need 0 < cross_language_scale <= 1")
        if self.k < 1 or self.candidates < self.k:
            raise ValueError("need 1 <= k <= candidates")
        learned.check(self.weights)

    @property
    def mmr_diversity(self) -> float:
        if self.diversity is not None:
            return self.diversity
        return 0.0 if self.weights else 0.08

    @property
    def prefilter_structure_weight(self) -> float:
        """The pre-filter's structure weight as used (``prefilter_structure``)."""
        if self.prefilter_structure is not None:
            return self.prefilter_structure
        return LEARNED_PREFILTER_STRUCTURE if self.weights else 0.15

    @property
    def list_floor(self) -> float:
        """The lowest score a listed partner may have."""
        if self.min_score is not None:
            return self.min_score
        return float(self.weights.get("min_score", 0.0)) if self.weights else 0.0

    @classmethod
    def from_mapping(cls, overrides: dict | None) -> Params:
        known = {f.name for f in fields(cls)}
        overrides = dict(overrides or {})
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown matching parameters: {', '.join(sorted(unknown))}")
        return replace(cls(), **overrides)

    @classmethod
    def from_stored(cls, stored: dict) -> Params:
        """The parameters a generation was started with (``MatchGeneration.parameters``), without
        the keys that are no parameters (its embedding model) or no longer are (``interesting_boost``,
        retired): a generation that was being built when the engine changed is resumed with it, one
        started before there were weights with the hand-set score, and one started before the
        cross-language correction without it (its weights were fitted without it)."""
        known = {f.name for f in fields(cls)}
        overrides = {key: value for key, value in stored.items() if key in known}
        overrides.setdefault("weights", {})  # started before the score was learned: the hand-set one
        overrides.setdefault("cross_language_scale", 1.0)
        return cls.from_mapping(overrides)

    def __setstate__(self, state: dict) -> None:
        """Parameters pickled before the cross-language correction (the snapshot of a generation
        prepared before it, whose weights were fitted without it) are unpickled without it."""
        self.__dict__.update({"cross_language_scale": 1.0, **state})

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
