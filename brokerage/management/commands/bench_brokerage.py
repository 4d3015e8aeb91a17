"""The scheduler's benchmark (bench/README.md): a synthetic event (brokerage.synthetic) scheduled by
the CP-SAT model, measured against an exact bound and a first-come greedy baseline."""

import json
import time

from django.core.management.base import BaseCommand, CommandError

from brokerage import scheduling, synthetic


class Command(BaseCommand):
    help = "Schedule a synthetic brokerage event and print the figures (placed, upper bound, greedy, seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--participants", type=int, default=1000)
        parser.add_argument("--slots", type=int, default=16)
        parser.add_argument("--tables", type=int, default=150)
        parser.add_argument("--requests", type=int, default=None, help="Default: four per participant.")
        parser.add_argument("--seconds", type=float, default=40.0, help="The solver's time limit.")
        parser.add_argument("--workers", type=int, default=2, help="The solver's threads.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--json", action="store_true", help="One JSON object instead of lines.")

    def handle(self, *args, **options):
        for name in ("participants", "slots", "tables"):
            if options[name] < 2:
                raise CommandError(f"--{name} must be at least 2 (got {options[name]}).")
        if options["seconds"] <= 0:
            raise CommandError(f"--seconds must be positive (got {options['seconds']}).")
        problem = synthetic.event(
            participants=options["participants"],
            slots=options["slots"],
            tables=options["tables"],
            requests=options["requests"],
            seed=options["seed"],
        )
        started = time.perf_counter()
        schedule = scheduling.solve(
            problem, seconds=options["seconds"], workers=options["workers"], seed=options["seed"]
        )
        seconds = time.perf_counter() - started
        bound_started = time.perf_counter()
        relaxed = scheduling.relaxation_bound(problem)
        bound_seconds = time.perf_counter() - bound_started
        upper_bound = min(value for value in (schedule.upper_bound, relaxed) if value is not None)
        greedy = scheduling.greedy(problem)
        placed = len(schedule.placed)
        figures = {
            "participants": len(problem.participants),
            "slots": len(problem.slots),
            "tables": len(problem.points),
            "requests": len(problem.requests),
            "mutual_requests": sum(1 for r in problem.requests if r.mutual),
            "interpreter_requests": sum(1 for r in problem.requests if scheduling.needs_interpreter(problem, r)),
            "placed": placed,
            "placed_mutual": sum(1 for r in problem.requests if r.mutual and r.id in schedule.placed),
            "upper_bound": upper_bound,
            "upper_bound_solver": schedule.upper_bound,
            "upper_bound_relaxation": relaxed,
            "placed_ratio": round(placed / upper_bound, 4) if upper_bound else 1.0,
            "optimal": schedule.optimal or placed == upper_bound,
            "greedy_placed": len(greedy.placed),
            "greedy_ratio": round(len(greedy.placed) / upper_bound, 4) if upper_bound else 1.0,
            "seconds": round(seconds, 2),
            "bound_seconds": round(bound_seconds, 2),
            "conflicts": len(scheduling.conflicts(problem, schedule.placed)),
            "greedy_conflicts": len(scheduling.conflicts(problem, greedy.placed)),
        }
        if options["json"]:
            self.stdout.write(json.dumps(figures))
        else:
            for key, value in figures.items():
                self.stdout.write(f"{key}: {value}")
