"""Writes of the notifications app: the language a user reads, and the staff alerts' rows."""

from django.conf import settings
from django.db import transaction

from notifications.choices import StaffTopic
from notifications.models import StaffAlert, UserPreference


def user_language_set(*, user, language: str) -> bool:
    """Remember the language ``user`` chose; their e-mails are written in it. False for a language
    the portal does not offer, or one already stored."""
    if language not in dict(settings.LANGUAGES) or not getattr(user, "is_authenticated", False):
        return False
    with transaction.atomic():
        _, created = UserPreference.objects.get_or_create(user=user, defaults={"language": language})
        if created:
            return True
        return bool(UserPreference.objects.filter(user=user).exclude(language=language).update(language=language))


def user_language_remember(*, user, language: str) -> bool:
    """Store ``language`` unless the user chose one already (sign-up, first login)."""
    if UserPreference.objects.filter(user=user).exists():
        return False
    return user_language_set(user=user, language=language)


def staff_alerts_ensure(**kwargs) -> int:
    """A row for every staff alert topic, so staff find each one in the admin (run after migrate).
    Existing rows and their groups are never changed."""
    existing = set(StaffAlert.objects.values_list("topic", flat=True))
    missing = [StaffAlert(topic=topic) for topic in StaffTopic.values if topic not in existing]
    StaffAlert.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)
