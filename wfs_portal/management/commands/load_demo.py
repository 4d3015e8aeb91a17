from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from wfs_portal.demo.world import DemoConflict, DemoWorld


class Command(BaseCommand):
    help = (
        "Load the demo world (organisations, fairs, delegations, workshops, investment projects). "
        "Idempotent: records that already exist are left as they are."
    )

    def handle(self, *args, **options):
        try:
            created = DemoWorld(today=timezone.localdate()).load()
        except (RuntimeError, DemoConflict) as exc:
            raise CommandError(str(exc)) from exc
        if not created:
            self.stdout.write("Demo data already complete: nothing to add.")
            return
        for label, count in sorted(created.items()):
            self.stdout.write(f"{label}: {count} created")
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {sum(created.values())} records created."))
