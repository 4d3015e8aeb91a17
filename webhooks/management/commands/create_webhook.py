from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from companies.management.partners import find_partner
from companies.models.api_keys import PartnerApiKey
from webhooks.choices import SUBSCRIBABLE
from webhooks.services.endpoints import webhook_endpoint_create


class Command(BaseCommand):
    help = (
        "Register a webhook endpoint for a partner's API key and print its signing secret on the last line (it "
        f"cannot be shown again). Events: {', '.join(str(e) for e in SUBSCRIBABLE)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partner", required=True, help="Name (or id) of the partner organisation.")
        parser.add_argument("--url", required=True, help="Where the messages go (https://…).")
        parser.add_argument("--events", required=True, help="Comma-separated, e.g. organisation.updated,match.created")
        parser.add_argument("--key", help="Prefix of the API key, when the partner has several.")
        parser.add_argument("--description", default="", help="What the endpoint is for.")

    def handle(self, *args, partner, url, events, key, description, **options):
        organisation = find_partner(partner)
        keys = PartnerApiKey.objects.filter(organisation=organisation, revoked=False).order_by("pk")
        if key:
            keys = keys.filter(prefix=key)
        keys = list(keys[:2])
        if not keys:
            raise CommandError(f"{organisation} has no API key{f' with the prefix {key}' if key else ''} that works.")
        if len(keys) > 1:
            raise CommandError(f"{organisation} has several API keys: name one with --key PREFIX.")
        wanted = [e.strip() for e in events.split(",") if e.strip()]
        try:
            endpoint, secret = webhook_endpoint_create(api_key=keys[0], url=url, events=wanted, description=description)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        self.stdout.write(
            f"Webhook endpoint {endpoint.pk} for {organisation} ({', '.join(endpoint.events)}): {endpoint.url}"
        )
        self.stdout.write(secret)
