"""A current TOTP code for the tests that log in with one."""

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time


def totp_code(secret: str, *, margin: float = 3) -> str:
    """The code of the current period, unless fewer than ``margin`` seconds of it are left: then the
    next period's, after waiting for it. A code taken in the last moments of its period reaches the
    server in the next one and is refused (a browser's fill, click and page load take seconds on a
    busy machine)."""
    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < margin:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
