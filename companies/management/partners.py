"""The partner organisation an operator command names (create_api_key, create_webhook, webhook_ping)."""

from django.core.management.base import CommandError

from companies.models.organisations import Organisation


def find_partner(partner: str) -> Organisation:
    """The organisation named ``partner`` (case ignored), or with that id; a CommandError saying what
    is wrong when there is none or the name is not unique."""
    matches = list(Organisation.objects.filter(name__iexact=partner.strip())[:2])
    if not matches and partner.isdigit():
        matches = list(Organisation.objects.filter(pk=int(partner)))
    if not matches:
        raise CommandError(f"No organisation named {partner!r}.")
    if len(matches) > 1:
        raise CommandError(f"Several organisations are named {partner!r}; give the id instead.")
    return matches[0]
