"""Writes of webhook endpoints: create (the secret returned this once), change, delete, rotate the
secret (the old one keeps signing for WEBHOOK_SECRET_OVERLAP_SECONDS), switch on again. Used by the
API (the key's own endpoints), the admin and ``create_webhook``."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from companies.models.api_keys import PartnerApiKey
from webhooks import audit
from webhooks.addresses import check_url
from webhooks.choices import EVENT_SCOPES, WebhookEvent
from webhooks.models import WebhookEndpoint
from webhooks.signing import new_secret
from wfs_portal.services import validated_save


def check_events(api_key: PartnerApiKey, events: list[str]) -> list[str]:
    """The events, known and allowed by the key's scopes, or ValidationError naming the others."""
    events = sorted(set(events or []))
    if not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    unknown = [e for e in events if e not in WebhookEvent.values or e == WebhookEvent.PING]
    if unknown:
        raise ValidationError({"events": _("Unknown events: %(events)s") % {"events": ", ".join(unknown)}})
    refused = [e for e in events if not api_key.has_scope(EVENT_SCOPES[WebhookEvent(e)])]
    if refused:
        raise ValidationError(
            {
                "events": _("The API key's scopes do not allow these events: %(events)s")
                % {"events": ", ".join(f"{e} ({EVENT_SCOPES[WebhookEvent(e)]})" for e in refused)}
            }
        )
    return events


def _checked_url(url: str) -> str:
    try:
        return check_url(url)
    except ValidationError as exc:
        raise ValidationError({"url": exc.messages}) from None


@transaction.atomic
def webhook_endpoint_create(
    *, api_key: PartnerApiKey, url: str, events: list[str], description: str = "", user=None, reason: str = ""
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of ``api_key``. Returns it and its secret, which is shown this once."""
    if api_key.revoked:
        raise ValidationError({"api_key": _("This API key is revoked.")})
    secret = new_secret()
    endpoint = WebhookEndpoint(
        api_key=api_key,
        url=_checked_url(url),
        events=check_events(api_key, events),
        description=description,
        secret=secret,
    )
    validated_save(endpoint, user=user, reason=reason or audit.ENDPOINT_CREATED)
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, data: dict, user=None, reason: str = "") -> WebhookEndpoint:
    """Change URL, events or description."""
    if "url" in data:
        endpoint.url = _checked_url(data["url"])
    if "events" in data:
        endpoint.events = check_events(endpoint.api_key, data["events"])
    if "description" in data:
        endpoint.description = data["description"]
    validated_save(endpoint, user=user, reason=reason or audit.ENDPOINT_CHANGED)
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its delivery log (what waits is not sent any more)."""
    endpoint.delete()


@transaction.atomic
def webhook_secret_rotate(*, endpoint: WebhookEndpoint, user=None, reason: str = "") -> str:
    """A new secret; the current one keeps signing (as a second signature) for
    WEBHOOK_SECRET_OVERLAP_SECONDS, so the partner can switch without losing a message. Returns the
    new secret, shown this once."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + datetime.timedelta(
        seconds=settings.WEBHOOK_SECRET_OVERLAP_SECONDS
    )
    endpoint.secret = secret
    validated_save(endpoint, user=user, reason=reason or audit.SECRET_ROTATED)
    return secret


def signing_secrets(endpoint: WebhookEndpoint, *, at: datetime.datetime) -> list[str]:
    """The secrets that sign a message sent at ``at``: the current one, and the previous one
    during its overlap."""
    secrets = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > at:
        secrets.append(endpoint.previous_secret)
    return secrets


@transaction.atomic
def webhook_endpoint_enable(*, endpoint: WebhookEndpoint, user=None) -> bool:
    """Switch a switched-off endpoint on again (its failure count starts afresh). False when it is on."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.enabled:
        return False
    endpoint.enabled = True
    endpoint.disabled_at = None
    endpoint.failing_since = None
    validated_save(endpoint, user=user, reason=audit.ENDPOINT_ENABLED)
    return True
