"""Merging duplicates: two organisations (or two contact persons) become one, the survivor.

In one transaction, with both rows locked: every record of any app that refers to the other one is
moved to the survivor (found by walking the models' foreign keys, so the directory imports no app
above it), the field values staff chose are kept, the merge is recorded in both histories
(``ORGANISATION_MERGED_IN`` on the survivor, ``ORGANISATION_MERGED_AWAY`` on the deletion, each
naming the other; moved records carry ``RECORD_MERGED``), and the other one is deleted.

Where moving a record would break a rule, one of these applies:

- a record between the two (a match, an introduction, feedback, an override or an exclusion of the
  pair) means nothing once they are one: it is deleted;
- derived records without a history of their own (matches, portal visits, possible duplicates) are
  not moved: they go with the other one, and matchmaking recomputes the survivor
  (``match_organisation_update`` is handed to the outbox by name);
- the organisation's own sectors and technology fields, and rows of a plain many-to-many table,
  are united;
- a cluster membership or a representation the survivor has already stays, the other's is deleted;
  a moved primary contact person stays a contact person, no longer the primary one;
- a consent for a purpose the surviving person has an active consent for is withdrawn (at the
  merge) and moved, so that what was agreed stays provable;
- any other conflict (both registered on one booth, both persons with one e-mail address at the
  organisation, a record that no longer passes its own checks) refuses the merge with a message
  naming the record; nothing is changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext

from companies.audit import (
    CONTACT_MERGED_AWAY,
    CONTACT_MERGED_IN,
    ORGANISATION_MERGED_AWAY,
    ORGANISATION_MERGED_IN,
    RECORD_MERGED,
)
from companies.models.clusters import ClusterMembership
from companies.models.contacts import ConsentRecord, Contact
from companies.models.organisations import ENTRY_FIELDS, Organisation
from companies.models.representatives import Representative
from companies.services.organisations import organisation_changed
from outbox.services import task_enqueue
from wfs_portal.audit import with_detail
from wfs_portal.services import validated_save

# Fields staff choose between (the rest follows the survivor): identity, address, profile texts.
ORGANISATION_FIELDS = [*ENTRY_FIELDS, "corporate_group", "matchmaking_opt_out", "logo"]
# The verification goes as a whole with the side chosen for "verification_state".
VERIFICATION_FIELDS = ["verification_state", "verified_at", "verified_by", "rejection_reason"]
CONTACT_FIELDS = ["title", "first_name", "last_name", "position", "email", "phone", "language"]
# The survivor's own record kept when both have one (same cluster, same user); the other's is deleted.
KEEP_SURVIVORS = {ClusterMembership: "cluster", Representative: "user"}


@dataclass
class MergeResult:
    survivor: models.Model
    moved: int = 0
    deleted: list[str] = field(default_factory=list)


def _describe(obj: models.Model) -> str:
    return f"#{obj.pk} {obj}"


def _references(target: type[models.Model]):
    """(model, foreign key) of every model with a foreign key to ``target``; historical records
    (simple-history's copies) are left as they are written."""
    for model in apps.get_models(include_auto_created=True):
        if hasattr(model, "instance_type"):
            continue
        for fk in model._meta.concrete_fields:
            if fk.many_to_one and fk.related_model is target:
                yield model, fk


def _refusal(obj: models.Model, exc: ValidationError) -> ValidationError:
    return ValidationError(
        gettext("The merge is not possible: %(kind)s “%(record)s”: %(problem)s")
        % {"kind": obj._meta.verbose_name, "record": obj, "problem": " ".join(exc.messages)}
    )


def _move(survivor, other, *, user, detail: str, result: MergeResult) -> None:
    target = type(survivor)
    reason = with_detail(RECORD_MERGED, detail)
    for model, fk in sorted(_references(target), key=lambda item: item[0] is not Contact):
        rows = model._default_manager.filter(**{fk.name: other})
        if model._meta.auto_created:
            # A plain many-to-many table: the survivor's rows stay, the other's are added.
            kept = set(model.objects.filter(**{fk.name: survivor}).values_list(_other_end(model, fk), flat=True))
            rows.filter(**{f"{_other_end(model, fk)}__in": kept}).delete()
            result.moved += rows.update(**{fk.name: survivor})
            continue
        if not hasattr(model, "history"):
            continue  # derived records: deleted with the other one
        # Locked in the order of their keys, and only the row itself: a model's ordering may join a
        # nullable relation, which PostgreSQL refuses to lock ("FOR UPDATE cannot be applied to the
        # nullable side of an outer join").
        for row in rows.order_by("pk").select_for_update(of=("self",)):
            setattr(row, fk.name, survivor)
            ends = [f for f in model._meta.concrete_fields if f.many_to_one and f.related_model is target]
            if len(ends) > 1 and all(getattr(row, f.attname) == survivor.pk for f in ends):
                result.deleted.append(f"{model._meta.verbose_name}: {row}")
                row._change_reason = reason
                row._history_user = user
                row.delete()
                continue
            if isinstance(row, Contact) and row.is_primary and survivor.contacts.filter(is_primary=True).exists():
                row.is_primary = False
            if (
                isinstance(row, ConsentRecord)
                and row.withdrawn_at is None
                and survivor.consents.filter(purpose=row.purpose, withdrawn_at__isnull=True).exists()
            ):
                row.withdrawn_at = max(timezone.now(), row.given_at)
            same = KEEP_SURVIVORS.get(model)
            if same and rows.model.objects.filter(**{fk.name: survivor, same: getattr(row, f"{same}_id")}).exists():
                result.deleted.append(f"{model._meta.verbose_name}: {row}")
                row._change_reason = reason
                row._history_user = user
                row.delete()
                continue
            try:
                validated_save(row, user=user, reason=reason)
            except ValidationError as exc:
                raise _refusal(row, exc) from exc
            result.moved += 1


def _other_end(model: type[models.Model], fk) -> str:
    return next(f.name for f in model._meta.concrete_fields if f.many_to_one and f is not fk)


def _apply_choices(survivor, other, fields: list[str], choices: dict[str, str], groups=None) -> None:
    """Copy the fields for which staff chose the other record's value ("other")."""
    for name in fields:
        if choices.get(name) == "other":
            for group_field in (groups or {}).get(name, [name]):
                setattr(survivor, group_field, getattr(other, group_field))


@transaction.atomic
def organisation_merge(*, survivor: Organisation, other: Organisation, choices: dict[str, str], user) -> MergeResult:
    """Merge ``other`` into ``survivor`` (see the module docstring); ``choices`` maps a field of
    ORGANISATION_FIELDS (or "verification_state" for the verification) to "survivor" or "other".
    A ValidationError names what prevents the merge; then nothing has changed."""
    if survivor.pk == other.pk:
        raise ValidationError(gettext("An organisation cannot be merged with itself."))
    # Both rows locked in the order of their keys, so two merges of the same pair cannot deadlock.
    locked = {
        o.pk: o for o in Organisation.objects.select_for_update().filter(pk__in=[survivor.pk, other.pk]).order_by("pk")
    }
    survivor, other = locked[survivor.pk], locked[other.pk]
    result = MergeResult(survivor)
    detail = f"{_describe(other)} → #{survivor.pk}"
    _move(survivor, other, user=user, detail=detail, result=result)
    survivor.sectors.add(*other.sectors.all())
    survivor.technology_fields.add(*other.technology_fields.all())
    _apply_choices(
        survivor,
        other,
        [*ORGANISATION_FIELDS, "verification_state"],
        choices,
        {"verification_state": VERIFICATION_FIELDS},
    )
    merged_in = with_detail(ORGANISATION_MERGED_IN, _describe(other))
    other._history_user = user
    other._change_reason = with_detail(ORGANISATION_MERGED_AWAY, _describe(survivor))
    other.delete()
    validated_save(survivor, user=user, reason=merged_in)
    organisation_changed(organisation=survivor)
    # The survivor's matches recomputed; the coalescing key is matchmaking's own, so a waiting
    # update of the survivor is not doubled.
    task_enqueue(
        "matchmaking.tasks.match_organisation_update",
        args=[survivor.pk],
        coalesce=f"matching.update:{survivor.pk}",
    )
    return result


@transaction.atomic
def contact_merge(*, survivor: Contact, other: Contact, choices: dict[str, str], user) -> MergeResult:
    """Merge the contact person ``other`` into ``survivor``: consents, registrations and
    participations that name the other now name the survivor (see the module docstring)."""
    if survivor.pk == other.pk:
        raise ValidationError(gettext("A contact person cannot be merged with themselves."))
    locked = {
        c.pk: c
        for c in Contact.objects.select_for_update(of=("self",)).filter(pk__in=[survivor.pk, other.pk]).order_by("pk")
    }
    survivor, other = locked[survivor.pk], locked[other.pk]
    result = MergeResult(survivor)
    _move(survivor, other, user=user, detail=f"{_describe(other)} → #{survivor.pk}", result=result)
    _apply_choices(survivor, other, CONTACT_FIELDS, choices)
    if other.is_primary and other.organisation_id == survivor.organisation_id:
        survivor.is_primary = True
    merged_in = with_detail(CONTACT_MERGED_IN, _describe(other))
    other._history_user = user
    other._change_reason = with_detail(CONTACT_MERGED_AWAY, _describe(survivor))
    other.delete()
    validated_save(survivor, user=user, reason=merged_in)
    return result
