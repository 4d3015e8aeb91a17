"""The periodic jobs, declared in one place. ``ensure_periodic_tasks`` (run after every migrate)
creates the ones missing in django-celery-beat's tables; staff then see and edit them in the admin
under "Periodic tasks", and their edits are never overwritten from here."""

from django.conf import settings


def _every_minute(task: str, description: str) -> dict:
    return {"task": task, "crontab": ("*", "*", "*", "*", "*"), "description": f"Every minute: {description}"}


def _daily(at: str, task: str, description: str, *, when: str = "Daily") -> dict:
    """A job run once a day at ``at`` ("01:15"), which also opens its description."""
    hour, minute = at.split(":")
    return {
        "task": task,
        "crontab": (str(int(minute)), str(int(hour)), "*", "*", "*"),
        "description": f"{when} at {at}: {description}",
    }


# name -> task, default crontab (minute, hour, day of month, month, day of week; Europe/Berlin) and
# the description staff read in the admin
PERIODIC_TASKS = {
    "Expire partnering profiles past their date": _daily(
        "01:15",
        "companies.tasks.partnering_profiles_expire",
        "published profiles whose 'valid until' date passed become expired.",
    ),
    "Remind to renew partnering profiles": _daily(
        "08:00",
        "companies.tasks.partnering_profile_renewal_reminders_send",
        "e-mail the representatives 30 days before a published profile's 'valid until' date (once per "
        "profile and date).",
    ),
    "Recompute partner matches": _daily(
        "02:30",
        "matchmaking.tasks.match_generation_start",
        "everybody's partner matches, switched to when complete.",
        when="Nightly",
    ),
    "Search for possible duplicates": _daily(
        "01:30",
        "companies.tasks.duplicates_search",
        "possible duplicate organisations and contact persons are searched and stored for the admin's "
        "'Possible duplicates' pages.",
        when="Nightly",
    ),
    "Resume stalled match computations": _every_minute(
        "matchmaking.tasks.match_generation_watch",
        "a recompute nothing has worked on for a few minutes (its worker died, its task was lost) or whose "
        "chunk failed is resumed where it stopped.",
    ),
    "Requeue stalled reports": _every_minute(
        "reports.tasks.reports_watch",
        "reports waiting or running without a sign of life for a few minutes are sent to the workers again.",
    ),
    "Deliver due outgoing messages": _every_minute(
        "outbox.tasks.outbox_deliver_due",
        "e-mails and tasks that are due are delivered, should the relay process (manage.py outbox_relay) be down.",
    ),
    "Delete old outgoing messages": _daily(
        "03:40",
        "outbox.tasks.outbox_purge",
        "delivered and failed messages past their retention are deleted (OUTBOX_KEEP_DELIVERED_DAYS and "
        "OUTBOX_KEEP_FAILED_DAYS: 30 and 180 days unless set otherwise; addresses and texts are personal data).",
    ),
    "Delete old idempotency records": _daily(
        "03:50",
        "wfs_portal.tasks.idempotency_records_delete_old",
        "the first answers kept for repeated API requests and portal forms are deleted after a day.",
    ),
    "Weekly digest of followed profiles and searches": {
        "task": "interests.tasks.follow_digests_send",
        "crontab": ("0", "7", "*", "*", "1"),
        "description": "On Mondays at 07:00: each follow's new matching profiles (or the followed profile's changes) "
        "since its previous digest, one e-mail per follow and week; nothing where nothing is new.",
    },
    "Expire unanswered meeting requests": _every_minute(
        "brokerage.tasks.meeting_requests_expire",
        "meeting requests of brokerage events that nobody answered within the event's time expire.",
    ),
    "Remind of brokerage meetings": _every_minute(
        "brokerage.tasks.meeting_reminders_send",
        "both sides of a published brokerage meeting are reminded the day before and 15 minutes before it.",
    ),
    "Ask what came of brokerage meetings": _daily(
        "09:30",
        "brokerage.tasks.outcome_follow_ups_send",
        "participants who saw a cooperation possible after a brokerage meeting are asked three and six months "
        "later whether an agreement came about.",
    ),
    "Send overdue webhook retries": _every_minute(
        "webhooks.tasks.webhook_deliveries_due_send",
        "partner webhook deliveries whose next attempt is overdue by 30 seconds are handed to the outbox again.",
    ),
    "Quarterly report": {
        "task": "reports.tasks.quarterly_report_start",
        "crontab": ("0", "5", "1", "1,4,7,10", "*"),
        "description": "At 05:00 on the first day of each quarter: the report of the quarter that just ended.",
    },
}


def ensure_periodic_tasks(**kwargs) -> int:
    """Create the declared periodic tasks that do not exist yet. Returns how many were created."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    created = 0
    for name, spec in PERIODIC_TASKS.items():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        minute, hour, day_of_month, month_of_year, day_of_week = spec["crontab"]
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.create(name=name, task=spec["task"], crontab=schedule, description=spec["description"])
        created += 1
    return created
