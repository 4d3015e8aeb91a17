"""Signals the notifications app listens to: a user's language at sign-up and login, and a message
the outbox set aside for good (staff are told)."""

from allauth.account.signals import user_signed_up
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

from notifications import services
from outbox.signals import message_failed_for_good


@receiver(user_signed_up, dispatch_uid="notifications.language_at_signup")
def language_at_signup(sender, request, user, **kwargs):
    services.user_language_set(user=user, language=translation.get_language())


@receiver(user_logged_in, dispatch_uid="notifications.language_at_login")
def language_at_login(sender, request, user, **kwargs):
    # Users from before languages were stored: the language they log in with, until they switch.
    services.user_language_remember(user=user, language=translation.get_language())


@receiver(message_failed_for_good, dispatch_uid="notifications.delivery_failed")
def delivery_failed(sender, message, **kwargs):
    """Staff who look after deliveries are told, unless the failed message is such an alert itself
    (that would only make another one that fails)."""

    from notifications import door
    from notifications.choices import StaffTopic

    if message.topic == DELIVERY_FAILED_TOPIC:
        return
    door.staff_told(
        "notifications/email/delivery_failed",
        topic=StaffTopic.DELIVERY_FAILED,
        context={"message": message},
        record=message,
        key=f"{DELIVERY_FAILED_TOPIC}:{message.pk}:{message.attempts}",
    )


# The outbox topic of the alert itself (notify names it after its template).
DELIVERY_FAILED_TOPIC = "notifications.delivery_failed"
