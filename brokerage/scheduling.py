"""The organiser's scheduler of a brokerage event: no Django, only the problem and its answer.

A *request* is a meeting two participants should have; the scheduler gives as many requests as
possible a slot and a meeting point (a numbered table or an online room):

- a participant has at most one meeting per slot, and only in slots they said they are available;
- a meeting point hosts at most one meeting per slot, fits the meeting's persons (its capacity),
  is online when a side attends online and on site when both do, and has an interpreter when the
  two sides share no language;
- a participant has at most ``max_per_participant`` meetings in all and ``max_per_session`` in one
  session (0: no limit);
- meetings fixed already (booked by the participants themselves) keep their slot and point.

What is maximised, in this order: the number of meetings placed, then the number of mutual
requests among them (both sides want the meeting), then the sum of the one-sided requests'
priorities (the engine's match score in per cent). One weighted objective carries that order.

Meeting points of the same kind, capacity and interpreter service are interchangeable; the model
counts them per slot and names the points only at the end, so its size does not grow with the
number of tables. It is solved with OR-Tools' CP-SAT; ``upper_bound`` is the solver's proven bound
on the number of meetings any schedule of the same input could place, and ``greedy`` is the
first-come baseline the benchmark compares against."""

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model


@dataclass(frozen=True)
class Point:
    """A numbered table (on site) or an online room."""

    id: int
    online: bool = False
    capacity: int = 2
    interpreter: bool = False

    @property
    def kind(self) -> tuple[bool, int, bool]:
        return (self.online, self.capacity, self.interpreter)


@dataclass(frozen=True)
class Participant:
    id: int
    slots: frozenset[int]
    online: bool = False
    persons: int = 1
    languages: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Request:
    """A meeting between participants ``a`` and ``b``; ``mutual`` when both sides want it,
    ``priority`` (0 to 100) orders the one-sided ones; ``fixed`` is a (slot, point) booked already."""

    id: int
    a: int
    b: int
    mutual: bool = False
    priority: int = 0
    fixed: tuple[int, int] | None = None


@dataclass(frozen=True)
class Problem:
    slots: dict[int, int]  # slot id -> session id
    points: tuple[Point, ...]
    participants: dict[int, Participant]
    requests: tuple[Request, ...]
    max_per_participant: int = 0
    max_per_session: int = 0


@dataclass
class Schedule:
    placed: dict[int, tuple[int, int]] = field(default_factory=dict)  # request id -> (slot, point)
    upper_bound: int | None = None
    optimal: bool = False


def needs_interpreter(problem: Problem, request: Request) -> bool:
    """The two sides named languages and share none of them."""
    first, second = problem.participants[request.a], problem.participants[request.b]
    return bool(first.languages and second.languages and not first.languages & second.languages)


def fits(problem: Problem, request: Request, point: Point) -> bool:
    first, second = problem.participants[request.a], problem.participants[request.b]
    return (
        point.online == (first.online or second.online)
        and point.capacity >= first.persons + second.persons
        and (point.interpreter or not needs_interpreter(problem, request))
    )


def common_slots(problem: Problem, request: Request) -> list[int]:
    first, second = problem.participants[request.a], problem.participants[request.b]
    return sorted(slot for slot in first.slots & second.slots if slot in problem.slots)


MEETING_WEIGHT = 10_000
MUTUAL_WEIGHT = 1_000


def weight(request: Request) -> int:
    """A request's worth in the objective: a meeting more outweighs ten mutual requests in place of
    one-sided ones; a mutual request outweighs any one-sided one; the priority orders the rest."""
    return MEETING_WEIGHT + (MUTUAL_WEIGHT if request.mutual else 0) + max(0, min(100, request.priority))


def solve(problem: Problem, *, seconds: float = 30.0, workers: int = 2, seed: int = 0) -> Schedule:
    """The schedule CP-SAT finds within ``seconds``, with its proven bound on the number of meetings."""
    kinds: dict[tuple, list[Point]] = defaultdict(list)
    for point in problem.points:
        kinds[point.kind].append(point)
    model = cp_model.CpModel()
    chosen: dict[tuple[int, int, tuple], cp_model.IntVar] = {}
    per_request: dict[int, list] = defaultdict(list)
    per_slot_kind: dict[tuple[int, tuple], list] = defaultdict(list)
    per_participant_slot: dict[tuple[int, int], list] = defaultdict(list)
    per_participant_session: dict[tuple[int, int], list] = defaultdict(list)
    per_participant: dict[int, list] = defaultdict(list)
    points = {point.id: point for point in problem.points}
    for request in problem.requests:
        for slot in common_slots(problem, request):
            if request.fixed is not None and slot != request.fixed[0]:
                continue
            for kind, members in kinds.items():
                if not fits(problem, request, members[0]):
                    continue
                if request.fixed is not None and kind != points[request.fixed[1]].kind:
                    continue
                var = model.new_bool_var(f"r{request.id}s{slot}k{len(chosen)}")
                chosen[(request.id, slot, kind)] = var
                per_request[request.id].append(var)
                per_slot_kind[(slot, kind)].append(var)
                session = problem.slots[slot]
                for side in (request.a, request.b):
                    per_participant_slot[(side, slot)].append(var)
                    per_participant_session[(side, session)].append(var)
                    per_participant[side].append(var)
    for request in problem.requests:
        variables = per_request.get(request.id, [])
        if not variables:
            continue
        if request.fixed is not None:
            # A booked meeting stays: it is not the scheduler's to drop.
            model.add_exactly_one(variables)
        else:
            model.add_at_most_one(variables)
    for (_slot, kind), variables in per_slot_kind.items():
        model.add(sum(variables) <= len(kinds[kind]))
    for variables in per_participant_slot.values():
        model.add_at_most_one(variables)
    if problem.max_per_session:
        for variables in per_participant_session.values():
            model.add(sum(variables) <= problem.max_per_session)
    if problem.max_per_participant:
        for variables in per_participant.values():
            model.add(sum(variables) <= problem.max_per_participant)
    weights = {request.id: weight(request) for request in problem.requests}
    model.maximize(sum(weights[request_id] * var for (request_id, _slot, _kind), var in chosen.items()))

    # The greedy schedule as a complete hint: the solver starts from a feasible answer that good.
    start = {
        (request_id, slot, points[point_id].kind) for request_id, (slot, point_id) in greedy(problem).placed.items()
    }
    for key, var in chosen.items():
        model.add_hint(var, key in start)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    schedule = Schedule(optimal=status == cp_model.OPTIMAL)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        schedule.upper_bound = 0 if status == cp_model.INFEASIBLE else None
        return schedule
    # Every meeting weighs at least MEETING_WEIGHT, so the objective's bound bounds their number.
    schedule.upper_bound = int(solver.best_objective_bound // MEETING_WEIGHT)
    taken: dict[tuple[int, tuple], list[Point]] = {}
    # Fixed meetings keep their own point; the others take the kind's points that are left.
    for request in problem.requests:
        if request.fixed is not None and per_request.get(request.id):
            schedule.placed[request.id] = request.fixed
    for (request_id, slot, kind), var in sorted(chosen.items(), key=lambda item: (item[0][1], item[0][0])):
        if request_id in schedule.placed or not solver.boolean_value(var):
            continue
        if (slot, kind) not in taken:
            booked = {p for r, (s, p) in schedule.placed.items() if s == slot}
            taken[(slot, kind)] = [p for p in kinds[kind] if p.id not in booked]
        schedule.placed[request_id] = (slot, taken[(slot, kind)].pop(0).id)
    return schedule


def greedy(problem: Problem) -> Schedule:
    """First come, first placed: each request in its order takes the earliest slot and the first
    fitting free point, where both sides are free and under their limits; nothing is moved later."""
    schedule = Schedule()
    busy: set[tuple[int, int]] = set()  # (participant, slot)
    used: set[tuple[int, int]] = set()  # (point, slot)
    total: dict[int, int] = defaultdict(int)
    in_session: dict[tuple[int, int], int] = defaultdict(int)

    def book(request: Request, slot: int, point_id: int) -> None:
        schedule.placed[request.id] = (slot, point_id)
        used.add((point_id, slot))
        for side in (request.a, request.b):
            busy.add((side, slot))
            total[side] += 1
            in_session[(side, problem.slots[slot])] += 1

    for request in problem.requests:
        if request.fixed is not None:
            book(request, *request.fixed)
    for request in problem.requests:
        if request.fixed is not None:
            continue
        if problem.max_per_participant and max(total[request.a], total[request.b]) >= problem.max_per_participant:
            continue
        placed = False
        for slot in common_slots(problem, request):
            session = problem.slots[slot]
            if (request.a, slot) in busy or (request.b, slot) in busy:
                continue
            if problem.max_per_session and (
                max(in_session[(request.a, session)], in_session[(request.b, session)]) >= problem.max_per_session
            ):
                continue
            for point in problem.points:
                if (point.id, slot) not in used and fits(problem, request, point):
                    book(request, slot, point.id)
                    placed = True
                    break
            if placed:
                break
    return schedule


def conflicts(problem: Problem, placed: dict[int, tuple[int, int]]) -> list[str]:
    """Everything wrong with a schedule, checked from scratch: a participant or a point used twice
    in a slot, a slot a side is not available in, a point that does not fit, a limit exceeded."""
    problems: list[str] = []
    requests = {r.id: r for r in problem.requests}
    points = {p.id: p for p in problem.points}
    participant_slots: dict[tuple[int, int], int] = defaultdict(int)
    point_slots: dict[tuple[int, int], int] = defaultdict(int)
    totals: dict[int, int] = defaultdict(int)
    sessions: dict[tuple[int, int], int] = defaultdict(int)
    for request_id, (slot, point_id) in placed.items():
        request = requests[request_id]
        point_slots[(point_id, slot)] += 1
        if not fits(problem, request, points[point_id]):
            problems.append(f"request {request_id}: point {point_id} does not fit")
        for side in (request.a, request.b):
            participant_slots[(side, slot)] += 1
            totals[side] += 1
            sessions[(side, problem.slots[slot])] += 1
            if slot not in problem.participants[side].slots:
                problems.append(f"request {request_id}: participant {side} is not available in slot {slot}")
    problems += [f"participant {p} has {n} meetings in slot {s}" for (p, s), n in participant_slots.items() if n > 1]
    problems += [f"point {p} hosts {n} meetings in slot {s}" for (p, s), n in point_slots.items() if n > 1]
    if problem.max_per_participant:
        problems += [f"participant {p} has {n} meetings" for p, n in totals.items() if n > problem.max_per_participant]
    if problem.max_per_session:
        problems += [
            f"participant {p} has {n} meetings in session {s}"
            for (p, s), n in sessions.items()
            if n > problem.max_per_session
        ]
    return problems


def relaxation_bound(problem: Problem, *, seconds: float = 20.0) -> int:
    """An upper bound on the meetings any schedule of ``problem`` could place, independent of the
    solver above: the schedule is relaxed to counts per session (a request goes into a session where
    both sides have a slot, onto a kind of point that fits it; per session no participant exceeds
    their slots there or the session limit, no kind more than its points times the session's slots;
    nobody exceeds the total limit), and that integer programme is solved exactly by HiGHS. Only the
    order within a session is forgotten, so the bound is close where points or limits are scarce."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    kinds: dict[tuple, int] = defaultdict(int)
    kind_point: dict[tuple, Point] = {}
    for point in problem.points:
        kinds[point.kind] += 1
        kind_point[point.kind] = point
    session_slots: dict[int, int] = defaultdict(int)
    for session in problem.slots.values():
        session_slots[session] += 1
    rows: dict[tuple, int] = {}
    limits: list[float] = []

    def row(key: tuple, limit: float) -> int:
        if key not in rows:
            rows[key] = len(limits)
            limits.append(limit)
        return rows[key]

    entries_row: list[int] = []
    entries_col: list[int] = []
    columns = 0
    unlimited = float(len(problem.slots))
    for request in problem.requests:
        sessions = sorted({problem.slots[slot] for slot in common_slots(problem, request)})
        fitting = [kind for kind, point in kind_point.items() if fits(problem, request, point)]
        for session in sessions:
            for kind in fitting:
                keys = [(("request", request.id), 1.0), (("kind", session, kind), kinds[kind] * session_slots[session])]
                for side in (request.a, request.b):
                    available = problem.participants[side].slots
                    here = sum(1 for slot in available if problem.slots.get(slot) == session)
                    keys.append((("total", side), min(problem.max_per_participant or unlimited, len(available))))
                    keys.append((("session", side, session), min(problem.max_per_session or unlimited, here)))
                for key, limit in keys:
                    entries_row.append(row(key, limit))
                    entries_col.append(columns)
                columns += 1
    if not columns:
        return 0
    matrix = coo_matrix((np.ones(len(entries_row)), (entries_row, entries_col)), shape=(len(limits), columns)).tocsr()
    result = milp(
        -np.ones(columns),
        constraints=LinearConstraint(matrix, 0, np.array(limits)),
        bounds=Bounds(0, 1),
        integrality=np.ones(columns),
        options={"time_limit": seconds},
    )
    bound = -result.fun if result.status == 0 else -getattr(result, "mip_dual_bound", -float(len(problem.requests)))
    return int(bound + 1e-6)
