"""The change reasons stored as English texts become the codes of fairs/audit.py (and of the shell's
own reasons, wfs_portal.audit_migrations.COMMON); reversed, the codes become the texts."""

from django.db import migrations

from wfs_portal.audit_migrations import reason_rewrite, registration_codes

CODES = {
    "historicalboothregistration": registration_codes("fairs.registration", applied_in_portal="applied in the portal"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("fairs", "0002_text_limits"),
    ]

    operations = [migrations.RunPython(*reason_rewrite("fairs", CODES))]
