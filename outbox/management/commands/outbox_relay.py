"""``manage.py outbox_relay``: the process that delivers the outbox (docker-compose's "relay")."""

import signal
import threading

from django.core.management.base import BaseCommand

from outbox.relay import Relay


class Command(BaseCommand):
    help = (
        "Deliver the outbox: e-mails to the mail server, tasks to the Celery broker. Runs until stopped "
        "(SIGTERM/SIGINT finish the current batch); --once delivers one batch of what is due and exits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One batch of each kind, then exit.")
        parser.add_argument("--batch", type=int, default=None, help="Messages of one kind per batch.")
        parser.add_argument(
            "--idle", type=float, default=5.0, help="Seconds between looks when nobody signals a new message."
        )

    def handle(self, *args, once=False, batch=None, idle=5.0, **options):
        if batch is not None and batch < 1:
            from django.core.management.base import CommandError

            raise CommandError(f"--batch must be at least 1, not {batch}")
        relay = Relay(batch=batch, idle=idle)
        if once:
            self.stdout.write(str(relay.run_once()))
            return
        stop = threading.Event()

        def request_stop(signum, frame):
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write("outbox relay: delivering (stop with SIGTERM or Ctrl-C)")
        relay.run_forever(stop)
        self.stdout.write("outbox relay: stopped")
