"""Reads of expressions of interest and follows: who sees which, and the contact person each side
sees once an interest is accepted."""

from django.db.models import Q, QuerySet

from companies.models.contacts import Contact
from companies.models.organisations import Organisation
from companies.selectors import represented_organisations
from interests.choices import InterestState
from interests.models import ExpressionOfInterest, Follow
from matchmaking.selectors import introduction_contacts


def _with_sides(rows: QuerySet[ExpressionOfInterest]) -> QuerySet[ExpressionOfInterest]:
    return rows.select_related("profile", "profile__organisation", "organisation", "user").order_by("-created", "-pk")


def interests_received(organisation: Organisation) -> QuerySet[ExpressionOfInterest]:
    """Expressions of interest in the organisation's profiles, newest first."""
    return _with_sides(ExpressionOfInterest.objects.filter(profile__organisation=organisation))


def interests_awaiting_answer(organisation: Organisation) -> QuerySet[ExpressionOfInterest]:
    """Those received that wait for the organisation's answer."""
    return interests_received(organisation).filter(state=InterestState.REQUESTED)


def interests_sent(organisation: Organisation) -> QuerySet[ExpressionOfInterest]:
    """The organisation's expressions of interest in others' profiles, newest first."""
    return _with_sides(ExpressionOfInterest.objects.filter(organisation=organisation))


def interests_visible_to(user) -> QuerySet[ExpressionOfInterest]:
    """What a portal user may open: interests sent by, or received by, an organisation they
    represent (approved). Anybody else's gives 404."""
    mine = represented_organisations(user)
    either_side = Q(organisation__in=mine) | Q(profile__organisation__in=mine)
    return _with_sides(ExpressionOfInterest.objects.filter(either_side))


def consenting_contacts(organisation: Organisation) -> QuerySet[Contact]:
    """The persons an organisation may name for an expression of interest: those who agreed to
    introductions (the rule of matchmaking's double opt-in), not removed."""
    return introduction_contacts(organisation).filter(removed_at__isnull=True)


def partner_contact(interest: ExpressionOfInterest, organisation: Organisation) -> Contact | None:
    """The contact person the other side named, as ``organisation`` (one side) sees it: nobody
    before the interest is accepted, and nobody whose consent was withdrawn since."""
    if interest.state != InterestState.ACCEPTED:
        return None
    if organisation.pk == interest.organisation_id:
        other, contact_id = interest.profile.organisation, interest.owner_contact_id
    elif organisation.pk == interest.profile.organisation_id:
        other, contact_id = interest.organisation, interest.contact_id
    else:
        return None
    if contact_id is None:
        return None
    return consenting_contacts(other).filter(pk=contact_id).first()


def active_follows(user) -> QuerySet[Follow]:
    return Follow.objects.filter(user=user, stopped_at__isnull=True).select_related("profile").order_by("-created")
