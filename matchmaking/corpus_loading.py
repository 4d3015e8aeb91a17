"""From the database to the matching engine: organisation records (with cached embeddings), the
staff rules and the organisations' feedback, and the generation snapshot that Celery workers share."""

from __future__ import annotations

import datetime
import io
import itertools
import secrets
import tempfile
from importlib import import_module

import numpy as np
from django.apps import apps
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from companies.choices import ProfileState, VerificationState
from companies.models.classifications import Sector
from companies.models.clusters import ClusterMembership
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from matchmaking import embedding
from matchmaking.choices import ContactRequestState, ExclusionKind, FeedbackVerdict, OverrideAction
from matchmaking.engine import snapshots
from matchmaking.engine.corpus import Corpus, build, needs_first
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
    return [text for text, _german in _profile_texts(profile)]


def _profile_texts(profile: PartneringProfile) -> list[tuple[str, bool]]:
    """(text, whether it is the German one) per language the profile is written in."""
    texts = []
    for lang in ("de", "en"):
        title = getattr(profile, f"title_{lang}")
        summary = " ".join(
            t for t in (getattr(profile, f"summary_{lang}"), getattr(profile, f"partner_sought_{lang}")) if t
        )
        keywords = getattr(profile, f"keywords_{lang}")
        if title or summary:
            texts.append((profile_text(title, summary, keywords), lang == "de"))
    return texts


def _matchable_profiles(today: datetime.date):
    return PartneringProfile.objects.filter(state=ProfileState.PUBLISHED, valid_until__gte=today).prefetch_related(
        "sectors"
    )


def organisations_queryset(today: datetime.date | None = None):
    """The organisations the engine knows: verified ones (others are never proposed and get no
    list), with what building a record needs prefetched."""
    today = today or timezone.localdate()
    active = ClusterMembership.current_q(on=today)
    return Organisation.objects.filter(verification_state=VerificationState.VERIFIED).prefetch_related(
        "sectors",
        "technology_fields",
        Prefetch("partnering_profiles", queryset=_matchable_profiles(today), to_attr="matchable_profiles"),
        Prefetch(
            "cluster_memberships", queryset=ClusterMembership.objects.filter(active), to_attr="active_memberships"
        ),
    )


def org_records(organisations, today: datetime.date | None = None, *, batch: int = 2000) -> list[OrgRecord]:
    """Records of the given organisations (from ``organisations_queryset``, or its ``iterator`` with
    a chunk size), texts embedded with the cache; only texts never seen before go to the model. A
    batch of organisations at a time: their model instances and their texts' vectors are let go
    before the next batch is read."""
    sector_codes = _sector_codes()
    competitors = set(
        MatchExclusion.objects.filter(kind=ExclusionKind.COMPETITORS, is_active=True).values_list(
            "organisation_id", flat=True
        )
    )
    records = []
    for chunk in _batches(organisations, batch):
        texts = []
        for org in chunk:
            for profile in org.matchable_profiles:
                texts.extend(profile_embedding_texts(profile))
            texts.extend(t for t in (org.description_de, org.description_en) if t)
        vectors = embedding.embed_cached(texts)
        records.extend(_record(org, vectors, sector_codes, competitors) for org in chunk)
    return records


def _record(org: Organisation, vectors: dict, sector_codes: dict, competitors: set) -> OrgRecord:
    profiles, offers, needs, offer_texts, request_texts = [], [], [], [], []
    targets = set()
    for profile in org.matchable_profiles:
        written = _profile_texts(profile)
        embedded = [(t, is_german) for t, is_german in written if t in vectors]
        if not embedded:
            continue
        profile_texts = [t for t, _ in written]
        vector = combine([vectors[t] for t, _ in embedded])
        is_request = profile.type in REQUEST_TYPES
        profiles.append(ProfileRecord(id=profile.pk, type=profile.type, vector=vector))
        german = sum(g for _, g in embedded) / len(embedded)
        (needs if is_request else offers).append((vector, german))
        (request_texts if is_request else offer_texts).extend(profile_texts)
        targets.update(str(country) for country in profile.target_countries)
    descriptions = [t for t in (org.description_de, org.description_en) if t]
    described = [(vectors[t], g) for t, g in ((org.description_de, 1.0), (org.description_en, 0.0)) if t in vectors]
    codes = [sector_codes[s.pk] for s in org.sectors.all()]
    matchable = not org.matchmaking_opt_out
    return OrgRecord(
        id=org.pk,
        kind=org.kind,
        offer_text=" ".join(offer_texts + descriptions),
        request_text=" ".join(request_texts),
        **composed(offers, needs, described),
        profiles=profiles,
        fields=tuple(f.slug for f in org.technology_fields.all()),
        sectors=tuple(code for code, _ in codes if code),
        sections=tuple(section for _, section in codes),
        district=org.district,
        country=str(org.country),
        target_countries=tuple(sorted(targets)),
        size_band=org.employee_band,
        clusters=tuple(str(m.cluster_id) for m in org.active_memberships),
        group=org.corporate_group,
        competitor_rule=org.pk in competitors,
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


def build_corpus(today: datetime.date | None = None) -> Corpus:
    """The whole corpus, as a full recompute sees it."""
    # Organisations with a request first: the pre-filter skips the text columns of blocks without.
    records = needs_first(org_records(organisations_queryset(today).iterator(chunk_size=2000), today))
    corpus = build(records, dim=embedding.DIM)
    apply_rules(corpus)
    return corpus


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


def save_arrays(path: str, **arrays) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    if default_storage.exists(path):
        default_storage.delete(path)
    default_storage.save(path, ContentFile(buffer.getvalue()))


def load_arrays(path: str) -> dict[str, np.ndarray]:
    with default_storage.open(path, "rb") as handle, np.load(io.BytesIO(handle.read())) as data:
        return {name: data[name] for name in data.files}


def delete_generation_files(generation_id: int) -> None:
    folder = f"matching/generation-{generation_id}"
    if not default_storage.exists(folder):
        return
    directories, files = default_storage.listdir(folder)
    for name in files:
        default_storage.delete(f"{folder}/{name}")
