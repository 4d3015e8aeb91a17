"""The demo ends with partner suggestions: a full match computation after the loader.

Before the first full run there is nothing for the organisations' changes to update (the signals in
companies/signals.py wait for an active generation), so a freshly loaded demo would show no partner
suggestions until staff started a run. ``matches_ensure`` starts it and delivers the run's tasks
itself, the way the relay would: without a broker they run here, one after the other; with a broker
they go to the workers, and it waits for them."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q

from matchmaking.choices import GenerationState
from matchmaking.models.generations import MatchGeneration
from matchmaking.selectors import active_generation
from matchmaking.services.generations import match_generation_start
from outbox.models import OutboxMessage
from outbox.relay import deliver_now, delivers_after_commit
from outbox.selectors import OPEN

logger = logging.getLogger(__name__)

# The records the matching reads (matchmaking/corpus_loading.py): when the loader added none of them and
# a generation is active, that generation is the demo's, and computing it again would give the same.
MATCHING_INPUTS = frozenset(
    {
        "companies.Organisation",
        "companies.PartneringProfile",
        "companies.Cluster",
        "companies.ClusterMembership",
    }
)


@dataclass
class MatchesOutcome:
    generation: MatchGeneration | None
    computed: bool  # False: the active generation was kept
    reason: str


def _waiting_tasks(generation_id: int) -> list[int]:
    """The run's tasks (preparation, chunks, switch) that wait in the outbox, by the coalesce values
    companies/services/matching.py gives them."""
    return list(
        OutboxMessage.objects.filter(state__in=OPEN)
        .filter(
            Q(coalesce__startswith=f"matching.run:{generation_id}")
            | Q(coalesce__startswith=f"matching.chunk:{generation_id}:")
        )
        .values_list("pk", flat=True)
    )


def matches_ensure(*, created: Counter, timeout: float = 900) -> MatchesOutcome:
    """Make sure a generation is active when the demo is loaded: compute one when there is none, or
    when the loader added organisations, profiles or cluster ties (``created`` counts the records it
    added by model label). ``timeout``: how long to wait for the workers when there is a broker."""
    active = active_generation()
    added = sorted(label for label in created if label in MATCHING_INPUTS)
    if active is not None and not added:
        return MatchesOutcome(active, False, "no organisations, profiles or cluster ties were added")
    reason = "no partner suggestions computed yet" if active is None else "added: " + ", ".join(added)
    generation = match_generation_start()
    # Outside a transaction, the commit in match_generation_start has run the whole computation
    # already (no broker: the outbox delivers right after the commit, in this process). Inside one
    # (a caller's, the tests') nothing is delivered before it ends, so the tasks are delivered here;
    # with a broker they are handed to the workers here even when no relay runs.
    deadline = time.monotonic() + timeout
    while True:
        generation.refresh_from_db()
        if generation.state != GenerationState.BUILDING or generation.error:
            break
        waiting = _waiting_tasks(generation.pk)
        try:
            delivered = deliver_now(waiting).delivered if waiting else 0
        except Exception:
            # As after a commit (robust on_commit): a task that fails has recorded why in the
            # generation, which ends the loop; the failure does not end the command.
            logger.exception("A task of match generation %s failed.", generation.pk)
            continue
        if delivered:
            continue
        if (delivers_after_commit() and not waiting) or time.monotonic() > deadline:
            # Nothing left to run here (a task failed and the generation says why), or the workers
            # are late: the caller tells which.
            break
        time.sleep(1)
    return MatchesOutcome(generation, True, reason)
