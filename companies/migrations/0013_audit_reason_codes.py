"""The change reasons stored as English texts become the codes of companies/audit.py (and of the
shell's own reasons, wfs_portal.audit_migrations.COMMON); reversed, the codes become the texts."""

from django.db import migrations

from wfs_portal.audit_migrations import reason_rewrite

MEMBER_SYNC = {"member sync": "companies.cluster.members_synced"}

CODES = {
    "historicalorganisation": {
        "self-registered in the portal": "companies.organisation.self_registered",
        "profile changed in the portal": "companies.organisation.changed_in_portal",
        "logo changed in the portal": "companies.organisation.logo_changed_in_portal",
        "logo removed in the portal": "companies.organisation.logo_removed_in_portal",
        "verified": "companies.organisation.verified",
        "verification withdrawn": "companies.organisation.verification_withdrawn",
        "rejected": "companies.organisation.rejected",
        **MEMBER_SYNC,
    },
    "historicalclustermembership": MEMBER_SYNC,
    "historicalrepresentative": {
        "registered the organisation": "companies.representation.organisation_registered",
        "join requested": "companies.representation.requested",
        "join approved": "companies.representation.approved",
        "join declined": "companies.representation.declined",
    },
    "historicalcontact": {
        "added in the portal": "companies.contact.added_in_portal",
        "changed in the portal": "companies.contact.changed_in_portal",
        "primary contact changed in the portal": "companies.contact.primary_changed_in_portal",
        "removed in the portal": "companies.contact.removed_in_portal",
        "removed in the portal (anonymised)": "companies.contact.anonymised_in_portal",
    },
    "historicalconsentrecord": {
        "consent given in the portal": "companies.consent.given_in_portal",
        "consent withdrawn in the portal": "companies.consent.withdrawn_in_portal",
        "person removed in the portal": "companies.consent.person_removed_in_portal",
    },
    "historicalpartneringprofile": {
        "created in the portal": "companies.profile.created_in_portal",
        "changed in the portal": "companies.profile.changed_in_portal",
        "draft deleted in the portal": "companies.profile.draft_deleted_in_portal",
        "published": "companies.profile.published",
        "expired": "companies.profile.expired",
        "withdrawn": "companies.profile.withdrawn",
    },
    "historicalpartnerapikey": {
        "api key created": "companies.api_key.created",
        "api key revoked": "companies.api_key.revoked",
    },
}


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0012_matchmaking_moved_out"),
    ]

    operations = [migrations.RunPython(*reason_rewrite("companies", CODES))]
