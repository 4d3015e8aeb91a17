"""What the fairs app holds about an organisation, for the data export (wfs_portal.privacy)."""

from fairs.models import BoothRegistration
from wfs_portal.privacy import json_value, record


def organisation_export(organisation, user) -> dict:
    registrations = BoothRegistration.objects.filter(organisation=organisation).select_related("booth__fair")
    return {
        "booth_registrations": [
            {
                **record(registration, exclude=("organisation",)),
                "fair": registration.booth.fair.name,
                "fair_start_date": json_value(registration.booth.fair.start_date),
                "booth": registration.booth.title,
            }
            for registration in registrations.order_by("pk")
        ]
    }
