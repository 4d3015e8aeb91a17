"""The notification door: every e-mail the portal sends goes through ``notify``.

It takes recipients (built by the helpers below, which answer "who is told" and "which language
does each read" once for the whole portal), renders the message for each in their language from
``templates/<app>/email/<name>_subject.txt`` and ``<name>.txt`` (and ``<name>.html`` where one
exists), and hands it to the outbox in the caller's transaction. Nothing is sent from here: the
outbox delivers once the change is committed, and keeps trying while the mail server is away.

Which language a person reads: a portal user the language they chose in the portal (stored when
they switch or sign up, notifications.UserPreference), a contact person the language on their
record; the working language, German, where nothing is known."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.module_loading import import_string

from notifications.choices import StaffTopic
from notifications.models import StaffAlert, UserPreference
from outbox.services import email_enqueue_many


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str


def _language(code: str | None) -> str:
    supported = dict(settings.LANGUAGES)
    return code if code in supported else settings.LANGUAGE_CODE


def users(people: Iterable) -> list[Recipient]:
    """Active users with an address, each in the language they chose."""
    people = [user for user in people if user.is_active and user.email]
    chosen = dict(
        UserPreference.objects.filter(user__in=[user.pk for user in people]).values_list("user_id", "language")
    )
    return [Recipient(user.email, _language(chosen.get(user.pk))) for user in people]


def representatives(organisation, *, administrators_only: bool = False) -> list[Recipient]:
    """The organisation's approved representatives (only its administrators, where they decide), as
    the directory names them (the function the setting NOTIFICATION_REPRESENTATIVES names)."""
    representative_users = import_string(settings.NOTIFICATION_REPRESENTATIVES)
    return users(representative_users(organisation, administrators_only=administrators_only))


def contact_person(contact) -> list[Recipient]:
    """The contact person named on a registration or request (not one the organisation removed)."""
    if contact is None or not contact.email or contact.removed_at is not None:
        return []
    return [Recipient(contact.email, _language(contact.language))]


def staff(topic: StaffTopic) -> list[Recipient]:
    """The staff members who get alerts of ``topic`` (StaffAlert; the superusers where no group is
    set or nobody in the groups has an address). Nobody, if staff switched the alert off."""
    alert = StaffAlert.objects.filter(topic=topic).first()
    if alert is not None and not alert.enabled:
        return []
    active_staff = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="").order_by("pk")
    chosen = []
    if alert is not None:
        chosen = list(active_staff.filter(groups__in=alert.groups.all()).distinct())
    if not chosen:
        chosen = list(active_staff.filter(is_superuser=True))
    return users(chosen)


def organisation_told(template: str, *, organisation, contact=None, context: dict, key: str) -> int:
    """An organisation's registration, participation or request changed: its approved representatives
    and the contact person named on it are told."""
    return notify(template, to=representatives(organisation) + contact_person(contact), context=context, key=key)


def staff_told(template: str, *, topic: StaffTopic, context: dict, record: models.Model, key: str) -> int:
    """Staff who follow ``topic`` are told, with a link to ``record``'s page in the admin."""
    meta = record._meta
    admin_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])
    return notify(template, to=staff(topic), context={**context, "admin_url": absolute_url(admin_url)}, key=key)


def absolute_url(path: str) -> str:
    """An absolute link for an e-mail (written without a request to take the host from): the setting
    PORTAL_BASE_URL if there is one, else the first configured host."""
    base = settings.PORTAL_BASE_URL
    if not base:
        host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")), "localhost")
        base = f"{'http' if settings.DEBUG else 'https'}://{host}"
    return base.rstrip("/") + path


def render(template: str, context: dict, language: str) -> tuple[str, str, str]:
    """Subject, text and HTML (empty without an .html template) of ``template`` in ``language``."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
        try:
            html = get_template(f"{template}.html").render(context)
        except TemplateDoesNotExist:
            html = ""
    return subject, body, html


def notify(template: str, *, to: Iterable[Recipient], context: dict, key: str | None = None, topic: str = "") -> int:
    """E-mail everybody in ``to`` (each address once, in the language of its first mention), rendered
    from ``template``, once the caller's transaction commits. ``key`` names the occasion (e.g.
    "fairs.registration:12:confirmed"): the same occasion never mails an address twice. Returns the
    number of e-mails."""
    seen: set[str] = set()
    emails = []
    context = {"portal_url": absolute_url("/portal/"), **context}
    for recipient in to:
        address = recipient.address.strip()
        if not address or address.lower() in seen:
            continue
        seen.add(address.lower())
        subject, body, html = render(template, context, recipient.language)
        emails.append(
            {
                "recipient": address,
                "subject": subject,
                "body": body,
                "html_body": html,
                "language": recipient.language,
                "key": f"{key}:{address.lower()}" if key else None,
                "topic": topic or template.replace("/email/", "."),
            }
        )
    if emails:
        email_enqueue_many(emails)
    return len(emails)
