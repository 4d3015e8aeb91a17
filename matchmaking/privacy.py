"""What matchmaking holds about a company user and their organisations (wfs_portal.privacy): the
organisations' feedback on proposed partners and their introduction requests, and the user's
portal visits (the partner lists remembered to mark new suggestions)."""

from django.db.models import Q

from companies.models.contacts import Contact
from matchmaking.choices import ContactRequestState
from matchmaking.models.introductions import ContactRequest
from matchmaking.models.matches import MatchFeedback
from matchmaking.models.visits import PortalVisit
from matchmaking.selectors import introduction_contacts
from wfs_portal.privacy import json_value, organisation_ref

# What the other side of an accepted introduction sees of a contact person.
SHARED_CONTACT_FIELDS = ("title", "first_name", "last_name", "position", "email", "phone")


def _shared_contact(contact: Contact) -> dict:
    return {name: getattr(contact, name) for name in SHARED_CONTACT_FIELDS}


def _introduction(request: ContactRequest, organisation, user) -> dict:
    partner = request.target if request.requester_id == organisation.pk else request.requester
    return {
        "id": request.pk,
        "requester": organisation_ref(request.requester),
        "target": organisation_ref(request.target),
        "message": request.message,
        "state": request.state,
        "created": json_value(request.created),
        "decided_at": json_value(request.decided_at),
        "requested_by_you": request.user_id == user.pk,
        # Double opt-in: the other side's persons only once it accepted.
        "partner_contacts": (
            [_shared_contact(c) for c in introduction_contacts(partner)]
            if request.state == ContactRequestState.ACCEPTED
            else []
        ),
    }


def organisation_export(organisation, user) -> dict:
    requests = ContactRequest.objects.filter(Q(requester=organisation) | Q(target=organisation)).select_related(
        "requester", "target"
    )
    sent, received = [], []
    for request in requests.order_by("created", "pk"):
        entry = _introduction(request, organisation, user)
        (sent if request.requester_id == organisation.pk else received).append(entry)
    feedback = MatchFeedback.objects.filter(organisation=organisation).select_related("partner").order_by("pk")
    return {
        "match_feedback": [
            {
                "partner": organisation_ref(f.partner),
                "verdict": f.verdict,
                "created": json_value(f.created),
                "updated": json_value(f.updated),
                "given_by_you": f.user_id == user.pk,
            }
            for f in feedback
        ],
        "introductions_sent": sent,
        "introductions_received": received,
    }


def user_export(user) -> dict:
    visits = PortalVisit.objects.filter(user=user).select_related("organisation").order_by("pk")
    return {
        "portal_visits": [
            {
                "organisation": organisation_ref(v.organisation),
                "started_at": json_value(v.started_at),
                "seen_at": json_value(v.seen_at),
                "partners_before": v.partners_before,
                "partners_seen": v.partners_seen,
            }
            for v in visits
        ]
    }


def erase(user) -> None:
    """The user's portal visits are about the user alone: deleted. Introduction requests and
    feedback belong to the organisation and stay; their user is set empty with the account."""
    PortalVisit.objects.filter(user=user).delete()
