"""Which URLs an endpoint may have and which addresses a delivery may reach: https to a public
address, or plain http to this machine where the setting WEBHOOK_ALLOW_HTTP_LOCALHOST allows it (a
laptop, the tests). No user name or password in the URL. A host name is resolved when a delivery
is sent; one that leads into the agency's own network (private, loopback, link-local addresses,
e.g. a cloud's metadata service) is refused unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def _local_allowed(host: str | None) -> bool:
    return bool(settings.WEBHOOK_ALLOW_HTTP_LOCALHOST and host in LOCAL_HOSTS)


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


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
    if parts.scheme == "http" and not _local_allowed(parts.hostname):
        raise ValidationError(_("A webhook URL must begin with https://."))
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES and not _local_allowed(parts.hostname):
        try:
            literal = ipaddress.ip_address(parts.hostname or "")
        except ValueError:
            literal = None
        if parts.hostname == "localhost" or (literal is not None and not _public(str(literal))):
            raise ValidationError(_("A webhook URL must lead to a public address, not into a private network."))
    return url


def refused_address(url: str) -> str:
    """Why a delivery to ``url`` must not be sent (its host resolves to an address that is not
    public), or "" when it may. A name that does not resolve is left to the request to report."""
    parts = urlsplit(url)
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES or _local_allowed(parts.hostname):
        return ""
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return ""
    for info in infos:
        address = info[4][0]
        if not _public(address):
            return f"refused: {parts.hostname} resolves to {address}, which is not a public address"
    return ""
