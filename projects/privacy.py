"""What the projects app holds about an organisation, for the data export (wfs_portal.privacy):
its workshop participations, without the agency's internal notes."""

from projects.models import WorkshopParticipant
from wfs_portal.privacy import record


def organisation_export(organisation, user) -> dict:
    participants = WorkshopParticipant.objects.filter(organisation=organisation).select_related("workshop")
    return {
        "workshop_participations": [
            {**record(participant, exclude=("organisation",)), "workshop": participant.workshop.title}
            for participant in participants.order_by("pk")
        ]
    }
