"""Company users' accounts (django-allauth): sign-up with e-mail verification, login with
throttling and session rotation, logout, password reset and change, TOTP two-factor
authentication; the staff admin login keeps working."""

import re
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.cache import cache
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "Kühlkette-Leipzig-2031"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth counts attempts in the cache; one test's failed logins must not throttle the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def company_user():
    """A company user with a real (Argon2-hashed) password and a verified address."""
    user = factories.CompanyUserFactory(email="anna@firma.example.de")
    user.set_password(PASSWORD)
    user.save()
    return user


def _link(mail, pattern: str) -> str:
    match = re.search(rf"https?://[^/\s]+(/{pattern}[^\s]*)", mail.body)
    assert match, mail.body
    return match.group(1)


def _signup(client, email="neu@firma.example.de", password=PASSWORD):
    return client.post(reverse("account_signup"), {"email": email, "password1": password, "password2": password})


# --- sign-up and e-mail verification ---------------------------------------------------------------


def test_signup_needs_only_an_email_address_and_sends_a_confirmation(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    # The confirmation goes through the outbox: sent once the sign-up is committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="neu@firma.example.de")
    assert user.username  # derived by allauth, never asked for
    assert EmailAddress.objects.filter(user=user, verified=False).exists()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["neu@firma.example.de"]
    assert SESSION_KEY not in client.session, "nobody is logged in before the address is confirmed"


def test_signup_refuses_a_common_password(client):
    response = _signup(client, password="password123")

    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(email="neu@firma.example.de").exists()


def test_signup_refuses_a_second_account_for_the_same_address(client, company_user, mailoutbox):
    _signup(client, email="anna@firma.example.de")

    # allauth does not reveal that the address is taken (no enumeration); it mails the owner.
    assert User.objects.filter(email__iexact="anna@firma.example.de").count() == 1


def test_the_confirmation_link_verifies_the_address_and_opens_the_portal(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    confirm_url = _link(mailoutbox[0], "accounts/confirm-email/")

    response = client.post(confirm_url)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="neu@firma.example.de").verified
    assert client.get(reverse("portal:start")).status_code == 200


def test_an_unverified_user_cannot_log_in(client, mailoutbox, django_capture_on_commit_callbacks):
    _signup(client)
    client.logout()
    mailoutbox.clear()
    cache.clear()  # past the resend cooldown

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_login"), {"login": "neu@firma.example.de", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert SESSION_KEY not in client.session
    assert len(mailoutbox) == 1  # the confirmation is sent again


def test_an_unverified_user_with_a_session_gets_the_confirm_page_not_the_portal(client):
    user = factories.UserFactory(email="ohne@firma.example.de")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    client.force_login(user)

    response = client.get(reverse("portal:start"))

    assert response.status_code == 403
    assert "portal/email_unverified.html" in [t.name for t in response.templates]


# --- login, throttling, session, logout -----------------------------------------------------------


def test_login_with_email_and_password_rotates_the_session(client, company_user):
    client.get(reverse("account_login"))
    session = client.session
    session["before"] = "x"
    session.save()
    key_before = session.session_key

    response = client.post(reverse("account_login"), {"login": "anna@firma.example.de", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("portal:start")
    assert client.session[SESSION_KEY] == str(company_user.pk)
    assert client.session.session_key != key_before


def test_the_login_message_names_the_e_mail_address_not_the_hidden_user_name(client, company_user):
    response = client.post(
        reverse("account_login"), {"login": "anna@firma.example.de", "password": PASSWORD}, follow=True
    )

    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["Sie sind als anna@firma.example.de angemeldet."]
    assert company_user.username not in response.content.decode()


def test_wrong_password_is_refused(client, company_user):
    response = client.post(reverse("account_login"), {"login": "anna@firma.example.de", "password": "falsch-falsch"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert SESSION_KEY not in client.session


def test_login_is_throttled_after_five_failures_with_a_clear_message(client, company_user):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "anna@firma.example.de", "password": "falsch-falsch"})

    response = client.post(reverse("account_login"), {"login": "anna@firma.example.de", "password": PASSWORD})

    assert SESSION_KEY not in client.session, "even the right password is refused while throttled"
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Zu viele" in errors or "Too many" in errors


def test_other_limits_answer_429_with_a_page_that_says_what_to_do(client, company_user, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "1/m/ip"}
    client.post(reverse("account_reset_password"), {"email": "anna@firma.example.de"})

    response = client.post(reverse("account_reset_password"), {"email": "anna@firma.example.de"})

    assert response.status_code == 429
    assert "429.html" in [t.name for t in response.templates]
    assert "portal/base.html" in [t.name for t in response.templates]


def test_logout_ends_the_session(client, company_user):
    client.force_login(company_user)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get(reverse("portal:start")).status_code == 302


# --- passwords ---------------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2(company_user):
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert company_user.password.startswith("argon2$")


def test_password_reset_by_email_link(client, company_user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "anna@firma.example.de"})
    assert response.status_code == 302
    reset_url = _link(mailoutbox[0], "accounts/password/reset/key/")

    form_url = client.get(reset_url).url  # allauth moves the key into the session first
    new_password = "Sensorik-Chemnitz-2032"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})

    assert response.status_code == 302
    company_user.refresh_from_db()
    assert company_user.check_password(new_password)


def test_password_change_needs_the_old_password(client, company_user):
    client.force_login(company_user)
    new_password = "Sensorik-Chemnitz-2032"

    refused = client.post(
        reverse("account_change_password"),
        {"oldpassword": "falsch-falsch", "password1": new_password, "password2": new_password},
    )
    accepted = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
    )

    assert refused.status_code == 200
    assert accepted.status_code == 302
    company_user.refresh_from_db()
    assert company_user.check_password(new_password)


# --- two-factor authentication (TOTP) ------------------------------------------------------------------


def _totp_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _reauthenticate(client) -> None:
    # Changing the second factor asks for the password again (allauth's reauthentication).
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def test_totp_can_be_enabled_and_is_then_asked_at_login(client, company_user):
    client.post(reverse("account_login"), {"login": "anna@firma.example.de", "password": PASSWORD})
    _reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]

    response = client.post(reverse("mfa_activate_totp"), {"code": _totp_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=company_user, type=Authenticator.Type.TOTP).exists()
    client.post(reverse("account_logout"))
    cache.clear()  # the code just used may not be used again (replay protection)

    response = client.post(reverse("account_login"), {"login": "anna@firma.example.de", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert SESSION_KEY not in client.session, "the password alone does not log in"


def test_totp_can_be_disabled(client, company_user):
    factories.AuthenticatorFactory(user=company_user)
    client.force_login(company_user)
    _reauthenticate(client)

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=company_user, type=Authenticator.Type.TOTP).exists()


# --- layout, language, the staff admin ------------------------------------------------------------------


def test_account_pages_use_the_portal_layout_in_german(client):
    response = client.get(reverse("account_login"))

    assert "portal/base.html" in [t.name for t in response.templates]
    assert 'lang="de"' in response.content.decode()
    assert "pico-2.1.1.min.css" in response.content.decode()


def test_account_pages_switch_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("account_login")})

    assert 'lang="en"' in client.get(reverse("account_login")).content.decode()


def test_staff_still_log_in_to_the_admin_with_their_user_name(client):
    User.objects.create_superuser(username="sachbearbeiter", email="sb@wfs.example", password=PASSWORD)

    response = client.post(
        reverse("admin:login"), {"username": "sachbearbeiter", "password": PASSWORD, "next": reverse("admin:index")}
    )

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_company_user_cannot_log_in_to_the_admin(client, company_user):
    response = client.post(reverse("admin:login"), {"username": company_user.username, "password": PASSWORD})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
