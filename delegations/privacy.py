"""What the delegations app holds about an organisation, for the data export (wfs_portal.privacy)."""

from delegations.models import DelegationParticipant
from wfs_portal.privacy import json_value, record


def organisation_export(organisation, user) -> dict:
    participants = DelegationParticipant.objects.filter(organisation=organisation).select_related("delegation")
    return {
        "delegation_participations": [
            {
                **record(participant, exclude=("organisation",)),
                "delegation": participant.delegation.title,
                "delegation_start_date": json_value(participant.delegation.start_date),
            }
            for participant in participants.order_by("pk")
        ]
    }
