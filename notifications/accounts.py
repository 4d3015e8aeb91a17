"""allauth's e-mails (address confirmation, password reset, two-factor notices) through the
outbox: a sign-up never fails because the mail server is away, and the mail goes out once it is
back."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation

from outbox.services import email_enqueue


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # allauth's rendering (its templates, the request's site and language), the outbox's delivery.
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request), **context},
        )
        html = next((content for content, kind in getattr(message, "alternatives", []) if kind == "text/html"), "")
        body = message.body
        if message.content_subtype == "html":
            html, body = message.body, ""
        email_enqueue(
            recipient=email,
            subject=message.subject,
            body=body,
            html_body=html,
            language=translation.get_language() or "",
            topic=f"accounts.{template_prefix.rsplit('/', 1)[-1]}",
            # Confirmation links, reset links and codes: hidden from staff, deleted once delivered.
            sensitive=True,
        )


def user_display(user) -> str:
    """How allauth names a company user ("Sie sind als … angemeldet", its e-mails): by the e-mail
    address they log in with, not by the user name allauth derived from it and never shows."""
    return user.email or user.get_username()
