"""The change reasons stored as English texts become the codes of projects/audit.py (and of the
shell's own reasons, wfs_portal.audit_migrations.COMMON); reversed, the codes become the texts."""

from django.db import migrations

from wfs_portal.audit_migrations import reason_rewrite

CODES = {
    "historicalworkshopjoinrequest": {
        "join requested in the portal": "projects.join_request.requested_in_portal",
        "accepted": "projects.join_request.accepted",
        "declined": "projects.join_request.declined",
    },
    "historicalworkshopparticipant": {
        "join request accepted": "projects.participant.accepted",
    },
}


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_text_limits"),
    ]

    operations = [migrations.RunPython(*reason_rewrite("projects", CODES))]
