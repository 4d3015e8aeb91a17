"""A company user's own data: the export of everything held about them and their organisations
(``account_data_export``), and the erasure of their account (``account_erase``).

Export format (JSON, ``FORMAT_VERSION``; a field is only ever added, a change of meaning raises
the version). The directory's part is made here; every other app adds its own sections through its
``privacy`` module (wfs_portal.privacy), so this module imports no other app:

- ``format_version``, ``generated_at`` (ISO 8601)
- ``user``: id, username, first_name, last_name, email, date_joined, last_login, ``email_addresses``
  [{email, verified, primary}], ``mfa_enabled`` and ``mfa_methods`` (the kinds, never a secret or a
  recovery code)
- ``representations``: every request to act for an organisation, whatever its state
- ``portal_visits`` (matchmaking): per organisation, when the user's last visit started and was last seen, and
  the partner lists (organisation ids) it remembers to mark new partner suggestions
- ``follows`` (interests): the profiles and searches the user follows or followed, with the time of
  the last digest
- ``organisations``: the organisations the user represents (approved), each with its record
  (without the staff member who verified it), sectors (NACE codes), technology fields (short
  names), ``contacts`` with their ``consents``, ``partnering_profiles``; ``match_feedback``,
  ``introductions_sent`` and ``introductions_received`` (matchmaking: the other side by id and
  name; its consenting contact persons only when the introduction was accepted);
  ``booth_registrations`` (fairs), ``delegation_participations`` (delegations),
  ``workshop_participations`` (projects; without the agency's internal notes); ``interests_sent`` and
  ``interests_received`` (interests: answers, message, state; the other side's named contact
  person only when the interest was accepted)
- ``history``: every audit-history entry of a change the user made, in any model with a history:
  {model, object_id, history_id, date, type (created/changed/deleted), change_reason (the stored
  code, wfs_portal.audit), change_reason_label (its label in the export's language), record}

Erasure: see ``account_erase``."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.choices import RepresentationState, RepresentativeRole
from companies.models.contacts import Contact
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.models.representatives import Representative
from companies.selectors import represented_organisations
from notifications import door
from notifications.choices import StaffTopic
from outbox.services import outbox_forget_address
from wfs_portal import audit
from wfs_portal.privacy import NEVER_EXPORTED, contributions, json_value, organisation_ref, record

FORMAT_VERSION = 1

# The personal fields of a contact person, blanked in the audit history when the person is erased.
CONTACT_PERSONAL_FIELDS = ("title", "first_name", "last_name", "position", "email", "phone")
_HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


# --- export ---------------------------------------------------------------------------------------


def _contact(contact: Contact) -> dict:
    return {
        **record(contact, exclude=("organisation",)),
        "consents": [record(consent, exclude=("contact", "recorded_by")) for consent in contact.consents.all()],
    }


def _organisation(organisation: Organisation, user) -> dict:
    data = {
        "record": record(organisation, exclude=("verified_by",)),
        "sectors": list(organisation.sectors.values_list("code", flat=True)),
        "technology_fields": list(organisation.technology_fields.values_list("slug", flat=True)),
        "contacts": [_contact(c) for c in organisation.contacts.prefetch_related("consents").order_by("pk")],
        "partnering_profiles": [
            {
                **record(profile, exclude=("organisation",)),
                "sectors": [s.code for s in profile.sectors.all()],
                "technology_fields": [f.slug for f in profile.technology_fields.all()],
            }
            for profile in PartneringProfile.objects.filter(organisation=organisation)
            .prefetch_related("sectors", "technology_fields")
            .order_by("pk")
        ],
    }
    for module in contributions():
        if hasattr(module, "organisation_export"):
            data.update(module.organisation_export(organisation, user))
    return data


def historical_models() -> list[type[models.Model]]:
    """The audit-history tables (simple-history) of every model that keeps one."""
    return [
        model
        for model in apps.get_models()
        if hasattr(model, "instance_type") and any(f.name == "history_user" for f in model._meta.fields)
    ]


def _history(user) -> list[dict]:
    entries = []
    for model in historical_models():
        own = [
            f for f in model._meta.concrete_fields if not f.name.startswith("history_") and f.name not in NEVER_EXPORTED
        ]
        for row in model.objects.filter(history_user_id=user.pk).order_by("history_date", "history_id"):
            entries.append(
                {
                    "model": model.instance_type._meta.label_lower,
                    "object_id": row.id,
                    "history_id": row.history_id,
                    "date": json_value(row.history_date),
                    "type": _HISTORY_TYPES.get(row.history_type, row.history_type),
                    "change_reason": row.history_change_reason or "",
                    "change_reason_label": audit.label(row.history_change_reason),
                    "record": {f.attname: json_value(getattr(row, f.attname)) for f in own},
                }
            )
    entries.sort(key=lambda e: (e["date"], e["model"], e["history_id"]))
    return entries


def account_data_export(*, user) -> dict:
    """Everything held about the user and the organisations they represent, as a JSON-ready dict
    (the structure is described in the module's docstring)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied
    authenticators = sorted(set(Authenticator.objects.filter(user=user).values_list("type", flat=True)))
    export = {
        "format_version": FORMAT_VERSION,
        "generated_at": json_value(timezone.now()),
        "user": {
            "id": user.pk,
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "date_joined": json_value(user.date_joined),
            "last_login": json_value(user.last_login),
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
            "mfa_enabled": Authenticator.Type.TOTP in authenticators,
            "mfa_methods": authenticators,
        },
        "representations": [
            {
                "organisation": organisation_ref(r.organisation),
                "role": r.role,
                "state": r.state,
                "message": r.message,
                "created": json_value(r.created),
                "decided_at": json_value(r.decided_at),
            }
            for r in Representative.objects.filter(user=user).select_related("organisation").order_by("pk")
        ],
        "organisations": [_organisation(o, user) for o in represented_organisations(user)],
        "history": _history(user),
    }
    for module in contributions():
        if hasattr(module, "user_export"):
            export.update(module.user_export(user))
    return export


# --- erasure --------------------------------------------------------------------------------------


@dataclass
class ErasureResult:
    contacts_erased: int = 0
    representations_ended: int = 0
    # Organisations whose last administrator the user was: staff are told, so that somebody decides
    # their join requests and can make one of the remaining representatives administrator.
    organisations_without_administrator: list[Organisation] = field(default_factory=list)


def _own_contacts(user, emails: set[str], organisation_ids: set[int]):
    """The user's own contact person records: at an organisation they represent or asked to
    represent, with one of their e-mail addresses. (A record with their address at an organisation
    they have nothing to do with in the portal was entered by staff; its erasure is a staff decision.)"""
    if not emails or not organisation_ids:
        return Contact.objects.none()
    same_address = Q()
    for email in emails:
        same_address |= Q(email__iexact=email)
    return Contact.objects.filter(same_address, organisation_id__in=organisation_ids)


def _end_sessions(user_pk: int) -> None:
    """Delete the user's sessions where they are stored in the database. (Sessions kept elsewhere
    end anyway: a session of a deleted user authenticates nobody.)"""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return
    model = store.get_model_class()
    ended = []
    for session in model.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_pk):
            ended.append(session.pk)
    model.objects.filter(pk__in=ended).delete()


def _forget_user_in_history(user_pk: int) -> None:
    """Every reference to the user in the audit history becomes empty: who made a change
    (history_user) and the user columns of the recorded rows (representative, feedback, …)."""
    user_model = get_user_model()
    for model in historical_models():
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is user_model:
                model.objects.filter(**{f.attname: user_pk}).update(**{f.attname: None})


@transaction.atomic
def account_erase(*, user, password: str) -> ErasureResult:
    """Erase a company user's account and personal data, confirmed with the password. Two-factor
    codes are not asked for: the password proves the person at a logged-in session, and a lost
    authenticator must not keep anybody from erasing their account.

    - The user's own contact person records (``_own_contacts``) are deleted with their consents;
      booth registrations, delegation and workshop participations keep their organisation (the
      person is set empty), so every aggregate figure stays as it was. In their audit history the
      personal fields are blanked.
    - Representations are deleted (the messages of join requests blanked in the history); the
      organisations stay: they are not personal data. One left without an approved administrator
      is reported to staff by e-mail (``ErasureResult.organisations_without_administrator``).
    - Introduction requests, feedback and other records the user made stay with their
      organisation; their user is set empty. Every audit-history entry loses the user.
    - allauth's e-mail addresses and authenticators are deleted, the sessions ended, the account
      deleted: nobody can log in with it again.

    Staff accounts are the agency's business and are not erased here."""
    user_model = get_user_model()
    user = user_model.objects.select_for_update().get(pk=user.pk)
    if user.is_staff or user.is_superuser:
        raise PermissionDenied
    if not user.has_usable_password() or not user.check_password(password):
        raise ValidationError({"password": _("The password is not correct.")}, code="password")
    user_pk = user.pk
    result = ErasureResult()
    emails = {user.email.lower()} if user.email else set()
    emails |= {e.lower() for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
    representations = Representative.objects.filter(user=user)
    organisation_ids = set(representations.values_list("organisation_id", flat=True))
    administered = representations.filter(
        state=RepresentationState.APPROVED, role=RepresentativeRole.ADMINISTRATOR
    ).values_list("organisation_id", flat=True)
    result.organisations_without_administrator = list(
        Organisation.objects.filter(pk__in=list(administered))
        .exclude(
            pk__in=Representative.objects.filter(
                state=RepresentationState.APPROVED, role=RepresentativeRole.ADMINISTRATOR
            )
            .exclude(user=user)
            .values("organisation_id")
        )
        .order_by("name", "pk")
    )

    contacts = _own_contacts(user, emails, organisation_ids)
    contact_ids = list(contacts.values_list("pk", flat=True))
    result.contacts_erased = len(contact_ids)
    representative_ids = list(representations.values_list("pk", flat=True))
    result.representations_ended = len(representative_ids)
    # Deleting a contact sets the person of its registrations and participations empty (SET_NULL)
    # and deletes its consents; the history records the deletion, blanked below.
    for contact in Contact.objects.filter(pk__in=contact_ids):
        contact._history_user = None
        contact.delete()
    for representative in Representative.objects.filter(pk__in=representative_ids):
        representative._history_user = None
        representative.delete()
    Contact.history.filter(id__in=contact_ids).update(**dict.fromkeys(CONTACT_PERSONAL_FIELDS, ""))
    Representative.history.filter(id__in=representative_ids).update(message="")
    # The admin's log names objects by their text: the erased persons and the account itself.
    for model, ids in ((Contact, contact_ids), (user_model, [user_pk])):
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in ids]
        ).delete()
    for module in contributions():
        if hasattr(module, "erase"):
            module.erase(user)
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    _end_sessions(user_pk)
    user.delete()
    # Last: the deletions above wrote history entries too, some naming the user as their author.
    _forget_user_in_history(user_pk)

    # The portal's e-mails to the person (waiting or kept after delivery) name them: gone too.
    for email in emails:
        outbox_forget_address(address=email)
    if result.organisations_without_administrator:
        _announce_orphaned(result.organisations_without_administrator)
    return result


def _announce_orphaned(organisations: list[Organisation]) -> None:
    """Tell the staff who look after representatives that organisations lost their last administrator."""
    door.notify(
        "companies/email/staff_orphaned",
        to=door.staff(StaffTopic.ORGANISATION_ORPHANED),
        context={
            "organisations": [
                {
                    "organisation": organisation,
                    "remaining": Representative.objects.filter(
                        organisation=organisation, state=RepresentationState.APPROVED
                    ).count(),
                    "admin_url": door.absolute_url(
                        reverse("admin:companies_organisation_change", args=[organisation.pk])
                    ),
                }
                for organisation in organisations
            ]
        },
    )
