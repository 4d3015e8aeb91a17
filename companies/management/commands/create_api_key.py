from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from companies.choices import ApiScope
from companies.management.partners import find_partner
from companies.services.api_keys import partner_api_key_create


class Command(BaseCommand):
    help = (
        "Create a partner API key for an organisation and print it on the last line (it is stored only as a "
        f"hash and cannot be shown again). Scopes: {', '.join(ApiScope.values)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partner", required=True, help="Name (or id) of the partner organisation.")
        parser.add_argument("--scopes", required=True, help="Comma-separated, e.g. directory:read,members:write")
        parser.add_argument("--name", help="A name for the key (default: the partner's name and today's date).")
        parser.add_argument("--expires", help="Last day the key works (YYYY-MM-DD); default: no expiry.")
        parser.add_argument("--rate", default="", help="Request limit of this key, e.g. 600/min (default: global).")

    def handle(self, *args, partner, scopes, name, expires, rate, **options):
        organisation = find_partner(partner)
        wanted = [s.strip() for s in scopes.split(",") if s.strip()]
        unknown = sorted(set(wanted) - set(ApiScope.values))
        if not wanted or unknown:
            raise CommandError(
                f"Unknown scopes: {', '.join(unknown) or '(none given)'}. Known: {', '.join(ApiScope.values)}"
            )
        expiry = None
        if expires:
            day = parse_date(expires)
            if day is None:
                raise CommandError(f"--expires must be a date YYYY-MM-DD, not {expires!r}.")
            if day < timezone.localdate():
                raise CommandError(f"--expires {expires} lies in the past.")
            expiry = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.max.time()))
        label = (name or f"{organisation.name[:36]} {timezone.localdate():%Y-%m-%d}")[:50]
        try:
            api_key, key = partner_api_key_create(
                organisation=organisation, name=label, scopes=wanted, expiry_date=expiry, throttle_rate=rate
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        self.stdout.write(f"API key {api_key.prefix} for {organisation} ({', '.join(api_key.scopes)}):")
        self.stdout.write(key)
