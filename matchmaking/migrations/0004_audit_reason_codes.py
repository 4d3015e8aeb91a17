"""The change reasons stored as English texts become the codes of matchmaking/audit.py (and of the
shell's own reasons, wfs_portal.audit_migrations.COMMON); reversed, the codes become the texts."""

from django.db import migrations

from wfs_portal.audit_migrations import reason_rewrite

CODES = {
    "historicalmatchoverride": {
        "match pin": "matchmaking.override.pinned",
        "match hide": "matchmaking.override.hidden",
    },
    "historicalmatchfeedback": {
        "feedback interesting": "matchmaking.feedback.interesting",
        "feedback not_relevant": "matchmaking.feedback.not_relevant",
    },
    "historicalcontactrequest": {
        "introduction requested": "matchmaking.introduction.requested",
        "introduction accepted": "matchmaking.introduction.accepted",
        "introduction declined": "matchmaking.introduction.declined",
        "introduction withdrawn": "matchmaking.introduction.withdrawn",
        "introduction accepted by staff on behalf of the organisation": "matchmaking.introduction.accepted_by_staff",
        "introduction declined by staff on behalf of the organisation": "matchmaking.introduction.declined_by_staff",
    },
}


class Migration(migrations.Migration):
    dependencies = [
        ("matchmaking", "0003_beat_task_names"),
    ]

    operations = [migrations.RunPython(*reason_rewrite("matchmaking", CODES))]
