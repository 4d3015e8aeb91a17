"""Matchmaking takes over its models from the companies app, keeping every row: the tables are
renamed (companies_match -> matchmaking_match, and so on, their history tables too), the content
types move to this app (so permissions given to staff, admin log entries and history keep pointing
at them), and outgoing tasks waiting under the old task names get the new ones. The state of the
models is created as it was in companies; 0002 gives the constraints and the index this app's names.
On a new database the tables come from companies' migrations 0003-0011 and are renamed here."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import wfs_portal.fields

MODELS = [
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
OLD_TASK_PREFIX = "companies.tasks.match_"
NEW_TASK_PREFIX = "matchmaking.tasks.match_"


def _rename_tables(schema_editor, old_app: str, new_app: str) -> None:
    for name in MODELS:
        schema_editor.alter_db_table(None, f"{old_app}_{name}", f"{new_app}_{name}")


def tables_forwards(apps, schema_editor):
    _rename_tables(schema_editor, "companies", "matchmaking")


def tables_backwards(apps, schema_editor):
    _rename_tables(schema_editor, "matchmaking", "companies")


def _move_content_types(apps, old_app: str, new_app: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    # A content type the new app has already (made by a run of post_migrate in between) would
    # collide; it has no permissions given to anybody yet, so it gives way to the old one.
    ContentType.objects.filter(app_label=new_app, model__in=MODELS).delete()
    ContentType.objects.filter(app_label=old_app, model__in=MODELS).update(app_label=new_app)


def content_types_forwards(apps, schema_editor):
    _move_content_types(apps, "companies", "matchmaking")


def content_types_backwards(apps, schema_editor):
    _move_content_types(apps, "matchmaking", "companies")


def _rename_tasks(apps, old: str, new: str) -> None:
    OutboxMessage = apps.get_model("outbox", "OutboxMessage")
    for message in OutboxMessage.objects.filter(task_name__startswith=old):
        renamed = new + message.task_name.removeprefix(old)
        topic = renamed if message.topic == message.task_name else message.topic
        OutboxMessage.objects.filter(pk=message.pk).update(task_name=renamed, topic=topic)


def tasks_forwards(apps, schema_editor):
    _rename_tasks(apps, OLD_TASK_PREFIX, NEW_TASK_PREFIX)


def tasks_backwards(apps, schema_editor):
    _rename_tasks(apps, NEW_TASK_PREFIX, OLD_TASK_PREFIX)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("companies", "0011_normalise_stored_phones_and_vat_ids"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("outbox", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HistoricalComplementaryDivisions",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("created", models.DateTimeField(blank=True, editable=False, verbose_name="created")),
                        (
                            "updated",
                            models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name="updated"),
                        ),
                        ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                            ),
                        ),
                        (
                            "first",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                limit_choices_to={"level": 2},
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="companies.sector",
                                verbose_name="division",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "second",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                limit_choices_to={"level": 2},
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="companies.sector",
                                verbose_name="complementary division",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical complementary divisions",
                        "verbose_name_plural": "historical complementary divisions",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalContactRequest",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("created", models.DateTimeField(blank=True, editable=False, verbose_name="created")),
                        (
                            "updated",
                            models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name="updated"),
                        ),
                        (
                            "message",
                            wfs_portal.fields.BoundedTextField(blank=True, max_length=1000, verbose_name="message"),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("requested", "Requested"),
                                    ("accepted", "Accepted"),
                                    ("declined", "Declined"),
                                    ("withdrawn", "Withdrawn"),
                                ],
                                default="requested",
                                max_length=20,
                                verbose_name="state",
                            ),
                        ),
                        ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="decided at")),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "requester",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="companies.organisation",
                                verbose_name="requested by",
                            ),
                        ),
                        (
                            "target",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="companies.organisation",
                                verbose_name="requested partner",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical introduction request",
                        "verbose_name_plural": "historical introduction requests",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalMatchExclusion",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("created", models.DateTimeField(blank=True, editable=False, verbose_name="created")),
                        (
                            "updated",
                            models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name="updated"),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("same_group", "Never match two organisations of the same corporate group"),
                                    ("competitors", "Never match this organisation with others in its NACE classes"),
                                    ("pair", "Never match these two organisations"),
                                ],
                                max_length=30,
                                verbose_name="kind",
                            ),
                        ),
                        ("is_active", models.BooleanField(default=True, verbose_name="active")),
                        ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                help_text="Competitors and explicit pairs: the organisation the rule is for.",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="companies.organisation",
                                verbose_name="organisation",
                            ),
                        ),
                        (
                            "other",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                help_text="Explicit pairs only.",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="companies.organisation",
                                verbose_name="other organisation",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical exclusion rule",
                        "verbose_name_plural": "historical exclusion rules",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalMatchFeedback",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("created", models.DateTimeField(blank=True, editable=False, verbose_name="created")),
                        (
                            "updated",
                            models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name="updated"),
                        ),
                        (
                            "verdict",
                            models.CharField(
                                choices=[("interesting", "Interesting"), ("not_relevant", "Not relevant")],
                                max_length=20,
                                verbose_name="verdict",
                            ),
                        ),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="companies.organisation",
                                verbose_name="organisation",
                            ),
                        ),
                        (
                            "partner",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="companies.organisation",
                                verbose_name="partner",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical match feedback",
                        "verbose_name_plural": "historical match feedback",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalMatchOverride",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("created", models.DateTimeField(blank=True, editable=False, verbose_name="created")),
                        (
                            "updated",
                            models.DateTimeField(blank=True, db_index=True, editable=False, verbose_name="updated"),
                        ),
                        (
                            "action",
                            models.CharField(
                                choices=[("pin", "Pin"), ("hide", "Hide")], max_length=10, verbose_name="action"
                            ),
                        ),
                        ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="companies.organisation",
                                verbose_name="organisation",
                            ),
                        ),
                        (
                            "partner",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="companies.organisation",
                                verbose_name="partner",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="staff member",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical match override",
                        "verbose_name_plural": "historical match overrides",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="MatchGeneration",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("updated", models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated")),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("building", "Being computed"),
                                    ("active", "Active"),
                                    ("retired", "Retired"),
                                    ("failed", "Failed"),
                                ],
                                db_index=True,
                                default="building",
                                max_length=20,
                                verbose_name="state",
                            ),
                        ),
                        ("organisations", models.PositiveIntegerField(default=0, verbose_name="organisations")),
                        ("chunks_total", models.PositiveIntegerField(default=0, verbose_name="chunks")),
                        ("chunks_done", models.PositiveIntegerField(default=0, verbose_name="chunks done")),
                        ("parameters", models.JSONField(blank=True, default=dict, verbose_name="parameters")),
                        ("snapshot", models.CharField(blank=True, max_length=200, verbose_name="snapshot file")),
                        ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="started at")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                        ("activated_at", models.DateTimeField(blank=True, null=True, verbose_name="activated at")),
                        ("error", models.TextField(blank=True, verbose_name="error")),
                        (
                            "attempts",
                            models.PositiveSmallIntegerField(
                                default=1,
                                help_text="Runs of this computation: the first and every resumption.",
                                verbose_name="attempts",
                            ),
                        ),
                        (
                            "heartbeat_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="Written while a worker prepares it or finishes a chunk; a long silence means the work stopped.",
                                null=True,
                                verbose_name="last sign of life",
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="requested by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "match generation",
                        "verbose_name_plural": "match generations",
                        "ordering": ["-created"],
                        "permissions": [("run_matching", "Can start match computations and pin or hide matches")],
                    },
                ),
                migrations.CreateModel(
                    name="MatchChunk",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "phase",
                            models.CharField(
                                choices=[("map", "Candidates (block pairs)"), ("reduce", "Lists (ranking)")],
                                max_length=10,
                            ),
                        ),
                        ("index", models.PositiveIntegerField()),
                        ("start", models.PositiveIntegerField()),
                        ("stop", models.PositiveIntegerField()),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("done_at", models.DateTimeField(blank=True, null=True)),
                        ("seconds", models.FloatField(blank=True, null=True)),
                        (
                            "generation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="chunks",
                                to="matchmaking.matchgeneration",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "match chunk",
                        "verbose_name_plural": "match chunks",
                        "ordering": ["generation", "phase", "index"],
                    },
                ),
                migrations.CreateModel(
                    name="Match",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("rank", models.PositiveSmallIntegerField(verbose_name="rank")),
                        ("score", models.FloatField(verbose_name="score")),
                        ("text", models.FloatField(default=0, verbose_name="offer ↔ need")),
                        (
                            "text_forward",
                            models.FloatField(default=0, verbose_name="partner offers what is looked for"),
                        ),
                        (
                            "text_backward",
                            models.FloatField(default=0, verbose_name="partner looks for what is offered"),
                        ),
                        ("structure", models.FloatField(default=0, verbose_name="technology and sectors")),
                        ("fit", models.FloatField(default=0, verbose_name="practical fit")),
                        ("feedback", models.FloatField(default=0, verbose_name="feedback")),
                        ("reason_flags", models.IntegerField(default=0, verbose_name="reasons")),
                        ("shared_fields", models.IntegerField(default=0, verbose_name="shared technology fields")),
                        ("request_profile_ref", models.BigIntegerField(default=0, verbose_name="profile looked for")),
                        ("offer_profile_ref", models.BigIntegerField(default=0, verbose_name="profile offered")),
                        ("pinned", models.BooleanField(default=False, verbose_name="pinned by staff")),
                        (
                            "organisation",
                            models.ForeignKey(
                                db_constraint=False,
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="matches",
                                to="companies.organisation",
                                verbose_name="organisation",
                            ),
                        ),
                        (
                            "partner",
                            models.ForeignKey(
                                db_constraint=False,
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="companies.organisation",
                                verbose_name="partner",
                            ),
                        ),
                        (
                            "generation",
                            models.ForeignKey(
                                db_constraint=False,
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="matches",
                                to="matchmaking.matchgeneration",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "match",
                        "verbose_name_plural": "matches",
                        "ordering": ["generation_id", "organisation_id", "rank"],
                    },
                ),
                migrations.CreateModel(
                    name="MatchOverride",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("updated", models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated")),
                        (
                            "action",
                            models.CharField(
                                choices=[("pin", "Pin"), ("hide", "Hide")], max_length=10, verbose_name="action"
                            ),
                        ),
                        ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="match_overrides",
                                to="companies.organisation",
                                verbose_name="organisation",
                            ),
                        ),
                        (
                            "partner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="companies.organisation",
                                verbose_name="partner",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="staff member",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "match override",
                        "verbose_name_plural": "match overrides",
                        "ordering": ["organisation", "partner"],
                    },
                ),
                migrations.CreateModel(
                    name="TextEmbedding",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("model", models.CharField(max_length=100)),
                        ("text_hash", models.CharField(max_length=64)),
                        ("vector", models.BinaryField()),
                        ("created", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "verbose_name": "text embedding",
                        "verbose_name_plural": "text embeddings",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("model", "text_hash"),
                                name="companies_textembedding_unique_text",
                                violation_error_message="This text is embedded already.",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ComplementaryDivisions",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("updated", models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated")),
                        ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                        (
                            "first",
                            models.ForeignKey(
                                limit_choices_to={"level": 2},
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="companies.sector",
                                verbose_name="division",
                            ),
                        ),
                        (
                            "second",
                            models.ForeignKey(
                                limit_choices_to={"level": 2},
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="companies.sector",
                                verbose_name="complementary division",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "complementary divisions",
                        "verbose_name_plural": "complementary divisions",
                        "ordering": ["first__position", "second__position"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("first", "second"),
                                name="companies_complementarydivisions_unique_pair",
                                violation_error_message="These divisions are already declared complementary.",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("first", models.F("second")), _negated=True),
                                name="companies_complementarydivisions_two_divisions",
                                violation_error_message="Choose two different divisions.",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ContactRequest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("updated", models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated")),
                        (
                            "message",
                            wfs_portal.fields.BoundedTextField(blank=True, max_length=1000, verbose_name="message"),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("requested", "Requested"),
                                    ("accepted", "Accepted"),
                                    ("declined", "Declined"),
                                    ("withdrawn", "Withdrawn"),
                                ],
                                default="requested",
                                max_length=20,
                                verbose_name="state",
                            ),
                        ),
                        ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="decided at")),
                        (
                            "requester",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="contact_requests_sent",
                                to="companies.organisation",
                                verbose_name="requested by",
                            ),
                        ),
                        (
                            "target",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="contact_requests",
                                to="companies.organisation",
                                verbose_name="requested partner",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "introduction request",
                        "verbose_name_plural": "introduction requests",
                        "ordering": ["-created"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("state", "requested")),
                                fields=("requester", "target"),
                                name="companies_contactrequest_one_open_per_pair",
                                violation_error_message="An introduction to this partner has already been requested.",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("requester", models.F("target")), _negated=True),
                                name="companies_contactrequest_not_self",
                                violation_error_message="An organisation cannot ask to be introduced to itself.",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="MatchExclusion",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("updated", models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated")),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("same_group", "Never match two organisations of the same corporate group"),
                                    ("competitors", "Never match this organisation with others in its NACE classes"),
                                    ("pair", "Never match these two organisations"),
                                ],
                                max_length=30,
                                verbose_name="kind",
                            ),
                        ),
                        ("is_active", models.BooleanField(default=True, verbose_name="active")),
                        ("note", models.CharField(blank=True, max_length=300, verbose_name="note")),
                        (
                            "organisation",
                            models.ForeignKey(
                                blank=True,
                                help_text="Competitors and explicit pairs: the organisation the rule is for.",
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="match_exclusions",
                                to="companies.organisation",
                                verbose_name="organisation",
                            ),
                        ),
                        (
                            "other",
                            models.ForeignKey(
                                blank=True,
                                help_text="Explicit pairs only.",
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="companies.organisation",
                                verbose_name="other organisation",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "exclusion rule",
                        "verbose_name_plural": "exclusion rules",
                        "ordering": ["kind", "organisation"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(
                                        ("kind", "same_group"), ("organisation__isnull", True), ("other__isnull", True)
                                    ),
                                    models.Q(
                                        ("kind", "competitors"),
                                        ("organisation__isnull", False),
                                        ("other__isnull", True),
                                    ),
                                    models.Q(
                                        ("kind", "pair"), ("organisation__isnull", False), ("other__isnull", False)
                                    ),
                                    _connector="OR",
                                ),
                                name="companies_matchexclusion_fields_match_kind",
                                violation_error_message="Same group: no organisation. Competitors: one organisation. Pair: two organisations.",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("other__isnull", True),
                                    models.Q(("organisation", models.F("other")), _negated=True),
                                    _connector="OR",
                                ),
                                name="companies_matchexclusion_not_self",
                                violation_error_message="A pair needs two different organisations.",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="MatchFeedback",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("updated", models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated")),
                        (
                            "verdict",
                            models.CharField(
                                choices=[("interesting", "Interesting"), ("not_relevant", "Not relevant")],
                                max_length=20,
                                verbose_name="verdict",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="match_feedback",
                                to="companies.organisation",
                                verbose_name="organisation",
                            ),
                        ),
                        (
                            "partner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="companies.organisation",
                                verbose_name="partner",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "match feedback",
                        "verbose_name_plural": "match feedback",
                        "ordering": ["-created"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("organisation", "partner"),
                                name="companies_matchfeedback_one_per_pair",
                                violation_error_message="This organisation has already given feedback on this partner.",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("organisation", models.F("partner")), _negated=True),
                                name="companies_matchfeedback_not_self",
                                violation_error_message="An organisation is not its own partner.",
                            ),
                        ],
                    },
                ),
                migrations.AddConstraint(
                    model_name="matchgeneration",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("state", "active")),
                        fields=("state",),
                        name="companies_matchgeneration_one_active",
                        violation_error_message="Only one match generation can be active.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="matchgeneration",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("chunks_done__lte", models.F("chunks_total"))),
                        name="companies_matchgeneration_chunks_done_within_total",
                        violation_error_message="More chunks done than there are.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="matchchunk",
                    constraint=models.UniqueConstraint(
                        fields=("generation", "phase", "index"),
                        name="companies_matchchunk_unique_index",
                        violation_error_message="This chunk exists already.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="matchchunk",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("stop__gt", models.F("start"))),
                        name="companies_matchchunk_not_empty",
                        violation_error_message="A chunk must contain at least one organisation.",
                    ),
                ),
                migrations.AddIndex(
                    model_name="match",
                    index=models.Index(fields=["generation", "partner"], name="companies_match_partner_idx"),
                ),
                migrations.AddConstraint(
                    model_name="match",
                    constraint=models.UniqueConstraint(
                        fields=("generation", "organisation", "rank"),
                        name="companies_match_one_per_rank",
                        violation_error_message="This place of the list is taken.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="match",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("score__gte", 0), ("score__lte", 1)),
                        name="companies_match_score_in_unit_interval",
                        violation_error_message="A score lies between 0 and 1.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="match",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("organisation", models.F("partner")), _negated=True),
                        name="companies_match_not_self",
                        violation_error_message="An organisation is not its own partner.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="matchoverride",
                    constraint=models.UniqueConstraint(
                        fields=("organisation", "partner"),
                        name="companies_matchoverride_one_per_pair",
                        violation_error_message="There is already an override for this pair.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="matchoverride",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("organisation", models.F("partner")), _negated=True),
                        name="companies_matchoverride_not_self",
                        violation_error_message="An organisation is not its own partner.",
                    ),
                ),
                migrations.CreateModel(
                    name="PortalVisit",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("started_at", models.DateTimeField(verbose_name="visit started at")),
                        ("seen_at", models.DateTimeField(verbose_name="last seen at")),
                        (
                            "partners_before",
                            models.JSONField(blank=True, default=list, verbose_name="partners at the previous visit"),
                        ),
                        (
                            "partners_seen",
                            models.JSONField(blank=True, default=list, verbose_name="partners at this visit"),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="companies.organisation",
                                verbose_name="organisation",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="user",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "portal visit",
                        "verbose_name_plural": "portal visits",
                        "ordering": ["user", "organisation"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "organisation"),
                                name="companies_portalvisit_unique_user_organisation",
                                violation_error_message="This user's visits to this organisation are recorded already.",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[
                migrations.RunPython(tables_forwards, tables_backwards),
            ],
        ),
        migrations.RunPython(content_types_forwards, content_types_backwards),
        migrations.RunPython(tasks_forwards, tasks_backwards),
    ]
