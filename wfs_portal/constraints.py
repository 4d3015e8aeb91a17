"""The rules that models of several apps declare as database constraints, each written once.

Every constraint is named ``<app label>_<model>_<name>`` and carries the message that a form, the
admin or a service shows when a row would break it."""

import operator
from functools import reduce

from django.db import models
from django.db.models import F, Q


def constraint_name(name: str) -> str:
    """The full name of a model's constraint, from the part that says what it guards."""
    return f"%(app_label)s_%(class)s_{name}"


def one_per(fields: list[str], message, *, name: str, condition: Q | None = None) -> models.UniqueConstraint:
    """At most one row for each combination of ``fields`` (among the rows ``condition`` selects)."""
    return models.UniqueConstraint(
        fields=fields, condition=condition, name=constraint_name(name), violation_error_message=message
    )


def not_self(
    field: str, other: str, message, *, name: str = "not_self", other_optional: bool = False
) -> models.CheckConstraint:
    """Two references to the same model point to two different rows (an organisation is not its own
    partner). With ``other_optional``, a row without ``other`` passes."""
    condition = ~Q(**{field: F(other)})
    if other_optional:
        condition = Q(**{f"{other}__isnull": True}) | condition
    return models.CheckConstraint(condition=condition, name=constraint_name(name), violation_error_message=message)


def not_before(
    later: str, earlier: str, message, *, name: str, unless_empty: tuple[str, ...] = ()
) -> models.CheckConstraint:
    """The date or moment ``later`` does not lie before ``earlier`` (the same one is fine); a row in
    which one of the fields ``unless_empty`` is empty passes."""
    conditions = [Q(**{f"{field}__isnull": True}) for field in unless_empty]
    conditions.append(Q(**{f"{later}__gte": F(earlier)}))
    return models.CheckConstraint(
        condition=reduce(operator.or_, conditions), name=constraint_name(name), violation_error_message=message
    )


def not_negative(
    fields: list[str], message, *, name: str, unless_empty: tuple[str, ...] = ()
) -> models.CheckConstraint:
    """None of the numbers ``fields`` is below zero; a row in which one of the fields ``unless_empty``
    is empty passes."""
    conditions = [Q(**{f"{field}__isnull": True}) for field in unless_empty]
    conditions.append(Q(**{f"{field}__gte": 0 for field in fields}))
    return models.CheckConstraint(
        condition=reduce(operator.or_, conditions), name=constraint_name(name), violation_error_message=message
    )


def filled_when(state: Q, fields: list[str], message, *, name: str) -> models.CheckConstraint:
    """A row in ``state`` has every one of ``fields`` filled: a verified organisation its date of
    verification, a delivered message its delivery date."""
    filled = Q(**{f"{field}__isnull": False for field in fields})
    return models.CheckConstraint(
        condition=~state | filled, name=constraint_name(name), violation_error_message=message
    )
