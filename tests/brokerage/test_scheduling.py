"""The organiser's scheduler on small hand-made events: what it must place, what it must not, and
that the independent checker finds a broken schedule."""

from brokerage.scheduling import Participant, Point, Problem, Request, conflicts, greedy, relaxation_bound, solve

DE = frozenset({"de"})
EN = frozenset({"en"})
BOTH = frozenset({"de", "en"})


def problem(participants, requests, *, points=None, slots=2, sessions=1, **limits) -> Problem:
    return Problem(
        slots={slot: slot * sessions // slots for slot in range(slots)},
        points=tuple(points or [Point(id=100 + n) for n in range(3)]),
        participants={p.id: p for p in participants},
        requests=tuple(requests),
        **limits,
    )


def person(pid, slots=(0, 1), **fields) -> Participant:
    return Participant(id=pid, slots=frozenset(slots), languages=fields.pop("languages", BOTH), **fields)


def test_two_participants_without_a_common_slot_get_no_meeting_and_the_bound_says_so():
    event = problem([person(1, slots=[0]), person(2, slots=[1])], [Request(1, 1, 2)])
    schedule = solve(event, seconds=5)
    assert schedule.placed == {}
    assert relaxation_bound(event) == 0


def test_three_who_all_want_to_meet_fit_two_meetings_into_two_slots_and_the_solver_proves_it():
    # A triangle needs three slots: with two, one of the three meetings cannot take place.
    event = problem([person(1), person(2), person(3)], [Request(1, 1, 2), Request(2, 2, 3), Request(3, 1, 3)])
    schedule = solve(event, seconds=5)
    assert len(schedule.placed) == 2
    assert schedule.optimal and schedule.upper_bound == 2
    assert conflicts(event, schedule.placed) == []


def test_the_solver_places_what_first_come_greedy_blocks():
    # Greedy puts 1–2 into the first slot, the only one 3 has; the solver moves it to the second.
    event = problem([person(1), person(2), person(3, slots=[0])], [Request(1, 1, 2), Request(2, 1, 3)])
    assert len(greedy(event).placed) == 1
    schedule = solve(event, seconds=5)
    assert schedule.placed == {1: (1, schedule.placed[1][1]), 2: (0, schedule.placed[2][1])}


def test_a_pair_without_a_common_language_meets_only_at_a_table_with_an_interpreter():
    participants = [person(1, languages=DE), person(2, languages=EN)]
    without = problem(participants, [Request(1, 1, 2)], points=[Point(id=10), Point(id=11)])
    assert solve(without, seconds=5).placed == {}
    with_interpreter = problem(participants, [Request(1, 1, 2)], points=[Point(id=10), Point(id=11, interpreter=True)])
    assert solve(with_interpreter, seconds=5).placed[1][1] == 11


def test_an_online_participant_meets_in_an_online_room_and_nowhere_else():
    participants = [person(1, online=True), person(2)]
    tables_only = problem(participants, [Request(1, 1, 2)], points=[Point(id=10), Point(id=11)])
    assert solve(tables_only, seconds=5).placed == {}
    event = problem(participants, [Request(1, 1, 2)], points=[Point(id=10), Point(id=20, online=True)])
    assert solve(event, seconds=5).placed[1][1] == 20


def test_a_table_too_small_for_both_delegations_is_not_used():
    participants = [person(1, persons=2), person(2, persons=2)]
    event = problem(participants, [Request(1, 1, 2)], points=[Point(id=10, capacity=2), Point(id=11, capacity=4)])
    assert solve(event, seconds=5).placed[1][1] == 11


def test_one_table_and_one_slot_go_to_the_mutual_request_before_the_best_scored_one_sided():
    participants = [person(1, slots=[0]), person(2, slots=[0]), person(3, slots=[0]), person(4, slots=[0])]
    requests = [Request(1, 1, 2, priority=95), Request(2, 3, 4, mutual=True, priority=10)]
    event = problem(participants, requests, points=[Point(id=10)], slots=1)
    assert set(solve(event, seconds=5).placed) == {2}


def test_limits_per_participant_and_per_session_hold():
    hub = person(0, slots=range(4))
    others = [person(n, slots=range(4)) for n in range(1, 6)]
    requests = [Request(n, 0, n) for n in range(1, 6)]
    event = problem([hub, *others], requests, slots=4, sessions=2, max_per_participant=3, max_per_session=1)
    schedule = solve(event, seconds=5)
    # Two sessions with at most one meeting each: two, though three are allowed in all.
    assert len(schedule.placed) == 2
    assert conflicts(event, schedule.placed) == []
    assert relaxation_bound(event) == 2


def test_a_meeting_booked_by_the_participants_stays_where_it_is():
    event = problem([person(1), person(2), person(3)], [Request(1, 1, 2, fixed=(1, 101)), Request(2, 1, 3)])
    schedule = solve(event, seconds=5)
    assert schedule.placed[1] == (1, 101)
    assert schedule.placed[2][0] == 0


def test_the_checker_finds_a_person_and_a_table_used_twice_and_a_slot_outside_availability():
    event = problem([person(1), person(2), person(3, slots=[1])], [Request(1, 1, 2), Request(2, 1, 3)])
    found = conflicts(event, {1: (0, 100), 2: (0, 100)})
    assert "participant 1 has 2 meetings in slot 0" in found
    assert "point 100 hosts 2 meetings in slot 0" in found
    assert "request 2: participant 3 is not available in slot 0" in found
