"""Expressions of interest in partnering profiles (double opt-in, as matchmaking's introductions).

A representative of an organisation expresses interest in another's published profile, answering
the profile's questions and naming its contact person; the profile owner's representatives see the
answers, the message and the interested organisation's name, never its contact details, and accept
(naming their own contact person) or decline. Only an accepted interest shows each side the person
the other named, while that person's consent to introductions holds (selectors.partner_contact).

Who may act: an approved representative of the interested organisation (express, withdraw) or of
the profile's organisation (accept, decline); staff read them in the admin but act for nobody.
Each step is e-mailed to the other side's representatives."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.access import may_act_for
from companies.models.contacts import Contact
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.selectors import public_profiles
from interests import audit
from interests.choices import InterestState
from interests.models import ExpressionOfInterest
from interests.selectors import consenting_contacts
from notifications import door
from wfs_portal.l10n import format_decimal
from wfs_portal.services import validated_save

MESSAGE_MAX_LENGTH = 1000
ANSWER_MAX_LENGTH = 1000

S = InterestState


def _check_length(field: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise ValidationError({field: _("At most %(count)s characters, please.") % {"count": format_decimal(limit)}})


def _answers(profile: PartneringProfile, answers: list[str]) -> list[dict]:
    """Each of the profile's questions answered; the questions kept as they read now."""
    questions = profile.questions
    given = [str(text or "").strip() for text in answers] + [""] * len(questions)
    result = []
    for number, question in enumerate(questions, start=1):
        answer = given[number - 1]
        if not answer:
            raise ValidationError({f"answer_{number}": _("Please answer this question.")})
        _check_length(f"answer_{number}", answer, ANSWER_MAX_LENGTH)
        result.append({"question": question, "answer": answer})
    return result


def _named_contact(organisation: Organisation, contact: Contact | None, field: str = "contact") -> Contact:
    if contact is None or not consenting_contacts(organisation).filter(pk=contact.pk).exists():
        raise ValidationError(
            {field: _("Choose a contact person of your organisation who agreed to introductions.")}, code="contact"
        )
    return contact


@transaction.atomic
def interest_express(
    *,
    profile: PartneringProfile,
    organisation: Organisation,
    user,
    answers: list[str],
    contact: Contact | None,
    message: str = "",
) -> ExpressionOfInterest:
    """``organisation`` expresses interest in ``profile`` (a representative of it). Refused: an
    unverified organisation, its own profile, a profile not published (or expired, or of an
    unverified organisation), a second open interest in the same profile, missing answers and a
    contact person without consent to introductions."""
    if not may_act_for(user, organisation):
        raise PermissionDenied
    # The organisation's row is the lock: two expressions of one organisation run one after the
    # other, so the check for an open one sees the other's result (the constraint is the last guard).
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not organisation.is_verified:
        raise ValidationError(
            _("Interest can be expressed once the agency has verified your organisation."), code="unverified"
        )
    profile = public_profiles().filter(pk=profile.pk).select_related("organisation").first()
    if profile is None:
        raise ValidationError(_("This profile is not published."), code="not_published")
    if profile.organisation_id == organisation.pk:
        raise ValidationError(_("An organisation cannot express interest in its own profile."), code="own_profile")
    if ExpressionOfInterest.objects.filter(profile=profile, organisation=organisation, state=S.REQUESTED).exists():
        raise ValidationError(
            _("Your organisation has already expressed interest in this profile."), code="already_expressed"
        )
    message = message.strip()
    _check_length("message", message, MESSAGE_MAX_LENGTH)
    interest = ExpressionOfInterest(
        profile=profile,
        organisation=organisation,
        user=user,
        answers=_answers(profile, answers),
        contact=_named_contact(organisation, contact),
        message=message,
    )
    validated_save(interest, user=user, reason=audit.INTEREST_EXPRESSED)
    door.notify(
        "interests/email/interest_received",
        to=door.representatives(profile.organisation),
        context={"interest": interest, "url": _url(interest)},
        key=f"interests.interest:{interest.pk}:requested",
    )
    return interest


def _url(interest: ExpressionOfInterest) -> str:
    return door.absolute_url(reverse("portal_interests:detail", args=[interest.pk]))


def _lock(interest: ExpressionOfInterest, user, *, owner: bool) -> ExpressionOfInterest:
    """The interest, locked, if the user represents its profile's organisation (``owner``) or the
    interested one; PermissionDenied otherwise, before anything about it is told."""
    locked = (
        ExpressionOfInterest.objects.select_for_update()
        .select_related("profile", "profile__organisation", "organisation")
        .get(pk=interest.pk)
    )
    side = locked.profile.organisation if owner else locked.organisation
    if not may_act_for(user, side):
        raise PermissionDenied
    return locked


def _close(locked: ExpressionOfInterest, user, *, state: str, reason: str) -> bool:
    """Move an open interest to ``state``; False when it already is there, an error when it was
    closed otherwise (a declined interest cannot be accepted later, a withdrawn one not answered)."""
    if locked.state == state:
        return False
    if locked.state != S.REQUESTED:
        raise ValidationError(
            _("This expression of interest is already closed (%(state)s).") % {"state": locked.get_state_display()},
            code="closed",
        )
    locked.state = state
    locked.decided_at = timezone.now()
    locked.decided_by = user
    validated_save(locked, user=user, reason=reason)
    return True


def _tell(locked: ExpressionOfInterest, template: str, organisation: Organisation) -> None:
    door.notify(
        template,
        to=door.representatives(organisation),
        context={"interest": locked, "url": _url(locked)},
        key=f"interests.interest:{locked.pk}:{locked.state}",
    )


@transaction.atomic
def interest_accept(*, interest: ExpressionOfInterest, user, contact: Contact | None) -> bool:
    """The profile's organisation accepts (a representative of it), naming its contact person:
    from now on each side sees the person the other named. False when it was accepted already."""
    locked = _lock(interest, user, owner=True)
    if locked.state == S.REQUESTED:
        locked.owner_contact = _named_contact(locked.profile.organisation, contact)
    if not _close(locked, user, state=S.ACCEPTED, reason=audit.INTEREST_ACCEPTED):
        return False
    _tell(locked, "interests/email/interest_decided", locked.organisation)
    return True


@transaction.atomic
def interest_decline(*, interest: ExpressionOfInterest, user) -> bool:
    """The profile's organisation declines; no contact details are shared. False when it was
    declined already."""
    locked = _lock(interest, user, owner=True)
    if not _close(locked, user, state=S.DECLINED, reason=audit.INTEREST_DECLINED):
        return False
    _tell(locked, "interests/email/interest_decided", locked.organisation)
    return True


@transaction.atomic
def interest_withdraw(*, interest: ExpressionOfInterest, user) -> bool:
    """The interested organisation takes back its open interest. False when withdrawn already."""
    locked = _lock(interest, user, owner=False)
    if not _close(locked, user, state=S.WITHDRAWN, reason=audit.INTEREST_WITHDRAWN):
        return False
    _tell(locked, "interests/email/interest_withdrawn", locked.profile.organisation)
    return True
