"""The search of partnering profiles and organisations: one function each, used by the
marketplace's pages, the partner API's ``q``, the match API's ``q`` and the admin's search box.

On PostgreSQL three rankings are fused by reciprocal rank fusion (each row scores the sum of
1 / (RRF_K + its place) over the rankings that found it):

- full text: the stored weighted vector of each row (migration companies 0015: title or name A,
  keywords B, summary or description C; German texts with the German configuration, English ones
  with the English one, names and keywords also word for word) against the query read as German,
  as English and word for word;
- typos: the full-text ranking once more, with each query word that occurs nowhere replaced by the
  known word (of the titles, keywords and names) nearest to it by trigram similarity, so "Robtik"
  finds "Robotik";
- meaning: the multilingual sentence embeddings of the matchmaking, so a German query finds an
  English profile. This app knows nothing of them: the function named by the setting
  SEARCH_SEMANTIC_RANKER (``matchmaking.search_vectors.nearest``) answers with the ids of the
  nearest rows, and a row without a vector simply takes no part in that ranking.

Each ranking contributes its best LIMIT rows among the rows the caller's queryset (with its
filters) allows, so the work stays bounded at any size. On SQLite (the laptop) the full-text and
trigram parts are replaced by "every word somewhere in the texts"; the embeddings take part as on
PostgreSQL. A query that is a profile's reference number (WFS-TO-2027-0001) finds that profile."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import Case, F, Func, Q, QuerySet, Value, When
from django.utils.module_loading import import_string

from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.references import looks_like_reference

# The constant of reciprocal rank fusion (the value of Cormack et al.): it damps the difference
# between the first places of a ranking, so agreement between rankings counts most.
RRF_K = 60
# Rows each ranking contributes at most.
LIMIT = 1000
# Trigram similarity from which a word counts as a misspelling of another ("robtik" and "robotik"
# share half their trigrams; pg_trgm's default of 0.3 would also correct to unrelated words).
TYPO_SIMILARITY = 0.45
# Query words looked at; shorter ones than MIN_TYPO_WORD have too few trigrams to judge a typo.
MAX_WORDS = 8
MIN_TYPO_WORD = 4

ORGANISATION_TEXT_FIELDS = ("name", "city", "description_de", "description_en")


def words(text: str) -> list[str]:
    return re.findall(r"\w[\w-]*", text.lower())[:MAX_WORDS]


def _semantic_ranker() -> Callable[..., list[int]] | None:
    path = getattr(settings, "SEARCH_SEMANTIC_RANKER", "")
    return import_string(path) if path else None


def _semantic(kind: str, text: str) -> list[int]:
    ranker = _semantic_ranker()
    return ranker(kind, text, limit=LIMIT) if ranker else []


def fuse(rankings: Sequence[Sequence[int]]) -> list[int]:
    """Reciprocal rank fusion of ranked id lists: the ids by descending fused score (ties by the
    order of first appearance)."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for place, pk in enumerate(ranking, start=1):
            scores[pk] = scores.get(pk, 0.0) + 1.0 / (RRF_K + place)
    return sorted(scores, key=lambda pk: -scores[pk])


def in_order(queryset: QuerySet, ids: Sequence[int]) -> QuerySet:
    """The rows of ``queryset`` whose ids are given, in the order given."""
    if not ids:
        return queryset.none()
    ids = list(ids)
    if connection.vendor == "postgresql":
        position = Func(
            Value(ids, output_field=ArrayField(models.BigIntegerField())),
            F("pk"),
            function="array_position",
            output_field=models.IntegerField(),
        )
    else:
        position = Case(*[When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)], output_field=models.IntegerField())
    return queryset.filter(pk__in=ids).annotate(search_position=position).order_by("search_position")


# --- PostgreSQL ------------------------------------------------------------------------------------


def corrections(text: str) -> dict[str, str]:
    """The query's misspelt words with their nearest known word (titles, keywords and names:
    migration companies 0016), by trigram similarity; a word that occurs as typed is no typo."""
    typed = [w for w in words(text) if len(w) >= MIN_TYPO_WORD]
    if not typed:
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, false)", [str(TYPO_SIMILARITY)])
        cursor.execute(
            """SELECT q.word, c.word FROM unnest(%s::text[]) AS q(word)
            CROSS JOIN LATERAL (
                SELECT w.word FROM companies_search_word w WHERE w.word %% q.word
                ORDER BY similarity(w.word, q.word) DESC, w.word LIMIT 1
            ) c
            WHERE NOT EXISTS (SELECT 1 FROM companies_search_word k WHERE k.word = q.word)""",
            [typed],
        )
        return dict(cursor.fetchall())


def _full_text_part(table: str, base_sql: str, ranking: int) -> str:
    """The rows whose vector answers the query (read as German, as English and word for word),
    best first by ts_rank_cd, at most LIMIT."""
    return f"""(SELECT {ranking} AS ranking, t.id,
            row_number() OVER (ORDER BY ts_rank_cd(t.search_vector, q.query) DESC, t.id) AS place
        FROM {table} t, (SELECT websearch_to_tsquery('german', %s) || websearch_to_tsquery('english', %s)
                         || websearch_to_tsquery('simple', %s) AS query) q
        WHERE t.search_vector @@ q.query AND t.id IN ({base_sql})
        ORDER BY place LIMIT {LIMIT})"""


def _postgres_rankings(queryset: QuerySet, text: str, *, semantic: list[int]) -> list[list[int]]:
    """The full-text ranking of the query as typed, that of the query with its typos corrected,
    and the semantic ranking, of the rows of ``queryset`` (the caller's filters are a subquery), in
    one statement."""
    table = queryset.model._meta.db_table
    base_sql, base_params = queryset.order_by().values("pk").query.sql_with_params()
    parts = [_full_text_part(table, base_sql, 1)]
    params = [text, text, text, *base_params]
    fixed = corrections(text)
    if fixed:
        corrected = " ".join(fixed.get(word, word) for word in words(text))
        parts.append(_full_text_part(table, base_sql, 2))
        params += [corrected, corrected, corrected, *base_params]
    if semantic:
        parts.append(
            f"""(SELECT 3 AS ranking, s.id, s.place FROM unnest(%s::bigint[]) WITH ORDINALITY AS s(id, place)
            WHERE s.id IN ({base_sql}))"""
        )
        params += [semantic, *base_params]
    rankings: dict[int, list[tuple[int, int]]] = {1: [], 2: [], 3: []}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for ranking, pk, place in cursor.fetchall():
            rankings[ranking].append((place, pk))
    return [[pk for _, pk in sorted(found)] for found in rankings.values()]


# --- SQLite --------------------------------------------------------------------------------------


def _simple_ranking(queryset: QuerySet, text: str, fields: Sequence[str]) -> list[int]:
    """Rows that contain every word of the query in one of ``fields`` (case-insensitive), in the
    queryset's order: the laptop's stand-in for the full-text and trigram rankings."""
    condition = Q()
    for word in words(text):
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        condition &= any_field
    if not condition:
        return []
    return list(queryset.filter(condition).values_list("pk", flat=True)[:LIMIT])


# --- the two searches ------------------------------------------------------------------------------


def _search(queryset: QuerySet, text: str, *, kind: str, fields: Sequence[str]) -> list[int]:
    semantic = _semantic(kind, text)
    if connection.vendor == "postgresql":
        rankings = _postgres_rankings(queryset, text, semantic=semantic)
    else:
        allowed = set(queryset.filter(pk__in=semantic).values_list("pk", flat=True)) if semantic else set()
        rankings = [_simple_ranking(queryset, text, fields), [pk for pk in semantic if pk in allowed]]
    return fuse(rankings)


def profile_search_ids(queryset: QuerySet[PartneringProfile], text: str) -> list[int]:
    """The ids of the profiles of ``queryset`` that match ``text``, best first."""
    text = text.strip()
    if not text:
        return []
    if looks_like_reference(text):
        return list(queryset.filter(reference__iexact=text).values_list("pk", flat=True))
    return _search(queryset, text, kind="profile", fields=PartneringProfile.TEXT_FIELDS)


def organisation_search_ids(queryset: QuerySet[Organisation], text: str) -> list[int]:
    """The ids of the organisations of ``queryset`` that match ``text``, best first."""
    text = text.strip()
    if not text:
        return []
    return _search(queryset, text, kind="organisation", fields=ORGANISATION_TEXT_FIELDS)


def profile_search(queryset: QuerySet[PartneringProfile], text: str) -> QuerySet[PartneringProfile]:
    """The profiles of ``queryset`` that match ``text``, best first; all of them, unordered anew,
    for an empty text."""
    if not text.strip():
        return queryset
    return in_order(queryset, profile_search_ids(queryset, text))


def organisation_search(queryset: QuerySet[Organisation], text: str) -> QuerySet[Organisation]:
    """The organisations of ``queryset`` that match ``text``, best first (all for an empty text)."""
    if not text.strip():
        return queryset
    return in_order(queryset, organisation_search_ids(queryset, text))
