"""The move of the matchmaking models from companies to matchmaking (companies 0012, matchmaking
0001 to 0003) keeps every row of a populated database, in both directions. Rows written through
today's models survive the way back to just before the move; rows written there through the models
as they were then survive the way forward, together with the first ones. Each moved table and its
history table keeps every value, and what points at those models from elsewhere follows them: a
group's ``run_matching`` permission, an admin log entry, a waiting outbox task and Celery beat's
stored schedule, under their task names."""

import datetime

import pytest
from django.apps import apps as django_apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

# The last migrations before the move: companies keeps its migrations up to 0011 and matchmaking has
# none; every other app stays at its latest migration.
BEFORE_MOVE = [("companies", "0011_normalise_stored_phones_and_vat_ids"), ("matchmaking", None)]

MOVED = [
    "matchgeneration",
    "matchchunk",
    "match",
    "matchfeedback",
    "matchoverride",
    "matchexclusion",
    "contactrequest",
    "textembedding",
    "complementarydivisions",
    "portalvisit",
    "historicalmatchfeedback",
    "historicalmatchoverride",
    "historicalmatchexclusion",
    "historicalcontactrequest",
    "historicalcomplementarydivisions",
]

OLD_PREFIX = "companies.tasks."
NEW_PREFIX = "matchmaking.tasks."

# Microseconds included: a column that lost them on the way would show.
AT = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC)


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _before_move() -> list[tuple[str, str | None]]:
    """Companies and matchmaking just before the move; every other app at its latest migration, or
    unapplied where that migration needs companies or matchmaking after the move (apps built on
    them later, such as interests)."""
    graph = MigrationExecutor(connection).loader.graph
    allowed = {node for target in BEFORE_MOVE if target[1] for node in graph.forwards_plan(target)}

    def after_move(node) -> bool:
        return any(
            ancestor[0] in {"companies", "matchmaking"} and ancestor not in allowed
            for ancestor in graph.forwards_plan(node)
        )

    others = [
        (app, None) if name and after_move((app, name)) else (app, name)
        for app, name in _latest()
        if app not in {"companies", "matchmaking"}
    ]
    return others + BEFORE_MOVE


def _migrate(targets) -> None:
    # A new executor each time: it reads which migrations are applied when it is made.
    MigrationExecutor(connection).migrate(targets)
    # The migrations change content types behind the manager's cache.
    ContentType.objects.clear_cache()


def _models_before_move():
    """The models as they were just before the move (an app without migrations is no node)."""
    nodes = [node for node in _before_move() if node[1] is not None]
    return MigrationExecutor(connection).loader.project_state(nodes).apps


def _rows(apps, app_label: str) -> dict[str, list[dict]]:
    """Every row of every moved table with every column, in a form that compares equal across
    backends (PostgreSQL returns binary columns as memoryview)."""
    return {
        name: [
            {column: bytes(value) if isinstance(value, memoryview) else value for column, value in row.items()}
            for row in apps.get_model(app_label, name).objects.order_by("pk").values()
        ]
        for name in MOVED
    }


def _tables(app_label: str) -> set[str]:
    return {f"{app_label}_{name}" for name in MOVED}


def _populate(apps, app_label: str, n: int) -> dict:
    """Rows in every moved table (``app_label`` is the app the moved models are in) and what points
    at them from other apps; ``n`` keeps the unique values of two rounds apart. Works with today's
    models and with the models of a migration state. Returns the keys the assertions look up."""

    def model(name):
        return apps.get_model(app_label, name)

    User = apps.get_model("auth", "User")
    staff = User.objects.create(username=f"matchmaker-{n}", email=f"matchmaker-{n}@wfs.example", is_staff=True)
    member = User.objects.create(username=f"member-{n}", email=f"member-{n}@alpha.example")

    Organisation = apps.get_model("companies", "Organisation")
    alpha = Organisation.objects.create(name=f"Alpha Medizintechnik {n} GmbH", kind="company", city="Leipzig")
    beta = Organisation.objects.create(name=f"Beta Logistik {n} GmbH", kind="company", city="Dresden")

    # A transactional test that ran earlier may have emptied the NACE classification.
    Sector = apps.get_model("companies", "Sector")

    def division(code, section):
        parent, _ = Sector.objects.get_or_create(
            code=section, defaults={"level": 1, "name_de": section, "name_en": section}
        )
        return Sector.objects.get_or_create(
            code=code, defaults={"level": 2, "parent": parent, "name_de": code, "name_en": code}
        )[0]

    first, second = (division(*code) for code in {1: [("52", "H"), ("86", "Q")], 2: [("49", "H"), ("21", "C")]}[n])

    # Only one generation may be active: the first round's is retired.
    generation = model("matchgeneration").objects.create(
        state=["retired", "active"][n - 1],
        requested_by=staff,
        organisations=2,
        chunks_total=2,
        chunks_done=2,
        parameters={"top": 20, "weights": [0.5, 0.25]},
        snapshot=f"generations/{n}.npz",
        started_at=AT,
        finished_at=AT + datetime.timedelta(minutes=3),
        activated_at=AT + datetime.timedelta(minutes=4),
        attempts=2,
        heartbeat_at=AT,
    )
    model("matchchunk").objects.create(generation=generation, phase="map", index=0, start=0, stop=2, done_at=AT)
    model("matchchunk").objects.create(
        generation=generation, phase="reduce", index=0, start=0, stop=2, claimed_at=AT, done_at=AT, seconds=0.25
    )
    match = model("match").objects.create(
        generation=generation,
        organisation=alpha,
        partner=beta,
        rank=0,
        score=0.8125,
        text=0.5,
        text_forward=0.625,
        text_backward=0.375,
        structure=0.25,
        fit=0.125,
        feedback=0.0625,
        reason_flags=5,
        shared_fields=3,
        request_profile_ref=11,
        offer_profile_ref=22,
        pinned=True,
    )
    model("match").objects.create(generation=generation, organisation=beta, partner=alpha, rank=0, score=0.25)
    with_history = [
        model("matchfeedback").objects.create(organisation=alpha, partner=beta, verdict="interesting", user=member),
        model("matchoverride").objects.create(
            organisation=beta, partner=alpha, action="hide", note="Competitors", user=staff
        ),
        model("matchexclusion").objects.create(kind="pair", organisation=alpha, other=beta, note="Same owner"),
        model("contactrequest").objects.create(
            requester=alpha, target=beta, message="Wir suchen einen Logistikpartner.", user=member
        ),
        model("complementarydivisions").objects.create(first=first, second=second, note="Hospital logistics"),
    ]
    model("matchexclusion").objects.create(kind="same_group", is_active=False)
    model("textembedding").objects.create(model="e5-small", text_hash=f"{n:064x}", vector=bytes(range(256)))
    model("portalvisit").objects.create(
        user=member, organisation=alpha, started_at=AT, seen_at=AT, partners_before=[], partners_seen=[beta.pk]
    )

    # History rows as simple_history writes them (which the models of a migration state do not).
    for obj in with_history:
        History = model("historical" + obj._meta.model_name)
        values = {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}
        History.objects.create(
            **values, history_date=AT, history_type="+", history_user=staff, history_change_reason="Created"
        )
        History.objects.create(**values, history_date=AT, history_type="~", history_user=None)

    # Permissions and admin log entries point at content types. post_migrate made them for the
    # models' current app and the way back moves them to companies; made here should they be missing.
    ContentType = apps.get_model("contenttypes", "ContentType")
    generation_type, _ = ContentType.objects.get_or_create(app_label=app_label, model="matchgeneration")
    match_type, _ = ContentType.objects.get_or_create(app_label=app_label, model="match")
    run_matching, _ = apps.get_model("auth", "Permission").objects.get_or_create(
        codename="run_matching",
        content_type=generation_type,
        defaults={"name": "Can start match computations and pin or hide matches"},
    )
    group = apps.get_model("auth", "Group").objects.create(name=f"Matchmaking {n}")
    group.permissions.add(run_matching)
    staff.groups.add(group)
    log_entry = apps.get_model("admin", "LogEntry").objects.create(
        user=staff,
        content_type=match_type,
        object_id=str(match.pk),
        object_repr=f"{alpha.name} → {beta.name} (0.81)",
        action_flag=2,
        change_message="[]",
    )

    # The relay starts tasks by these names. A topic of its own is kept; a task of companies that
    # did not move keeps its name.
    prefix = OLD_PREFIX if app_label == "companies" else NEW_PREFIX
    Message = apps.get_model("outbox", "OutboxMessage")
    waiting = Message.objects.create(
        kind="task",
        key=f"update-{n}",
        coalesce=f"matching.update:{alpha.pk}",
        task_name=f"{prefix}match_organisation_update",
        task_args=[alpha.pk],
        topic=f"{prefix}match_organisation_update",
    )
    with_topic = Message.objects.create(
        kind="task",
        key=f"run-{n}",
        task_name=f"{prefix}match_generation_run",
        task_args=[generation.pk],
        topic="matching",
    )
    unrelated = Message.objects.create(
        kind="task", key=f"expire-{n}", task_name="companies.tasks.partnering_profiles_expire"
    )
    # Celery beat's stored schedule names the task too (0003).
    schedule = apps.get_model("django_celery_beat", "CrontabSchedule").objects.create(minute="0", hour="2")
    beat = apps.get_model("django_celery_beat", "PeriodicTask").objects.create(
        name=f"Recompute partner matches {n}", task=f"{prefix}match_generation_start", crontab=schedule
    )
    return {
        "beat": beat.pk,
        "staff": staff.pk,
        "match": match.pk,
        "match_type": match_type.pk,
        "generation_type": generation_type.pk,
        "group": group.pk,
        "log_entry": log_entry.pk,
        "waiting": waiting.pk,
        "with_topic": with_topic.pk,
        "unrelated": unrelated.pk,
    }


def _assert_pointers(keys: dict, app_label: str) -> None:
    """What points at the moved models from elsewhere points at them in ``app_label``: their
    content types kept their ids and moved, and the waiting tasks carry the names of that app.
    (Today's models of contenttypes, auth, admin and outbox serve on both sides of the move: their
    tables are the same.)"""
    from outbox.models import OutboxMessage

    other = {"companies": "matchmaking", "matchmaking": "companies"}[app_label]
    assert not ContentType.objects.filter(app_label=other, model__in=MOVED).exists()
    assert ContentType.objects.get(pk=keys["match_type"]).natural_key() == (app_label, "match")
    assert ContentType.objects.get(pk=keys["generation_type"]).natural_key() == (app_label, "matchgeneration")
    permission = Permission.objects.get(codename="run_matching")
    assert permission.content_type_id == keys["generation_type"]
    assert Group.objects.get(pk=keys["group"]).permissions.filter(pk=permission.pk).exists()
    assert LogEntry.objects.get(pk=keys["log_entry"]).content_type_id == keys["match_type"]

    prefix = OLD_PREFIX if app_label == "companies" else NEW_PREFIX
    waiting = OutboxMessage.objects.get(pk=keys["waiting"])
    assert waiting.task_name == waiting.topic == f"{prefix}match_organisation_update"
    assert waiting.state == "pending"
    with_topic = OutboxMessage.objects.get(pk=keys["with_topic"])
    assert (with_topic.task_name, with_topic.topic) == (f"{prefix}match_generation_run", "matching")
    unrelated = OutboxMessage.objects.get(pk=keys["unrelated"])
    assert unrelated.task_name == "companies.tasks.partnering_profiles_expire"
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.get(pk=keys["beat"]).task == f"{prefix}match_generation_start"


def _assert_names_of_this_app() -> None:
    """0002: the declared constraints and the index carry matchmaking's names."""
    with connection.cursor() as cursor:
        for model in django_apps.get_app_config("matchmaking").get_models():
            declared = {c.name for c in model._meta.constraints} | {i.name for i in model._meta.indexes}
            present = set(connection.introspection.get_constraints(cursor, model._meta.db_table))
            assert declared <= present, (model._meta.db_table, declared - present)


def test_the_move_keeps_every_row_both_ways():
    from matchmaking.models.generations import MatchGeneration
    from matchmaking.models.matches import Match, MatchOverride

    # Every model of matchmaking came from companies; a model added to the move must be added here.
    assert {model._meta.model_name for model in django_apps.get_app_config("matchmaking").get_models()} == set(MOVED)

    latest, before = _latest(), _before_move()
    try:
        # Back to just before the move, with rows written through today's models.
        keys_today = _populate(django_apps, "matchmaking", 1)
        written_today = _rows(django_apps, "matchmaking")
        _migrate(before)

        tables = set(connection.introspection.table_names())
        assert _tables("companies") <= tables
        assert not _tables("matchmaking") & tables
        old = _models_before_move()
        assert _rows(old, "companies") == written_today
        _assert_pointers(keys_today, "companies")

        # Forward again, with more rows written through the models as they were before the move.
        keys_before = _populate(old, "companies", 2)
        written_before = _rows(old, "companies")
        _migrate(latest)

        tables = set(connection.introspection.table_names())
        assert _tables("matchmaking") <= tables
        assert not _tables("companies") & tables
        assert _rows(django_apps, "matchmaking") == written_before
        for keys in (keys_today, keys_before):
            _assert_pointers(keys, "matchmaking")
            staff = django_apps.get_model("auth", "User").objects.get(pk=keys["staff"])
            assert staff.has_perm("matchmaking.run_matching")
            log_entry = LogEntry.objects.get(pk=keys["log_entry"])
            assert log_entry.get_edited_object() == Match.objects.get(pk=keys["match"])
        _assert_names_of_this_app()

        # The renamed tables take new rows (their key sequences came along) and new history.
        MatchGeneration.objects.create()
        override = MatchOverride.objects.filter(note="Competitors").first()
        history = override.history.count()
        override.note = "Competitors, says the agency"
        override.save()
        assert override.history.count() == history + 1
    finally:
        # Later tests expect the database as migrate leaves it.
        _migrate(latest)
