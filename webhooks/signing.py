"""Secrets, message ids and signatures of the Standard Webhooks specification
(https://www.standardwebhooks.com/): the headers ``webhook-id`` (the same on every retry of a
message), ``webhook-timestamp`` (seconds since 1970, of this attempt) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``, one per valid secret, separated by
spaces), computed with the specification's reference library ``standardwebhooks``."""

from __future__ import annotations

import base64
import datetime
import math
import secrets
import uuid

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A signing secret: ``whsec_`` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def headers(*, message_id: str, body: bytes, keys: list[str], at: datetime.datetime) -> dict[str, str]:
    """The headers of one attempt to send ``body``, signed with each of ``keys``."""
    signatures = [Webhook(secret).sign(message_id, at, body) for secret in keys]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(math.floor(at.timestamp())),
        "webhook-signature": " ".join(signatures),
        "content-type": "application/json",
    }
