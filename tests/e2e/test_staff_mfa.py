"""A staff member's first login once two-factor authentication is required: set up the authenticator
app, reach the admin, and from then on log in with its code. In a real browser."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache

from tests.totp import totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Messestand-Dubai-2026"


def test_staff_set_up_their_authenticator_and_then_log_in_with_its_code(new_page, shot, settings, django_user_model):
    settings.STAFF_MFA_REQUIRED = True
    staff = django_user_model.objects.create_superuser(
        username="sachbearbeiterin", email="sb@wfs.example", password=PASSWORD
    )
    page = new_page()

    page.goto("/admin/login/")
    page.fill("input[name=username]", "sachbearbeiterin")
    page.fill("input[name=password]", PASSWORD)
    shot(page, "mfa-01-admin-login")
    page.click("input[type=submit]")
    # Not the admin: first the authenticator (after confirming the password once more).
    page.wait_for_url(re.compile(r"/accounts/"))
    if "reauthenticate" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    shot(page, "mfa-02-set-up")
    secret = page.input_value("#authenticator_secret")
    page.fill("input[name=code]", totp_code(secret, margin=10))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()

    page.goto("/admin/")
    assert page.url.endswith("/admin/")

    # A code is good once: forget that this one was used, instead of waiting for the next one.
    cache.clear()
    again = new_page(width=390, height=844)  # another browser, a phone
    again.goto("/admin/login/")
    again.fill("input[name=username]", "sachbearbeiterin")
    again.fill("input[name=password]", PASSWORD)
    again.click("input[type=submit]")
    assert "Geben Sie den Code aus Ihrer Authenticator-App ein." in again.content()
    again.fill("input[name=username]", "sachbearbeiterin")
    again.fill("input[name=password]", PASSWORD)
    again.fill("input[name=code]", totp_code(secret, margin=10))
    shot(again, "mfa-03-login-with-code")
    again.click("input[type=submit]")
    again.wait_for_url(re.compile(r"/admin/$"))
    shot(again, "mfa-04-admin")
