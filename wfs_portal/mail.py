"""E-mails to organisations about their registrations and requests (fairs, delegations,
workshops): who is told, and each message in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import translation

from companies.choices import RepresentationState
from companies.models import Contact, Organisation, Representative


def registration_recipients(organisation: Organisation, contact: Contact | None) -> list[tuple[str, str]]:
    """(address, language) of everybody told about a registration: the organisation's approved
    representatives (their language is not known: German, the working language) and the contact
    person in their own language. An address is written to once."""
    recipients: dict[str, tuple[str, str]] = {}
    emails = Representative.objects.filter(organisation=organisation, state=RepresentationState.APPROVED)
    for email in emails.exclude(user__email="").values_list("user__email", flat=True):
        recipients.setdefault(email.lower(), (email, settings.LANGUAGE_CODE))
    if contact is not None and contact.email:
        recipients[contact.email.lower()] = (contact.email, contact.language or settings.LANGUAGE_CODE)
    return sorted(recipients.values())


def send_localised_mail(recipients: list[tuple[str, str]], template: str, context: dict) -> None:
    """One message per recipient, rendered in the recipient's language from ``<template>_subject.txt``
    and ``<template>.txt``."""
    messages = []
    for address, language in recipients:
        with translation.override(language):
            subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
            body = render_to_string(f"{template}.txt", context)
        messages.append(EmailMessage(subject, body, None, [address]))
    if messages:
        get_connection().send_messages(messages)
