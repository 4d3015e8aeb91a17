import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from companies.management.partners import find_partner
from webhooks.choices import DeliveryState
from webhooks.models import WebhookDelivery
from webhooks.services.deliveries import webhook_deliveries_due_send
from webhooks.services.publishing import webhook_ping

POLL_SECONDS = 0.2


class Command(BaseCommand):
    help = (
        "Send a signed webhook.ping to each of a partner's endpoints through the usual delivery path (outbox, "
        "retries) and wait until each is delivered or given up, printing the outcome. Exit status 1 when one is "
        "not delivered."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partner", required=True, help="Name (or id) of the partner organisation.")
        parser.add_argument("--wait", type=float, default=30, help="Seconds to wait at most (default 30).")

    def handle(self, *args, partner, wait, **options):
        if wait < 0:
            raise CommandError("--wait must not be negative.")
        organisation = find_partner(partner)
        deliveries, switched_off = webhook_ping(partner=organisation)
        for endpoint in switched_off:
            self.stdout.write(f"switched off, nothing sent: {endpoint.url}")
        if not deliveries:
            raise CommandError(f"{organisation} has no switched-on webhook endpoint.")
        ids = [delivery.pk for delivery in deliveries]
        deadline = time.monotonic() + wait
        while True:
            # Retries that fall due are handed over here too (without a broker nobody else would).
            webhook_deliveries_due_send()
            open_ = WebhookDelivery.objects.filter(pk__in=ids, state=DeliveryState.PENDING).exists()
            if not open_ or time.monotonic() >= deadline:
                break
            time.sleep(POLL_SECONDS)
        missing = 0
        for delivery in WebhookDelivery.objects.filter(pk__in=ids).select_related("endpoint").order_by("pk"):
            answer = f"HTTP {delivery.last_status}" if delivery.last_status else (delivery.last_error or "no answer")
            if delivery.state == DeliveryState.DELIVERED:
                line = f"delivered ({answer}) after {delivery.attempts} attempt(s)"
            elif delivery.state == DeliveryState.FAILED:
                line = f"given up ({answer}) after {delivery.attempts} attempt(s)"
                missing += 1
            else:
                when = (
                    timezone.localtime(delivery.next_attempt_at).strftime("%H:%M:%S")
                    if delivery.next_attempt_at
                    else "?"
                )
                line = f"not delivered within {wait:g} s ({answer}, {delivery.attempts} attempt(s), next at {when})"
                missing += 1
            self.stdout.write(f"{delivery.message_id} {delivery.endpoint.url}: {line}")
        if missing:
            raise CommandError(f"{missing} of {len(ids)} endpoint(s) did not receive the ping.")
