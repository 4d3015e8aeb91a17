"""What the interests app holds about a company user and their organisations (wfs_portal.privacy):
the organisations' expressions of interest, sent and received (the other side's contact person only
once accepted), and the user's follows."""

from django.db.models import Q

from interests.models import ExpressionOfInterest, Follow
from interests.selectors import partner_contact
from wfs_portal.privacy import json_value, organisation_ref

SHARED_CONTACT_FIELDS = ("title", "first_name", "last_name", "position", "email", "phone")


def _interest(interest: ExpressionOfInterest, organisation, user) -> dict:
    contact = partner_contact(interest, organisation)
    return {
        "id": interest.pk,
        "profile": {"id": interest.profile_id, "title": interest.profile.title},
        "profile_organisation": organisation_ref(interest.profile.organisation),
        "interested_organisation": organisation_ref(interest.organisation),
        "answers": interest.answers,
        "message": interest.message,
        "state": interest.state,
        "created": json_value(interest.created),
        "decided_at": json_value(interest.decided_at),
        "expressed_by_you": interest.user_id == user.pk,
        "partner_contact": {name: str(getattr(contact, name)) for name in SHARED_CONTACT_FIELDS} if contact else None,
    }


def organisation_export(organisation, user) -> dict:
    rows = (
        ExpressionOfInterest.objects.filter(Q(organisation=organisation) | Q(profile__organisation=organisation))
        .select_related("profile", "profile__organisation", "organisation")
        .order_by("created", "pk")
    )
    sent, received = [], []
    for interest in rows:
        (sent if interest.organisation_id == organisation.pk else received).append(
            _interest(interest, organisation, user)
        )
    return {"interests_sent": sent, "interests_received": received}


def user_export(user) -> dict:
    follows = Follow.objects.filter(user=user).order_by("pk")
    return {
        "follows": [
            {
                "kind": f.kind,
                "profile": f.profile_id,
                "search": f.query,
                "created": json_value(f.created),
                "last_digest_at": json_value(f.last_digest_at),
                "stopped_at": json_value(f.stopped_at),
            }
            for f in follows
        ]
    }
