"""The stored duplicate search: staff request a run ("Search again"), the task
(companies.tasks.duplicates_search, handed to the outbox by name) computes the pairs with
companies.duplicates and replaces the stored ones, and staff mark a pair "not a duplicate" (kept
across runs) or propose it again.

The finder runs outside a transaction (it takes seconds on a large directory); the pairs are then
swapped in one short transaction, so the admin's page always shows a complete result. A run
finishes every search requested before it started; one requested meanwhile waits for the next run.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from companies.choices import DuplicateKind
from companies.duplicates import DuplicatePair, contact_duplicates_all, organisation_duplicates_all
from companies.models.contacts import Contact
from companies.models.duplicates import DuplicateSearch, PossibleDuplicate
from companies.models.organisations import Organisation
from outbox.services import task_enqueue

SEARCH_TASK = "companies.tasks.duplicates_search"
# A search waiting this long was lost (its worker died): "Search again" hands it to the outbox again.
SEARCH_STALL = datetime.timedelta(minutes=30)
# Finished searches kept per kind (the page shows the last one).
SEARCHES_KEPT = 20

_FINDERS = {DuplicateKind.ORGANISATION: organisation_duplicates_all, DuplicateKind.CONTACT: contact_duplicates_all}
_FIELDS = {
    DuplicateKind.ORGANISATION: ("first_organisation_id", "second_organisation_id"),
    DuplicateKind.CONTACT: ("first_contact_id", "second_contact_id"),
}


def _coalesce(kind: str) -> str:
    return f"companies.duplicates_search:{kind}"


@transaction.atomic
def duplicate_search_request(*, kind: str, user=None) -> DuplicateSearch:
    """Ask for a fresh search of ``kind``. While one waits, a second request adds nothing (the
    waiting search is the answer), unless it has waited longer than SEARCH_STALL."""
    kind = DuplicateKind(kind)
    waiting = DuplicateSearch.objects.filter(kind=kind, finished_at__isnull=True).first()
    if waiting is not None and waiting.requested_at > timezone.now() - SEARCH_STALL:
        return waiting
    if waiting is None:
        try:
            with transaction.atomic():
                waiting = DuplicateSearch.objects.create(kind=kind, requested_by=user)
        except IntegrityError:
            # Another request created it a moment ago; its task is in the outbox.
            return DuplicateSearch.objects.get(kind=kind, finished_at__isnull=True)
    task_enqueue(SEARCH_TASK, args=[str(kind)], coalesce=_coalesce(kind))
    return waiting


def duplicates_search_run(*, kind: str) -> int:
    """Compute the pairs of ``kind`` and store them in place of the previous ones (pairs marked "not a
    duplicate" stay as they are and are not added again). Returns the number of pairs stored."""
    kind = DuplicateKind(kind)
    started = timezone.now()
    DuplicateSearch.objects.filter(kind=kind, finished_at__isnull=True, started_at__isnull=True).update(
        started_at=started
    )
    pairs = _FINDERS[kind]()
    return _store(kind, pairs, started=started)


@transaction.atomic
def _store(kind: str, pairs: list[DuplicatePair], *, started: datetime.datetime) -> int:
    searches = list(
        DuplicateSearch.objects.select_for_update().filter(
            kind=kind, finished_at__isnull=True, requested_at__lte=started
        )
    )
    first_field, second_field = _FIELDS[kind]
    stored = PossibleDuplicate.objects.filter(kind=kind)
    stored.filter(dismissed_at__isnull=True).delete()
    dismissed = set(stored.values_list(first_field, second_field))
    # Records deleted or removed since the finder read them are left out.
    ids = {pk for pair in pairs for pk in (pair.first_id, pair.second_id)}
    if kind == DuplicateKind.ORGANISATION:
        existing = set(Organisation.objects.filter(pk__in=ids).values_list("pk", flat=True))
    else:
        existing = set(Contact.objects.filter(pk__in=ids, removed_at__isnull=True).values_list("pk", flat=True))
    rows = [
        PossibleDuplicate(
            kind=kind,
            score=pair.score,
            reasons=[[reason.kind, reason.percent] for reason in pair.reasons],
            computed_at=started,
            **{first_field: pair.first_id, second_field: pair.second_id},
        )
        for pair in pairs
        if (pair.first_id, pair.second_id) not in dismissed and {pair.first_id, pair.second_id} <= existing
    ]
    PossibleDuplicate.objects.bulk_create(rows, batch_size=2000)
    now = timezone.now()
    if searches:
        DuplicateSearch.objects.filter(pk__in=[search.pk for search in searches]).update(
            finished_at=now, pair_count=len(rows), started_at=started
        )
    else:  # the nightly run: recorded as a search of its own
        search = DuplicateSearch.objects.create(kind=kind, started_at=started, finished_at=now, pair_count=len(rows))
        DuplicateSearch.objects.filter(pk=search.pk).update(requested_at=started)
    old = DuplicateSearch.objects.filter(kind=kind, finished_at__isnull=False).values_list("pk", flat=True)
    DuplicateSearch.objects.filter(pk__in=list(old[SEARCHES_KEPT:])).delete()
    return len(rows)


@transaction.atomic
def duplicate_dismiss(*, candidate: PossibleDuplicate, user) -> bool:
    """Mark the pair "not a duplicate" (who and when are stored); later searches do not propose it
    again. False when it was marked already."""
    return bool(
        PossibleDuplicate.objects.filter(pk=candidate.pk, dismissed_at__isnull=True).update(
            dismissed_at=timezone.now(), dismissed_by=user
        )
    )


@transaction.atomic
def duplicate_dismissal_withdraw(*, candidate: PossibleDuplicate) -> bool:
    """Propose a pair marked "not a duplicate" again. False when it was not marked."""
    return bool(
        PossibleDuplicate.objects.filter(pk=candidate.pk, dismissed_at__isnull=False).update(
            dismissed_at=None, dismissed_by=None
        )
    )
