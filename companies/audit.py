"""The directory's audit reasons (wfs_portal.audit): why an organisation, a representation, a
contact person, a consent, a partnering profile, a cluster membership or a partner API key
changed."""

from django.utils.translation import pgettext_lazy

from wfs_portal.audit import declare

# organisations (services/organisations.py, representatives.py, member_sync.py)
ORGANISATION_SELF_REGISTERED = declare(
    "companies.organisation.self_registered", pgettext_lazy("change reason", "self-registered in the portal")
)
ORGANISATION_CHANGED_IN_PORTAL = declare(
    "companies.organisation.changed_in_portal", pgettext_lazy("change reason", "profile changed in the portal")
)
ORGANISATION_LOGO_CHANGED_IN_PORTAL = declare(
    "companies.organisation.logo_changed_in_portal", pgettext_lazy("change reason", "logo changed in the portal")
)
ORGANISATION_LOGO_REMOVED_IN_PORTAL = declare(
    "companies.organisation.logo_removed_in_portal", pgettext_lazy("change reason", "logo removed in the portal")
)
ORGANISATION_VERIFIED = declare("companies.organisation.verified", pgettext_lazy("change reason", "verified"))
ORGANISATION_VERIFICATION_WITHDRAWN = declare(
    "companies.organisation.verification_withdrawn", pgettext_lazy("change reason", "verification withdrawn")
)
ORGANISATION_REJECTED = declare("companies.organisation.rejected", pgettext_lazy("change reason", "rejected"))
# The organisations and memberships a partner's member list sync writes (when no API key names it).
CLUSTER_MEMBERS_SYNCED = declare(
    "companies.cluster.members_synced", pgettext_lazy("change reason", "member list synchronised")
)

# representations (services/representatives.py)
REPRESENTATION_ORGANISATION_REGISTERED = declare(
    "companies.representation.organisation_registered", pgettext_lazy("change reason", "registered the organisation")
)
REPRESENTATION_REQUESTED = declare(
    "companies.representation.requested", pgettext_lazy("change reason", "join requested")
)
REPRESENTATION_APPROVED = declare("companies.representation.approved", pgettext_lazy("change reason", "join approved"))
REPRESENTATION_DECLINED = declare("companies.representation.declined", pgettext_lazy("change reason", "join declined"))

# contact persons and consents (services/contacts.py)
CONTACT_ADDED_IN_PORTAL = declare(
    "companies.contact.added_in_portal", pgettext_lazy("change reason", "added in the portal")
)
CONTACT_CHANGED_IN_PORTAL = declare(
    "companies.contact.changed_in_portal", pgettext_lazy("change reason", "changed in the portal")
)
CONTACT_PRIMARY_CHANGED_IN_PORTAL = declare(
    "companies.contact.primary_changed_in_portal",
    pgettext_lazy("change reason", "primary contact changed in the portal"),
)
CONTACT_REMOVED_IN_PORTAL = declare(
    "companies.contact.removed_in_portal", pgettext_lazy("change reason", "removed in the portal")
)
CONTACT_ANONYMISED_IN_PORTAL = declare(
    "companies.contact.anonymised_in_portal", pgettext_lazy("change reason", "removed in the portal (anonymised)")
)
CONSENT_GIVEN_IN_PORTAL = declare(
    "companies.consent.given_in_portal", pgettext_lazy("change reason", "consent given in the portal")
)
CONSENT_WITHDRAWN_IN_PORTAL = declare(
    "companies.consent.withdrawn_in_portal", pgettext_lazy("change reason", "consent withdrawn in the portal")
)
# A consent withdrawn because its person was removed.
CONSENT_PERSON_REMOVED_IN_PORTAL = declare(
    "companies.consent.person_removed_in_portal", pgettext_lazy("change reason", "person removed in the portal")
)

# partnering profiles (services/profiles.py, organisations.py)
PROFILE_CREATED_IN_PORTAL = declare(
    "companies.profile.created_in_portal", pgettext_lazy("change reason", "created in the portal")
)
PROFILE_CHANGED_IN_PORTAL = declare(
    "companies.profile.changed_in_portal", pgettext_lazy("change reason", "changed in the portal")
)
PROFILE_DRAFT_DELETED_IN_PORTAL = declare(
    "companies.profile.draft_deleted_in_portal", pgettext_lazy("change reason", "draft deleted in the portal")
)
PROFILE_PUBLISHED = declare("companies.profile.published", pgettext_lazy("change reason", "published"))
PROFILE_EXPIRED = declare("companies.profile.expired", pgettext_lazy("change reason", "expired"))
PROFILE_WITHDRAWN = declare("companies.profile.withdrawn", pgettext_lazy("change reason", "withdrawn"))
# review before publication (services/reviews.py)
PROFILE_SUBMITTED = declare(
    "companies.profile.submitted", pgettext_lazy("change reason", "submitted for review in the portal")
)
PROFILE_PUT_ON_HOLD = declare(
    "companies.profile.put_on_hold", pgettext_lazy("change reason", "put on hold after review")
)
PROFILE_REVIEWED = declare("companies.profile_review.recorded", pgettext_lazy("change reason", "review recorded"))

# partner API keys (services/api_keys.py)
API_KEY_CREATED = declare("companies.api_key.created", pgettext_lazy("change reason", "API key created"))
API_KEY_REVOKED = declare("companies.api_key.revoked", pgettext_lazy("change reason", "API key revoked"))

# spreadsheet imports (imports.py): every record one import writes, with the file's name and a
# token of the import as detail, so that the history shows the import as one action.
IMPORT_APPLIED = declare("companies.import.applied", pgettext_lazy("change reason", "imported from %(file)s"))

# merges of duplicates (services/merge.py); the detail names the other record.
ORGANISATION_MERGED_IN = declare(
    "companies.organisation.merged_in", pgettext_lazy("change reason", "merged with the duplicate %(other)s")
)
ORGANISATION_MERGED_AWAY = declare(
    "companies.organisation.merged_away", pgettext_lazy("change reason", "merged into %(other)s")
)
CONTACT_MERGED_IN = declare(
    "companies.contact.merged_in", pgettext_lazy("change reason", "merged with the duplicate %(other)s")
)
CONTACT_MERGED_AWAY = declare("companies.contact.merged_away", pgettext_lazy("change reason", "merged into %(other)s"))
# A record of another kind that a merge moved to the surviving record (or removed as a duplicate).
RECORD_MERGED = declare("companies.merge.record_moved", pgettext_lazy("change reason", "moved in the merge %(merge)s"))
