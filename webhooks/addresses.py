"""Which URLs an endpoint may have: https, or plain http to this machine where the setting
WEBHOOK_ALLOW_HTTP_LOCALHOST allows it (a laptop, the tests). No user name or password in the URL."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def check_url(url: str) -> str:
    """The URL, stripped, or ValidationError saying what is wrong with it."""
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(_("Enter a complete URL, e.g. https://partner.example/webhooks.")) from None
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ValidationError(_("A webhook URL must not contain a user name or password."))
    if parts.scheme == "http" and not (settings.WEBHOOK_ALLOW_HTTP_LOCALHOST and parts.hostname in LOCAL_HOSTS):
        raise ValidationError(_("A webhook URL must begin with https://."))
    return url
