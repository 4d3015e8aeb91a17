"""Write paths of the companies app (organisations and profiles, matchmaking)."""

from companies.services.api_keys import partner_api_key_create, partner_api_key_revoke
from companies.services.contacts import (
    CONSENT_TEXTS,
    consent_give,
    consent_withdraw,
    contact_create,
    contact_remove,
    contact_update,
)
from companies.services.introductions import (
    contact_request_accept,
    contact_request_create,
    contact_request_decline,
    contact_request_withdraw,
)
from companies.services.matching import (
    match_feedback_give,
    match_generation_activate,
    match_generation_fail,
    match_generation_prepare,
    match_generation_start,
    match_map_chunk,
    match_organisation_update,
    match_override_set,
    match_reduce_chunk,
)
from companies.services.member_sync import StaleMemberList, cluster_members_sync, member_list, member_list_version
from companies.services.organisations import (
    organisation_reject,
    organisation_unverify,
    organisation_verify,
    partnering_profile_publish,
    partnering_profile_withdraw,
    partnering_profiles_expire,
)
from companies.services.privacy import ErasureResult, account_data_export, account_erase
from companies.services.profiles import (
    partnering_profile_create,
    partnering_profile_renew,
    partnering_profile_renewal_reminders_send,
    partnering_profile_update,
)
from companies.services.representatives import (
    DuplicateOrganisation,
    organisation_logo_remove,
    organisation_logo_set,
    organisation_profile_update,
    organisation_register,
    representation_approve,
    representation_decline,
    representation_request,
)

__all__ = [
    "ErasureResult",
    "account_data_export",
    "account_erase",
    "contact_request_accept",
    "contact_request_create",
    "contact_request_decline",
    "contact_request_withdraw",
    "CONSENT_TEXTS",
    "consent_give",
    "consent_withdraw",
    "contact_create",
    "contact_remove",
    "contact_update",
    "DuplicateOrganisation",
    "organisation_logo_remove",
    "organisation_logo_set",
    "organisation_profile_update",
    "organisation_register",
    "representation_approve",
    "representation_decline",
    "representation_request",
    "StaleMemberList",
    "cluster_members_sync",
    "member_list",
    "member_list_version",
    "match_feedback_give",
    "match_generation_activate",
    "match_generation_fail",
    "match_generation_prepare",
    "match_generation_start",
    "match_map_chunk",
    "match_organisation_update",
    "match_override_set",
    "match_reduce_chunk",
    "organisation_reject",
    "organisation_unverify",
    "organisation_verify",
    "partner_api_key_create",
    "partner_api_key_revoke",
    "partnering_profile_create",
    "partnering_profile_publish",
    "partnering_profile_renew",
    "partnering_profile_renewal_reminders_send",
    "partnering_profile_update",
    "partnering_profile_withdraw",
    "partnering_profiles_expire",
]
