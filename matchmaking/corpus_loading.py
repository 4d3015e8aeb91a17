"""From the database to the matching engine: organisation records (with cached embeddings), the
staff rules and the organisations' feedback, and the generation snapshot that Celery workers share."""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import io
import itertools
import queue
import secrets
import tempfile
import threading
from collections import defaultdict
from functools import partial
from importlib import import_module

import numpy as np
from django.apps import apps
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from companies.choices import ProfileState, VerificationState
from companies.models.classifications import Sector
from companies.models.clusters import ClusterMembership
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from matchmaking import embedding
from matchmaking.choices import ContactRequestState, ExclusionKind, FeedbackVerdict, OverrideAction
from matchmaking.engine import building, snapshots
from matchmaking.engine.corpus import Corpus
from matchmaking.engine.records import (
    OrgRecord,
    ProfileRecord,
    combine,
    composed,
    profile_text,
)
from matchmaking.engine.vocabulary import REQUEST_TYPES
from matchmaking.models.introductions import ContactRequest
from matchmaking.models.matches import ComplementaryDivisions, MatchExclusion, MatchFeedback, MatchOverride


def _sector_codes() -> dict[int, tuple[str, str]]:
    """sector id -> (code, section letter)."""
    sectors = {s.pk: s for s in Sector.objects.only("pk", "code", "level", "parent_id")}
    result = {}
    for pk, sector in sectors.items():
        node = sector
        while node.parent_id is not None:
            node = sectors[node.parent_id]
        result[pk] = (sector.code if sector.level > 1 else "", node.code)
    return result


def profile_embedding_texts(profile: PartneringProfile) -> list[str]:
    """The texts of a profile that the sentence encoder embeds (one per language it is written in)."""
    return [text for text, _german in _profile_texts(partial(getattr, profile))]


def _profile_texts(value) -> list[tuple[str, bool]]:
    """(text, whether it is the German one) per language a profile is written in; ``value(name)``
    gives a field of the profile (of a model instance or a row of values)."""
    texts = []
    for lang in ("de", "en"):
        title = value(f"title_{lang}")
        summary = " ".join(t for t in (value(f"summary_{lang}"), value(f"partner_sought_{lang}")) if t)
        keywords = value(f"keywords_{lang}")
        if title or summary:
            texts.append((profile_text(title, summary, keywords), lang == "de"))
    return texts


# What a record needs of an organisation and of each of its matchable profiles, read as values (not
# model instances: at 50,000 organisations those and their prefetched relations took half of the
# preparation).
ORGANISATION_VALUES = (
    "id",
    "kind",
    "description_de",
    "description_en",
    "matchmaking_opt_out",
    "district",
    "country",
    "employee_band",
    "corporate_group",
)
PROFILE_VALUES = ("id", "organisation_id", "type", "target_countries") + tuple(
    f"{name}_{lang}" for name in ("title", "summary", "partner_sought", "keywords") for lang in ("de", "en")
)


def matchable_profiles(today: datetime.date):
    """The profiles the engine reads: published and valid on ``today``."""
    return PartneringProfile.objects.filter(state=ProfileState.PUBLISHED, valid_until__gte=today)


def organisation_ids() -> list[int]:
    """The organisations the engine knows, by name: verified ones (others are never proposed and
    get no list)."""
    return list(
        Organisation.objects.filter(verification_state=VerificationState.VERIFIED)
        .order_by("name", "pk")
        .values_list("pk", flat=True)
    )


def record_batches(ids, today: datetime.date | None = None, *, batch: int = 2000):
    """Lists of records of the given organisations (those of them that are verified), ``batch`` at
    a time, in the order of ``ids``; texts embedded with the cache (only texts never seen before go
    to the model). A batch's rows and vectors are let go before the next batch is read."""
    today = today or timezone.localdate()
    sector_codes = _sector_codes()
    competitors = set(
        MatchExclusion.objects.filter(kind=ExclusionKind.COMPETITORS, is_active=True).values_list(
            "organisation_id", flat=True
        )
    )
    for chunk in _batches(ids, batch):
        rows = Organisation.objects.filter(pk__any=chunk, verification_state=VerificationState.VERIFIED)
        rows = {row["id"]: row for row in rows.order_by().values(*ORGANISATION_VALUES)}
        related = {
            "sectors": _pairs(Organisation.sectors.through, "sector_id", rows),
            "fields": _pairs(Organisation.technology_fields.through, "technologyfield__slug", rows),
            "clusters": _pairs(ClusterMembership, "cluster_id", rows, ClusterMembership.current_q(on=today)),
            "profiles": defaultdict(list),
        }
        profiles = matchable_profiles(today).filter(organisation_id__any=list(rows))
        for profile in profiles.order_by("organisation_id", "-created", "pk").values(*PROFILE_VALUES):
            related["profiles"][profile["organisation_id"]].append(profile)
        texts = []
        for pk, row in rows.items():
            for profile in related["profiles"][pk]:
                texts.extend(t for t, _ in _profile_texts(profile.__getitem__))
            texts.extend(t for t in (row["description_de"], row["description_en"]) if t)
        vectors = embedding.embed_cached(texts)
        yield [_record(rows[pk], related, vectors, sector_codes, competitors) for pk in chunk if pk in rows]


def org_records(ids, today: datetime.date | None = None, *, batch: int = 2000) -> list[OrgRecord]:
    """The records of ``record_batches`` in one list."""
    return [record for records in record_batches(ids, today, batch=batch) for record in records]


def _pairs(model, column: str, rows: dict, *conditions) -> dict[int, list]:
    """organisation id -> the ``column`` of its rows of ``model`` (a through table or memberships)."""
    found = defaultdict(list)
    for pk, value in model.objects.filter(*conditions, organisation_id__any=list(rows)).values_list(
        "organisation_id", column
    ):
        found[pk].append(value)
    return found


def _record(row: dict, related: dict, vectors: dict, sector_codes: dict, competitors: set) -> OrgRecord:
    pk = row["id"]
    profiles, offers, needs, offer_texts, request_texts = [], [], [], [], []
    targets = set()
    for profile in related["profiles"][pk]:
        written = _profile_texts(profile.__getitem__)
        embedded = [(t, is_german) for t, is_german in written if t in vectors]
        if not embedded:
            continue
        vector = combine([vectors[t] for t, _ in embedded])
        is_request = profile["type"] in REQUEST_TYPES
        profiles.append(ProfileRecord(id=profile["id"], type=profile["type"], vector=vector))
        german = sum(g for _, g in embedded) / len(embedded)
        (needs if is_request else offers).append((vector, german))
        (request_texts if is_request else offer_texts).extend(t for t, _ in written)
        targets.update(c for c in (profile["target_countries"] or "").split(",") if c)
    descriptions = [t for t in (row["description_de"], row["description_en"]) if t]
    described = [
        (vectors[t], g) for t, g in ((row["description_de"], 1.0), (row["description_en"], 0.0)) if t in vectors
    ]
    codes = [sector_codes[s] for s in related["sectors"][pk]]
    matchable = not row["matchmaking_opt_out"]
    return OrgRecord(
        id=pk,
        kind=row["kind"],
        offer_text=" ".join(offer_texts + descriptions),
        request_text=" ".join(request_texts),
        **composed(offers, needs, described),
        profiles=profiles,
        fields=tuple(related["fields"][pk]),
        sectors=tuple(code for code, _ in codes if code),
        sections=tuple(section for _, section in codes),
        district=row["district"],
        country=str(row["country"]),
        target_countries=tuple(sorted(targets)),
        size_band=row["employee_band"],
        clusters=tuple(str(c) for c in related["clusters"][pk]),
        group=row["corporate_group"],
        competitor_rule=pk in competitors,
        eligible=matchable,
        wants_list=matchable,
    )


def _batches(items, size: int):
    """Lists of ``size`` items of an iterable (the last one shorter)."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


LABELS_MODULE = "matchmaking_labels"


def contributed_labels() -> list[tuple[int, int, float]]:
    """(organisation id, partner id, value) from every app with a module ``matchmaking_labels`` that
    has ``labels()``: what came of meetings the app arranged, as the engine's feedback (1.0 is an
    accepted introduction; larger is stronger, negative lowers). Later apps win for the same pair."""
    found = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, LABELS_MODULE):
            found.extend(import_module(f"{config.name}.{LABELS_MODULE}").labels())
    return found


def apply_rules(corpus: Corpus) -> None:
    """Staff rules, overrides and the organisations' feedback, by organisation id."""
    active_pairs = MatchExclusion.objects.filter(kind=ExclusionKind.PAIR, is_active=True)
    overrides = MatchOverride.objects.values_list("organisation_id", "partner_id", "action")
    # An accepted introduction counts as "interesting" on both sides, once, unless the organisation
    # said otherwise itself: its own verdict wins.
    feedback = {}
    for a, b in ContactRequest.objects.filter(state=ContactRequestState.ACCEPTED).values_list(
        "requester_id", "target_id"
    ):
        feedback[a, b] = feedback[b, a] = 1.0
    # What came of meetings arranged elsewhere (brokerage events), by the apps that arrange them.
    for a, b, value in contributed_labels():
        feedback[a, b] = value
    for a, b, verdict in MatchFeedback.objects.values_list("organisation_id", "partner_id", "verdict"):
        feedback[a, b] = 1.0 if verdict == FeedbackVerdict.INTERESTING else -1.0
    corpus.set_rules(
        excluded=list(active_pairs.values_list("organisation_id", "other_id")),
        hidden=[(a, b) for a, b, action in overrides if action == OverrideAction.HIDE],
        pinned=[(a, b) for a, b, action in overrides if action == OverrideAction.PIN],
        feedback=[(a, b, value) for (a, b), value in feedback.items()],
        complementary_divisions=[
            (int(a), int(b)) for a, b in ComplementaryDivisions.objects.values_list("first__code", "second__code")
        ],
        same_group_rule=MatchExclusion.objects.filter(kind=ExclusionKind.SAME_GROUP, is_active=True).exists(),
    )


def build_corpus(today: datetime.date | None = None, *, batch: int = 2000) -> Corpus:
    """The whole corpus, as a full recompute sees it, built ``batch`` organisations at a time: the
    lexical model is fitted on the texts of a sample of them first (``building.fit_sample``), then
    every batch is read, transformed and written into the corpus's arrays, the batches read from
    the database by a thread of their own (``ReadAhead``) from the start. The rows end in
    ``needs_first`` order (organisations with a request first: the pre-filter skips the text columns
    of blocks without)."""
    ids = organisation_ids()
    with contextlib.ExitStack() as stack:  # the reading thread stops whatever fails
        if len(ids) <= building.FIT_ORGANISATIONS:  # all of them are the sample: read once
            batches = [org_records(ids, today, batch=batch)]
            lexical = building.fit_lexical(batches[0])
        else:  # the batches read from now on, while the sample is read and fitted
            batches = stack.enter_context(ReadAhead(record_batches(ids, today, batch=batch)))
            lexical = building.fit_lexical(org_records([ids[i] for i in building.fit_sample(len(ids))], today))
        _release_freed_memory()
        builder = building.Builder(len(ids), embedding.DIM, lexical)
        for records in batches:
            builder.add(records)
    corpus = builder.corpus(ordered=True)
    _release_freed_memory()
    apply_rules(corpus)
    return corpus


class ReadAhead:
    """The items of an iterator, read by a thread of its own from the start, up to ``depth`` ahead
    of the caller. For the corpus the thread reads the batches of records, whose queries mostly wait
    for PostgreSQL (working on the other core meanwhile), while the caller fits the lexical model
    and turns the batches into vectors: at 200,000 organisations the corpus was built in 55-63 s
    instead of 88-90 s. Inside a transaction (a test's) another connection would not see its rows:
    there, and on other databases, the items are read as they are asked for. Use it as a context
    manager, or ``close()`` it: the thread stops."""

    _END = object()

    def __init__(self, items, *, depth: int = 2):
        self.items = items
        self.thread = None
        if connection.in_atomic_block or connection.vendor != "postgresql":
            return
        self.ready: queue.Queue = queue.Queue(maxsize=depth)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, name="corpus-read-ahead", daemon=True)
        self.thread.start()

    def _hand_on(self, item, error=None) -> bool:
        """Put an item in the queue unless the caller has stopped; whether it was."""
        while not self.stop.is_set():
            with contextlib.suppress(queue.Full):
                self.ready.put((item, error), timeout=0.5)
                return True
        return False

    def _read(self) -> None:
        try:
            for item in self.items:
                if not self._hand_on(item):
                    return
            self._hand_on(self._END)
        except BaseException as exc:  # raised in the caller's thread: its task fails with it
            self._hand_on(self._END, exc)
        finally:
            connection.close()  # this thread's own connection

    def __iter__(self):
        if self.thread is None:
            yield from self.items
            return
        while True:
            item, error = self.ready.get()
            if error is not None:
                raise error
            if item is self._END:
                return
            yield item

    def close(self) -> None:
        if self.thread is not None:
            self.stop.set()
            self.thread.join()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _release_freed_memory() -> None:
    """Gives the memory that Python and numpy freed back to the system where the C library keeps it
    (glibc's ``malloc_trim``: the sample's records and the lexical fit leave about 90 MB that the
    process would otherwise hold, at 200,000 organisations, through the engine's preparation)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


# --- snapshots ---------------------------------------------------------------------------------
# The corpus of a generation and the pre-filter thresholds, stored once by the task that starts the
# generation and read by every chunk task, on whatever machine (Django's default storage: a
# shared volume, or object storage in a larger set-up). The file is the project's own
# (``matchmaking.engine.snapshots``).


def snapshot_path(generation_id: int, name: str) -> str:
    return f"matching/generation-{generation_id}/{name}"


def save_snapshot(generation_id: int, payload: dict) -> str:
    """Stores the snapshot under a name of its own (a random part beside the generation's id) and
    returns it. Worker processes keep engines and snapshots by that name, so a name must never be
    used for two snapshots: a database that was emptied or restored numbers its generations anew,
    and a worker that outlived it would otherwise compute with the old generation's corpus."""
    path = snapshot_path(generation_id, f"corpus-{secrets.token_hex(8)}.snapshot")
    # Through a temporary file, so that no copy of the corpus is held in memory (``snapshots``).
    with tempfile.TemporaryFile() as handle:
        snapshots.dump(payload, handle)
        handle.seek(0)
        return default_storage.save(path, File(handle))


_cache: dict[str, dict] = {}


def load_snapshot(path: str) -> dict:
    """The snapshot, read once per worker process (a chunk task of the same generation that runs
    next in the same process finds it in memory); the two most recent are kept. Only files that
    save_snapshot wrote are read, so unpickling them is safe."""
    if path not in _cache:
        while len(_cache) >= 2:
            _cache.pop(next(iter(_cache)))
        with default_storage.open(path, "rb") as handle:
            _cache[path] = snapshots.load(handle)
    return _cache[path]


def store(path: str, data: bytes) -> None:
    """Store a generation file under ``path``, replacing one an earlier attempt wrote there."""
    if default_storage.exists(path):
        default_storage.delete(path)
    default_storage.save(path, ContentFile(data))


def save_arrays(path: str, **arrays) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    store(path, buffer.getvalue())


def load_arrays(path: str) -> dict[str, np.ndarray]:
    with default_storage.open(path, "rb") as handle, np.load(io.BytesIO(handle.read())) as data:
        return {name: data[name] for name in data.files}


def generation_files(generation_id: int) -> list[str]:
    """The paths of every file of a generation (snapshot, map chunks' candidates)."""
    folder = snapshot_path(generation_id, "").rstrip("/")
    if not default_storage.exists(folder):
        return []
    return [f"{folder}/{name}" for name in default_storage.listdir(folder)[1]]


def delete_generation_files(generation_id: int) -> None:
    for name in generation_files(generation_id):
        default_storage.delete(name)
