"""The change reasons stored as English texts become the codes of delegations/audit.py (and of the
shell's own reasons, wfs_portal.audit_migrations.COMMON); reversed, the codes become the texts."""

from django.db import migrations

from wfs_portal.audit_migrations import reason_rewrite, registration_codes

CODES = {
    "historicaldelegationparticipant": registration_codes(
        "delegations.participant", applied_in_portal="registered in the portal"
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("delegations", "0001_initial"),
    ]

    operations = [migrations.RunPython(*reason_rewrite("delegations", CODES))]
