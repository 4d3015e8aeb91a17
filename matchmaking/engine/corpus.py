"""The engine's input: every organisation as rows of numpy arrays, assembled from records
(``matchmaking.engine.records``; ``matchmaking.engine.building`` builds whole corpora) and updated
when some of them change, with the lexical model (``matchmaking.engine.lexical``) fitted on its
texts. A generation's snapshot pickles ``Corpus`` under this module's name, and snapshots stored
before the lexical model had a module of its own pickled ``LexicalModel`` under it too (it is
imported here for them): moving either away makes stored snapshots unreadable. No Django here."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matchmaking.engine.arrays import group_key, key, padded, unit_rows, widen
from matchmaking.engine.lexical import LexicalModel
from matchmaking.engine.records import OrgRecord
from matchmaking.engine.snapshots import leading_columns_of
from matchmaking.engine.vocabulary import (
    COOPERATION_TYPES,
    DISTRICTS,
    FIELDS,
    KINDS,
    OFFER_TYPES,
    REQUEST_TYPES,
    SIZE_BANDS,
)

MAX_PROFILES = 3  # per organisation and direction, for the reasons (the best-matching pair of titles)
PROFILE_DTYPE = np.int8


def profile_rows(vectors: np.ndarray) -> np.ndarray:
    """Profile vectors as a corpus keeps them: unit rows times 127 in int8, a quarter of float32.
    They only choose the profiles a reason names (the largest product of a few pairs, which the
    scale does not change and a rounding of 1 % hardly does)."""
    return np.rint(unit_rows(vectors) * 127).astype(PROFILE_DTYPE)


def prefilter_width(dim: int, lexical_dims: int) -> int:
    """The columns of the pre-filter's matrices: embedding, lexical, technology fields, district."""
    return dim + lexical_dims + len(FIELDS) + len(DISTRICTS)


@dataclass
class Corpus:
    """Rows of arrays, one row per organisation; see ``build``."""

    ids: np.ndarray
    offer: np.ndarray  # (n, d) float32, unit rows or zero
    request: np.ndarray
    lex_offer: np.ndarray  # (n, l) float32, unit rows or zero
    lex_request: np.ndarray
    fields: np.ndarray  # (n,) int64 bitmask over FIELDS
    sections: np.ndarray  # (n,) int64 bitmask over section letters
    divisions: np.ndarray  # (n, D) int16 NACE divisions, -1 pads
    classes: np.ndarray  # (n, C) int64 keys of the NACE codes below section level, 0 pads
    district: np.ndarray  # (n,) int16 index into DISTRICTS, -1 outside Saxony
    in_germany: np.ndarray  # (n,) bool
    country: np.ndarray  # (n,) int64 key of the country
    targets: np.ndarray  # (n, T) int64 keys of the target countries of its profiles, 0 pads
    size: np.ndarray  # (n,) int8 index into SIZE_BANDS, -1 unknown
    clusters: np.ndarray  # (n, K) int64 keys of its active cluster memberships, 0 pads
    kind: np.ndarray  # (n,) int8 index into KINDS
    group: np.ndarray  # (n,) int64 hashed corporate group, 0 none
    competitor_rule: np.ndarray  # (n,) bool
    eligible: np.ndarray  # (n,) bool
    wants_list: np.ndarray  # (n,) bool
    offer_profiles: np.ndarray  # (n, MAX_PROFILES) int32 index into profile_vectors, -1 none
    request_profiles: np.ndarray
    profile_vectors: np.ndarray  # (p, d) PROFILE_DTYPE, see profile_rows
    profile_ids: np.ndarray  # (p,) external ids
    # (n,) bool: looks for a partner of its own kind (an R&D request: a consortium, joint research),
    # so that a partner who asks for the same counts as a co-operation, not as a twin.
    cooperation: np.ndarray | None = None
    # (n,) float32: the German share of the offer and of the request vector (OrgRecord), for the
    # cross-language correction of the text similarity (scoring.across_languages).
    offer_german: np.ndarray | None = None
    request_german: np.ndarray | None = None
    complementary_divisions: np.ndarray = field(default_factory=lambda: np.zeros((100, 100), dtype=bool))
    # Pair rules, as sorted int64 keys row * n + column.
    excluded: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    hidden: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    pinned: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # Feedback: (row, partner, +1 interesting or introduced / -1 not relevant)
    feedback_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    feedback_partners: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    feedback_values: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    same_group_rule: bool = True
    lexical: LexicalModel | None = None
    # Calibration of the text signal (raw cosine mapped to [0, 1]); set by Prefilter.calibrate.
    calibration: tuple[float, float] | None = None
    # The hub signal of every row and the sample of rows it was measured against (learned.hubness),
    # set by the first pre-filter with learned weights: kept with the snapshot, so that a worker that
    # loads one does not measure it again (about 3 s at 200,000 organisations).
    hub: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def n(self) -> int:
        return len(self.ids)

    def index_of(self, external_id) -> int:
        return self._index[external_id]

    def __post_init__(self):
        self.reindex()
        # Whether request and offer are the first columns of float32 buffers as wide as the
        # pre-filter's matrices, which the first pre-filter on this corpus may fill and keep.
        self.spare_columns = False
        self._defaults()

    def _defaults(self) -> None:
        """Arrays that a corpus built (or a snapshot pickled) before they existed lacks."""
        if self.__dict__.get("cooperation") is None:
            self.cooperation = np.zeros(len(self.ids), dtype=bool)
        for name in ("offer_german", "request_german"):
            if self.__dict__.get(name) is None:
                setattr(self, name, np.full(len(self.ids), 0.5, dtype=np.float32))

    def reindex(self) -> None:
        """The index of the rows by external id, after ``ids`` changed."""
        self._index = {value: i for i, value in enumerate(self.ids.tolist())}

    def __setstate__(self, state):
        """A snapshot pickled before an array existed gets its default."""
        self.__dict__.update(state)
        # A snapshot (``snapshots.load``) gives the vectors back as the first columns of buffers as
        # wide as the pre-filter's matrices; an earlier version's plain pickle as narrow arrays.
        self.spare_columns = all(leading_columns_of(getattr(self, side)) is not None for side in ("request", "offer"))
        self._defaults()

    def pair_keys(self, pairs) -> np.ndarray:
        """Sorted keys of (external id, external id) pairs that are both in the corpus."""
        keys = [self._index[a] * self.n + self._index[b] for a, b in pairs if a in self._index and b in self._index]
        return np.unique(np.asarray(keys, dtype=np.int64))

    def set_rules(
        self,
        *,
        excluded=(),
        hidden=(),
        pinned=(),
        feedback=(),
        complementary_divisions=(),
        same_group_rule: bool = True,
    ) -> None:
        """Pair rules by external ids. ``excluded`` applies in both directions, ``hidden`` and
        ``pinned`` to one organisation's list; ``feedback`` is (organisation, partner, value)."""
        excluded = list(excluded)
        self.excluded = self.pair_keys(excluded + [(b, a) for a, b in excluded])
        self.hidden = self.pair_keys(hidden)
        self.pinned = self.pair_keys(pinned)
        rows = [(self._index[a], self._index[b], v) for a, b, v in feedback if a in self._index and b in self._index]
        self.feedback_rows = np.asarray([r for r, _, _ in rows], dtype=np.int64)
        self.feedback_partners = np.asarray([p for _, p, _ in rows], dtype=np.int64)
        self.feedback_values = np.asarray([v for _, _, v in rows], dtype=np.float32)
        matrix = np.zeros((100, 100), dtype=bool)
        for a, b in complementary_divisions:
            matrix[int(a), int(b)] = matrix[int(b), int(a)] = True
        self.complementary_divisions = matrix
        self.same_group_rule = same_group_rule


# The padded per-organisation arrays and their padding value.
PADDED = {"divisions": -1, "classes": 0, "targets": 0, "clusters": 0, "offer_profiles": -1, "request_profiles": -1}

# The per-organisation arrays of a Corpus, in its field order.
ROW_FIELDS = (
    "ids",
    "offer",
    "request",
    "lex_offer",
    "lex_request",
    "fields",
    "sections",
    "divisions",
    "classes",
    "district",
    "in_germany",
    "country",
    "targets",
    "size",
    "clusters",
    "kind",
    "group",
    "competitor_rule",
    "eligible",
    "wants_list",
    "offer_profiles",
    "request_profiles",
    "cooperation",
    "offer_german",
    "request_german",
)


def update(corpus: Corpus, records: list[OrgRecord]) -> Corpus:
    """The corpus with the rows of ``records`` replaced (same id) or appended (new id); the lexical
    model of the corpus transforms their texts. Rules and calibration are kept."""
    if not records:
        return corpus
    n = len(records)
    both = corpus.lexical.transform([r.offer_text for r in records] + [r.request_text for r in records])
    part = assemble(records, corpus.offer.shape[1], both[:n], both[n:])
    rows = [corpus._index.get(r.id, -1) for r in records]
    existing = [(k, row) for k, row in enumerate(rows) if row >= 0]
    new = [k for k, row in enumerate(rows) if row < 0]
    merged = {}
    offset = len(corpus.profile_vectors)
    for name in ROW_FIELDS:
        old, add = getattr(corpus, name), getattr(part, name)
        if name in ("offer_profiles", "request_profiles"):
            add = np.where(add >= 0, add + offset, -1)
        if name in PADDED:  # the same width for old and new rows
            width = max(old.shape[1], add.shape[1])
            old, add = widen(old, width, PADDED[name]), widen(add, width, PADDED[name])
        values = old.copy() if not new else np.concatenate([old, add[new]])
        for k, row in existing:
            values[row] = add[k]
        merged[name] = values
    result = Corpus(
        **merged,
        profile_vectors=np.concatenate([_profiles_as_kept(corpus.profile_vectors), part.profile_vectors]),
        profile_ids=np.concatenate([corpus.profile_ids, part.profile_ids]),
    )
    result.lexical = corpus.lexical
    result.calibration = corpus.calibration
    for name in ("complementary_divisions", "same_group_rule"):
        setattr(result, name, getattr(corpus, name))
    return result


def update_in_place(corpus: Corpus, records: list[OrgRecord]) -> np.ndarray | None:
    """Overwrite the rows of ``records`` in the corpus itself, without copying its arrays (the
    incremental path at 50,000 organisations; only a padded array that is too narrow for the new
    values is copied, wider). Returns the rows changed, or None for an organisation the corpus does
    not hold: then ``update`` builds a new corpus."""
    if not records:
        return np.zeros(0, dtype=np.int64)
    rows = [corpus._index.get(r.id, -1) for r in records]
    if min(rows) < 0:
        return None
    n = len(records)
    both = corpus.lexical.transform([r.offer_text for r in records] + [r.request_text for r in records])
    part = assemble(records, corpus.offer.shape[1], both[:n], both[n:])
    for name, fill in PADDED.items():  # more values than a padded array has room for: widen it
        setattr(corpus, name, widen(getattr(corpus, name), getattr(part, name).shape[1], fill))
    # Profile vectors: the organisations' old slots are reused, more are appended.
    corpus.profile_vectors = _profiles_as_kept(corpus.profile_vectors)
    rows = np.asarray(rows, dtype=np.int64)
    free = [
        int(x)
        for row in rows
        for x in np.concatenate([corpus.offer_profiles[row], corpus.request_profiles[row]])
        if x >= 0
    ]
    needed = len(part.profile_vectors)
    slots = (free + list(range(len(corpus.profile_vectors), len(corpus.profile_vectors) + needed)))[:needed]
    extra = max(0, needed - len(free))
    if extra:
        corpus.profile_vectors = np.concatenate(
            [corpus.profile_vectors, np.zeros((extra, corpus.profile_vectors.shape[1]), dtype=PROFILE_DTYPE)]
        )
        corpus.profile_ids = np.concatenate([corpus.profile_ids, np.zeros(extra, dtype=object)])
    slots = np.asarray(slots, dtype=np.int64)
    if needed:
        corpus.profile_vectors[slots] = part.profile_vectors
        corpus.profile_ids[slots] = part.profile_ids
    for name in ROW_FIELDS:
        if name == "ids":
            continue
        target, values = getattr(corpus, name), getattr(part, name)
        if name in ("offer_profiles", "request_profiles"):
            values = np.where(values >= 0, slots[np.maximum(values, 0)] if needed else -1, -1)
        if name in PADDED:
            values = widen(values, target.shape[1], PADDED[name])
        target[rows] = values
    return rows


def assemble(records: list[OrgRecord], dim: int, lex_offer: np.ndarray, lex_request: np.ndarray) -> Corpus:
    """A corpus from records and their lexical vectors (``build`` computes those; the benchmark
    brings synthetic ones)."""
    n = len(records)
    # Zeros as wide as the pre-filter's matrices (their pages cost nothing until written): the
    # pre-filter fills the other columns and keeps them, so that one copy of the vectors is held.
    width = prefilter_width(dim, lex_offer.shape[1])
    offer = np.zeros((n, width), dtype=np.float32)[:, :dim]
    request = np.zeros((n, width), dtype=np.float32)[:, :dim]
    for i, r in enumerate(records):
        if r.offer_vector is not None:
            offer[i] = r.offer_vector
        if r.request_vector is not None:
            request[i] = r.request_vector
    vectors, profile_ids = [], []
    offer_profiles = np.full((n, MAX_PROFILES), -1, dtype=np.int32)
    request_profiles = np.full((n, MAX_PROFILES), -1, dtype=np.int32)
    for i, r in enumerate(records):
        offers = [p for p in r.profiles if p.type in OFFER_TYPES][:MAX_PROFILES]
        requests = [p for p in r.profiles if p.type in REQUEST_TYPES][:MAX_PROFILES]
        for target, chosen in ((offer_profiles, offers), (request_profiles, requests)):
            for slot, profile in enumerate(chosen):
                target[i, slot] = len(vectors)
                vectors.append(profile.vector)
                profile_ids.append(profile.id)
    profile_vectors = profile_rows(np.asarray(vectors, dtype=np.float32).reshape(len(vectors), dim))

    def divisions(r: OrgRecord) -> list[int]:
        heads = (code.split(".")[0] for code in r.sectors)
        return sorted({int(head) for head in heads if head.isdigit() and int(head) < 100})

    corpus = Corpus(
        ids=np.asarray([r.id for r in records], dtype=object),
        offer=unit_rows(offer, copy=False),
        request=unit_rows(request, copy=False),
        lex_offer=lex_offer,
        lex_request=lex_request,
        fields=np.asarray([sum(1 << FIELDS.index(f) for f in set(r.fields) if f in FIELDS) for r in records], np.int64),
        sections=np.asarray(
            [sum(1 << (ord(s.upper()) - 65) for s in set(r.sections) if s and s.isalpha()) for r in records], np.int64
        ),
        divisions=padded([divisions(r) for r in records], fill=-1, dtype=np.int16),
        classes=padded([sorted({key(code) for code in r.sectors if code}) for r in records]),
        district=np.asarray(
            [DISTRICTS.index(r.district) if r.district in DISTRICTS else -1 for r in records], np.int16
        ),
        in_germany=np.asarray([r.country == "DE" for r in records], dtype=bool),
        country=np.asarray([key(r.country) for r in records], dtype=np.int64),
        targets=padded([sorted({key(c) for c in r.target_countries if c}) for r in records]),
        size=np.asarray([SIZE_BANDS.index(r.size_band) if r.size_band in SIZE_BANDS else -1 for r in records], np.int8),
        clusters=padded([sorted({key(c) for c in r.clusters if c}) for r in records]),
        kind=np.asarray([KINDS.index(r.kind) for r in records], dtype=np.int8),
        group=np.asarray([group_key(r.group) for r in records], dtype=np.int64),
        competitor_rule=np.asarray([r.competitor_rule for r in records], dtype=bool),
        eligible=np.asarray([r.eligible for r in records], dtype=bool),
        wants_list=np.asarray([r.wants_list for r in records], dtype=bool),
        offer_profiles=offer_profiles,
        request_profiles=request_profiles,
        profile_vectors=profile_vectors,
        profile_ids=np.asarray(profile_ids, dtype=object),
        cooperation=np.asarray([any(p.type in COOPERATION_TYPES for p in r.profiles) for r in records], dtype=bool),
        offer_german=np.asarray([r.offer_german for r in records], dtype=np.float32),
        request_german=np.asarray([r.request_german for r in records], dtype=np.float32),
    )
    corpus.spare_columns = True
    return corpus


def _profiles_as_kept(vectors: np.ndarray) -> np.ndarray:
    """Profile vectors of an older snapshot (float32 or float16) in today's form."""
    return vectors if vectors.dtype == PROFILE_DTYPE else profile_rows(vectors.astype(np.float32))
