"""Write paths of the portal's contact persons and their consents. Contact persons are personal
data: consent is recorded per purpose with its date, the version of the text the person agreed
to, its source and who recorded it; a withdrawal is recorded on the same record, never by
deleting it, so the history of consent stays provable."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from companies import audit
from companies.access import organisation_acted_for
from companies.choices import ConsentPurpose, ConsentSource
from companies.models.contacts import ConsentRecord, Contact
from companies.models.organisations import Organisation
from companies.services.changes import check_fields
from wfs_portal.services import validated_save

CONTACT_FIELDS = ("title", "first_name", "last_name", "position", "email", "phone", "language", "is_primary")

# What a removed person's row keeps instead of their name (the row stays only for its links).
REMOVED_NAME = "–"


@dataclass(frozen=True)
class ConsentText:
    """The wording a person agrees to for one purpose. Change the text → change the version: the
    version is stored with every consent, so it must always name exactly one wording."""

    version: str
    text: Promise


# The consent texts, one per purpose, in one place. The portal shows them and records the version.
CONSENT_TEXTS: dict[str, ConsentText] = {
    ConsentPurpose.PARTNER_SHARING: ConsentText(
        "2026-11",
        gettext_lazy(
            "I agree that the agency passes my name, position and business contact details (e-mail, "
            "phone) to its partner organisations (clusters, chambers, regional agencies, technology "
            "parks) so that they can contact me about cooperation. I can withdraw this consent at any "
            "time with effect for the future."
        ),
    ),
    ConsentPurpose.MATCHMAKING: ConsentText(
        "2026-11",
        gettext_lazy(
            "I agree that the agency introduces me by name and business contact details to "
            "organisations its matchmaking proposes as partners, once both sides have accepted the "
            "introduction. I can withdraw this consent at any time with effect for the future."
        ),
    ),
    ConsentPurpose.EVENT_INFORMATION: ConsentText(
        "2026-11",
        gettext_lazy(
            "I agree that the agency informs me by e-mail about trade fairs, joint booths, delegation "
            "trips and project workshops. I can withdraw this consent at any time with effect for the "
            "future."
        ),
    ),
    ConsentPurpose.NEWSLETTER: ConsentText(
        "2026-11",
        gettext_lazy(
            "I agree to receive the agency's newsletter by e-mail. I can withdraw this consent at any "
            "time with effect for the future."
        ),
    ),
}


def _contact_of_representative(user, contact: Contact) -> Contact:
    """The contact, locked, if the user represents its organisation (PermissionDenied otherwise);
    a removed person is gone for the portal."""
    organisation_acted_for(user, contact.organisation, lock=True)
    return Contact.objects.select_for_update().get(pk=contact.pk, removed_at__isnull=True)


def _save(contact: Contact, *, user, reason: str) -> None:
    """Save; making a person the primary contact takes the flag from the previous one in the same
    change (the organisation row is locked by the caller, so two such changes do not cross)."""
    if contact.is_primary:
        previous = (
            Contact.objects.filter(organisation=contact.organisation_id, is_primary=True).exclude(pk=contact.pk).first()
        )
        if previous is not None:
            previous.is_primary = False
            validated_save(previous, user=user, reason=audit.CONTACT_PRIMARY_CHANGED_IN_PORTAL)
    validated_save(contact, user=user, reason=reason)


@transaction.atomic
def contact_create(*, organisation: Organisation, user, data: dict) -> Contact:
    """A new contact person of an organisation the user represents."""
    organisation = organisation_acted_for(user, organisation, lock=True)
    check_fields(data, CONTACT_FIELDS)
    contact = Contact(organisation=organisation, **data)
    _save(contact, user=user, reason=audit.CONTACT_ADDED_IN_PORTAL)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, user, data: dict) -> Contact:
    contact = _contact_of_representative(user, contact)
    check_fields(data, CONTACT_FIELDS)
    for name, value in data.items():
        setattr(contact, name, value)
    _save(contact, user=user, reason=audit.CONTACT_CHANGED_IN_PORTAL)
    return contact


def _is_referenced(contact: Contact) -> bool:
    """Whether any record points at the person: consents (their history must stay), booth
    registrations, delegation and workshop participations. Found from the relations themselves, so
    a new app's reference counts without a change here; audit history rows do not count."""
    for relation in Contact._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and relation.one_to_many):
            continue
        if relation.on_delete is models.DO_NOTHING:  # simple-history's copies
            continue
        if relation.related_model._base_manager.filter(**{relation.field.name: contact.pk}).exists():
            return True
    return False


@transaction.atomic
def contact_remove(*, contact: Contact, user) -> str:
    """Remove a contact person from the organisation. A person nothing refers to is deleted. A
    person with a consent history or named on a registration or participation keeps their row so
    those records stay whole (an exhibitor or participant count never changes): the name and
    contact details are erased, every active consent is withdrawn (recorded, not deleted) and the
    row is marked removed, so it is shown nowhere and shared with nobody. Either way the person's
    name and contact details are blanked in the audit history too (the changes themselves, who made
    them and when, stay). Returns "deleted" or "anonymised"."""
    from companies.services.privacy import CONTACT_PERSONAL_FIELDS

    contact = _contact_of_representative(user, contact)
    pk = contact.pk
    if not _is_referenced(contact):
        contact._history_user = user
        contact._change_reason = audit.CONTACT_REMOVED_IN_PORTAL
        contact.delete()
        Contact.history.filter(id=pk).update(**dict.fromkeys(CONTACT_PERSONAL_FIELDS, ""))
        return "deleted"
    now = timezone.now()
    for consent in ConsentRecord.objects.select_for_update().filter(contact=contact, withdrawn_at__isnull=True):
        consent.withdrawn_at = now
        validated_save(consent, user=user, reason=audit.CONSENT_PERSON_REMOVED_IN_PORTAL)
    contact.title = contact.position = contact.email = contact.phone = ""
    contact.first_name = contact.last_name = REMOVED_NAME
    contact.is_primary = False
    contact.removed_at = now
    validated_save(contact, user=user, reason=audit.CONTACT_ANONYMISED_IN_PORTAL)
    Contact.history.filter(id=pk).update(**dict.fromkeys(CONTACT_PERSONAL_FIELDS, ""))
    return "anonymised"


# --- consents -----------------------------------------------------------------------------------


@transaction.atomic
def consent_give(*, contact: Contact, user, purpose: str, text_version: str) -> ConsentRecord | None:
    """Record the person's consent to one purpose as given now in the portal, in the wording of
    ``text_version`` — the version the representative was shown. If the text changed in the
    meantime, nothing is recorded: the person has to see the current wording first. Returns None
    when an active consent for the purpose exists already."""
    contact = _contact_of_representative(user, contact)
    if purpose not in CONSENT_TEXTS:
        raise ValidationError({"purpose": _("Unknown purpose of consent.")}, code="purpose")
    if text_version != CONSENT_TEXTS[purpose].version:
        raise ValidationError(
            _("The consent text has changed in the meantime. Please read the current text and confirm again."),
            code="text_version",
        )
    if ConsentRecord.objects.filter(contact=contact, purpose=purpose, withdrawn_at__isnull=True).exists():
        return None
    record = ConsentRecord(
        contact=contact,
        purpose=purpose,
        given_at=timezone.now(),
        text_version=text_version,
        source=ConsentSource.PORTAL,
        recorded_by=user,
    )
    validated_save(record, user=user, reason=audit.CONSENT_GIVEN_IN_PORTAL)
    return record


@transaction.atomic
def consent_withdraw(*, contact: Contact, user, purpose: str) -> bool:
    """Withdraw the person's active consent to one purpose: the record gets its withdrawal date and
    stays. False when there was no active consent."""
    contact = _contact_of_representative(user, contact)
    record = (
        ConsentRecord.objects.select_for_update().filter(contact=contact, purpose=purpose, withdrawn_at__isnull=True)
    ).first()
    if record is None:
        return False
    record.withdrawn_at = timezone.now()
    validated_save(record, user=user, reason=audit.CONSENT_WITHDRAWN_IN_PORTAL)
    return True


@transaction.atomic
def contact_create_self(
    *, organisation: Organisation, user, data: dict, consents: dict[str, str] | None = None
) -> Contact:
    """The user adds themselves as a contact person of an organisation they represent, and gives
    the consents they agree to in the same step: here the person who reads the consent texts is the
    person they are about, so nobody records a consent on somebody else's word. ``consents``:
    {purpose: the text version shown}. All or nothing: a consent text changed in the meantime
    (consent_give refuses it) leaves no person behind either. The e-mail address is the account's:
    with another one the consents would be recorded as given by whoever owns that address."""
    from companies.selectors import own_contact

    existing = own_contact(organisation, user)
    if existing is not None:
        raise ValidationError(
            _("You are a contact person of %(organisation)s already: %(name)s.")
            % {"organisation": organisation.name, "name": existing.full_name}
        )
    contact = contact_create(organisation=organisation, user=user, data={**data, "email": user.email})
    for purpose, text_version in (consents or {}).items():
        consent_give(contact=contact, user=user, purpose=purpose, text_version=text_version)
    return contact
