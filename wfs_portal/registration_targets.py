"""What the things companies register for share (a joint booth, a delegation trip, a project
workshop): the rule when one is open for registration.

Each model states its rule once (``registration_rule``, an ``OpeningRule``) as conditions on its
fields. The database asks it (``Model.objects.open()``: lists, filters, the portal), and an object
in memory asks it too (``is_open_for_registration``, ``closed_reason``: a page, a serializer, the
apply service after locking the row), from the same conditions, evaluated in Python by
``holds_for``. So a booth shown as open is one the apply service accepts, and the reason shown for
a closed one is the service's refusal."""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP
from django.utils import formats, timezone
from django.utils.translation import gettext

# The lookups an opening rule may use; comparisons as SQL makes them (see holds_for).
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "exact": operator.eq,
    "in": lambda value, choices: value in choices,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def holds_for(obj: models.Model, condition: Q) -> bool:
    """Whether ``obj``, as it is in memory, meets ``condition`` as the database would decide:
    field lookups (exact, in, gt, gte, lt, lte, isnull) joined by & and |. A comparison with an
    empty value is false, as one with NULL is in SQL. Negation is refused: under SQL's
    three-valued logic NOT (NULL >= x) is not true either, which plain Python would get wrong."""
    if condition.negated:
        raise ValueError("An opening rule cannot be negated; state the condition positively.")
    outcomes = (_child_holds(obj, child) for child in condition.children)
    return all(outcomes) if condition.connector == Q.AND else any(outcomes)


def _child_holds(obj: models.Model, child) -> bool:
    if isinstance(child, Q):
        return holds_for(obj, child)
    path, expected = child
    *attributes, lookup = path.split(LOOKUP_SEP)
    if lookup not in _COMPARISONS and lookup != "isnull":
        attributes, lookup = [*attributes, lookup], "exact"
    if hasattr(expected, "resolve_expression"):
        raise ValueError(f"An opening rule compares with values, not expressions: {path}")
    value = functools.reduce(getattr, attributes, obj)
    if lookup == "isnull":
        return (value is None) == bool(expected)
    return value is not None and _COMPARISONS[lookup](value, expected)


@dataclass(frozen=True)
class Requirement:
    """One condition a target meets while it takes registrations (``condition(today)``), and what a
    visitor is told while it does not (``refusal(target)``)."""

    condition: Callable[[datetime.date], Q]
    refusal: Callable[[Any], str]


class OpeningRule:
    """When a target is open for registration: all its requirements hold. The first that does
    not gives the reason (so list the state before the deadline: "not open" says more than a
    deadline of a trip that never opened)."""

    def __init__(self, *requirements: Requirement):
        self.requirements = requirements

    def condition(self, today: datetime.date) -> Q:
        return functools.reduce(operator.and_, (requirement.condition(today) for requirement in self.requirements))

    def refusal(self, target: models.Model, today: datetime.date) -> str:
        for requirement in self.requirements:
            if not holds_for(target, requirement.condition(today)):
                return requirement.refusal(target)
        return ""


def _deadline_passed_message(deadline: datetime.date) -> str:
    return gettext("The registration deadline (%(date)s) has passed.") % {"date": formats.date_format(deadline)}


def deadline_not_passed(field: str = "registration_deadline", *, optional: bool = False) -> Requirement:
    """The registration deadline (the date ``field``, its last day included) has not passed;
    ``optional``: a target without a deadline takes registrations until staff close it."""

    def condition(today: datetime.date) -> Q:
        not_passed = Q(**{f"{field}__gte": today})
        return (Q(**{f"{field}__isnull": True}) | not_passed) if optional else not_passed

    return Requirement(condition, lambda target: _deadline_passed_message(getattr(target, field)))


class RegistrationTargetQuerySet(models.QuerySet):
    """The queryset (``objects``) of a model with a ``registration_rule``."""

    def open(self, today: datetime.date | None = None) -> RegistrationTargetQuerySet:
        """Those open for registration (on ``today``, default: the local date)."""
        return self.filter(self.model.registration_rule.condition(today or timezone.localdate()))

    def closed(self, today: datetime.date | None = None) -> RegistrationTargetQuerySet:
        """Those not open for registration (on ``today``, default: the local date)."""
        return self.exclude(self.model.registration_rule.condition(today or timezone.localdate()))


class RegistrationTarget:
    """Mixed into a model that takes registrations; the model names its ``registration_rule`` and
    uses ``RegistrationTargetQuerySet.as_manager()`` as ``objects``."""

    registration_rule: OpeningRule

    @property
    def closed_reason(self) -> str:
        """Why nobody can register now, or "" while it is open: what the portal shows instead of
        the form, and what the apply service answers."""
        return self.registration_rule.refusal(self, timezone.localdate())

    @property
    def is_open_for_registration(self) -> bool:
        return not self.closed_reason
