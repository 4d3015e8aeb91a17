"""Partner webhooks (webhooks/): the retry schedule, when a failing endpoint is switched off, how
long a rotated secret stays valid, and which URLs an endpoint may have."""

from django.core.exceptions import ImproperlyConfigured

from wfs_portal.env import env_bool, env_int, env_list
from wfs_portal.settings_parts.mode import DEBUG

# Seconds to wait before each retry after a failed attempt (the first within 10 seconds); after the
# last one the delivery is given up. The default spreads them over a little more than a day.
_schedule = env_list("WEBHOOK_RETRY_SCHEDULE", default=["5", "300", "1800", "7200", "18000", "36000", "36000"])
if not all(wait.isdigit() for wait in _schedule):
    raise ImproperlyConfigured(
        f"Unexpected value WEBHOOK_RETRY_SCHEDULE={','.join(_schedule)}: whole seconds separated by commas."
    )
WEBHOOK_RETRY_SCHEDULE = [int(wait) for wait in _schedule]
# An endpoint that has failed without a single success for this long is switched off.
WEBHOOK_DISABLE_AFTER_SECONDS = env_int("WEBHOOK_DISABLE_AFTER_SECONDS", default=24 * 3600, minimum=60)
# After a rotation the old secret signs too (a second signature) for this long.
WEBHOOK_SECRET_OVERLAP_SECONDS = env_int("WEBHOOK_SECRET_OVERLAP_SECONDS", default=24 * 3600, minimum=0)
# The receiver's answer must come within this many seconds.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", default=5, minimum=1)
# Plain http:// only to this machine (localhost, 127.0.0.1, ::1), and only when this is on.
WEBHOOK_ALLOW_HTTP_LOCALHOST = DEBUG
# Deliveries to private, loopback and link-local addresses (the agency's own network, a cloud's
# metadata service) are refused unless this is on (receivers of partners inside one network).
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
