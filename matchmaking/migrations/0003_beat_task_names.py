"""The periodic tasks stored for Celery beat (django_celery_beat) under matchmaking's old task names
(companies.tasks.match_*) get the new ones. Without this, beat would go on sending names that no
worker knows, and the nightly recompute and the watchdog of stalled computations would stop
silently: wfs_portal.schedules never overwrites a stored task, so staff edits of a schedule stay."""

from django.db import migrations
from django.utils import timezone

OLD_TASK_PREFIX = "companies.tasks.match_"
NEW_TASK_PREFIX = "matchmaking.tasks.match_"


def _rename(apps, old: str, new: str) -> None:
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    renamed = 0
    for task in PeriodicTask.objects.filter(task__startswith=old):
        PeriodicTask.objects.filter(pk=task.pk).update(task=new + task.task.removeprefix(old))
        renamed += 1
    if renamed:
        # Beat re-reads the schedule when this moment changes (the model's signals do not run here).
        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def forwards(apps, schema_editor):
    _rename(apps, OLD_TASK_PREFIX, NEW_TASK_PREFIX)


def backwards(apps, schema_editor):
    _rename(apps, NEW_TASK_PREFIX, OLD_TASK_PREFIX)


class Migration(migrations.Migration):
    dependencies = [
        ("matchmaking", "0002_names_of_this_app"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
