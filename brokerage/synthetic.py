"""A synthetic brokerage event for the benchmark (manage.py bench_brokerage): the shape of a real
Kooperationsbörse at a large fair, seeded so that a run can be repeated.

- Participants miss some slots (arriving late, a stand duty): 0 to 6 of them, a few miss a whole
  session.
- Most speak German and English; some only one of them, a few only Czech or Chinese and English,
  so that some pairs share no language and need a table with an interpreter.
- A tenth attends online, a fifth comes with two persons.
- Requests are skewed the way real ones are: a few participants are asked by many (popularity
  falls off as a power law), 30 % are wanted by both sides, the rest carry the engine's score.
- Tables: a twelfth of the points are online rooms; the tables seat 2, 3 or 4; one in fourteen has
  an interpreter."""

import random

from brokerage.scheduling import Participant, Point, Problem, Request

LANGUAGES = [
    (frozenset({"de", "en"}), 55),
    (frozenset({"de"}), 20),
    (frozenset({"en"}), 15),
    (frozenset({"en", "fr"}), 5),
    (frozenset({"zh", "en"}), 3),
    (frozenset({"cs"}), 2),
]


def event(
    *,
    participants: int = 1000,
    slots: int = 16,
    tables: int = 150,
    requests: int | None = None,
    sessions: int = 2,
    max_per_participant: int = 10,
    max_per_session: int = 6,
    seed: int = 1,
) -> Problem:
    rng = random.Random(seed)
    slot_session = {slot: slot * sessions // slots for slot in range(slots)}
    online_rooms = max(1, tables // 12)
    on_site = tables - online_rooms
    points = [
        Point(
            id=number,
            capacity=2 if number < on_site * 0.4 else 3 if number < on_site * 0.75 else 4,
            interpreter=number % 14 == 0,
        )
        for number in range(on_site)
    ]
    points += [Point(id=on_site + number, online=True, capacity=4) for number in range(online_rooms)]
    people: dict[int, Participant] = {}
    choices, weights = zip(*LANGUAGES, strict=True)
    for pid in range(participants):
        missing = set(rng.sample(range(slots), rng.randint(0, min(6, slots - 1))))
        if rng.random() < 0.05:
            whole = rng.randrange(sessions)
            missing |= {slot for slot, session in slot_session.items() if session == whole}
        available = frozenset(set(range(slots)) - missing) or frozenset({rng.randrange(slots)})
        people[pid] = Participant(
            id=pid,
            slots=available,
            online=rng.random() < 0.1,
            persons=2 if rng.random() < 0.2 else 1,
            languages=rng.choices(choices, weights=weights)[0],
        )
    popularity = [1 / (rank + 1) ** 0.6 for rank in range(participants)]
    wanted = requests if requests is not None else participants * 4
    pairs: set[tuple[int, int]] = set()
    made: list[Request] = []
    attempts = 0
    while len(made) < wanted and attempts < wanted * 20:
        attempts += 1
        a = rng.randrange(participants)
        b = rng.choices(range(participants), weights=popularity)[0]
        key = (min(a, b), max(a, b))
        if a == b or key in pairs:
            continue
        pairs.add(key)
        made.append(Request(id=len(made), a=a, b=b, mutual=rng.random() < 0.3, priority=rng.randint(20, 95)))
    return Problem(
        slots=slot_session,
        points=tuple(points),
        participants=people,
        requests=tuple(made),
        max_per_participant=max_per_participant,
        max_per_session=max_per_session,
    )
