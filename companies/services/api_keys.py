"""Partner API keys: created and revoked by agency staff (admin or ``create_api_key``)."""

from __future__ import annotations

import datetime

from django.db import transaction

from companies import audit
from companies.models.api_keys import PartnerApiKey
from companies.models.organisations import Organisation
from wfs_portal.services import validated_save


@transaction.atomic
def partner_api_key_create(
    *,
    organisation: Organisation,
    name: str,
    scopes: list[str],
    expiry_date: datetime.datetime | None = None,
    throttle_rate: str = "",
    user=None,
) -> tuple[PartnerApiKey, str]:
    """A new key for a partner organisation. Returns the key record and the key itself, which is
    stored only as a hash: it can be shown this once."""
    api_key = PartnerApiKey(
        organisation=organisation,
        name=name,
        scopes=sorted(set(scopes)),
        expiry_date=expiry_date,
        throttle_rate=throttle_rate,
    )
    key = PartnerApiKey.objects.assign_key(api_key)
    validated_save(api_key, user=user, reason=audit.API_KEY_CREATED)
    return api_key, key


@transaction.atomic
def partner_api_key_revoke(*, api_key: PartnerApiKey, user=None) -> bool:
    """Revoke a key for good. Returns False when it already was revoked."""
    if api_key.revoked:
        return False
    api_key.revoked = True
    validated_save(api_key, user=user, reason=audit.API_KEY_REVOKED)
    return True
