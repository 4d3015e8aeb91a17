from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from matchmaking.choices import GenerationState
from wfs_portal.demo.brokerage import load_brokerage
from wfs_portal.demo.matches import matches_ensure
from wfs_portal.demo.representatives import load_representatives
from wfs_portal.demo.world import DemoConflict, DemoWorld


class Command(BaseCommand):
    help = (
        "Load the demo world (organisations, fairs, delegations, workshops, investment projects), compute "
        "the partner suggestions and add a few company users. Idempotent: records that already exist are left "
        "as they are, and the suggestions are computed again only when organisations, profiles or cluster ties "
        "were added."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--matching-timeout",
            type=float,
            default=900,
            help="With a broker: how many seconds to wait for the workers to compute the partner suggestions.",
        )

    def handle(self, *args, **options):
        world = DemoWorld(today=timezone.localdate())
        try:
            created = world.load()
        except (RuntimeError, DemoConflict) as exc:
            raise CommandError(str(exc)) from exc
        # The company users' pair is chosen from the suggestions, so those come first.
        self.report_matches(matches_ensure(created=created, timeout=options["matching_timeout"]))
        try:
            load_representatives(world)
            # After the company users: their organisations take part in the coming brokerage event.
            load_brokerage(world)
        except DemoConflict as exc:
            raise CommandError(str(exc)) from exc
        if not created:
            self.stdout.write("Demo data already complete: nothing to add.")
            return
        for label, count in sorted(created.items()):
            self.stdout.write(f"{label}: {count} created")
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {sum(created.values())} records created."))

    def report_matches(self, outcome) -> None:
        generation = outcome.generation
        if not outcome.computed:
            self.stdout.write(
                f"Partner suggestions: generation {generation.pk} is active and up to date "
                f"({outcome.reason}), not computed again."
            )
            return
        if generation.state == GenerationState.ACTIVE:
            seconds = (generation.finished_at - generation.started_at).total_seconds()
            self.stdout.write(
                f"Partner suggestions computed ({outcome.reason}): generation {generation.pk}, "
                f"{generation.organisations} organisations, {seconds:.0f} s."
            )
            return
        # The demo itself is loaded; staff can start the computation again in the admin.
        problem = generation.error or "the workers have not finished it yet"
        self.stderr.write(
            self.style.WARNING(
                f"Partner suggestions of generation {generation.pk} are not ready: {problem}. "
                "See /admin/matchmaking/matchgeneration/ or run load_demo again."
            )
        )
