"""Authentication: password hashing and rules, staff and company users' logins (allauth), throttling
of logins, two-factor authentication."""

from wfs_portal.env import env_bool, env_int
from wfs_portal.settings_parts.mode import DEBUG

# Argon2 first: new and changed passwords are hashed with it; the others only verify old hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# CommonPasswordValidator refuses the 20,000 most common passwords from a list shipped with Django.
# A breached-password check (e.g. against Have I Been Pwned) is left out on purpose: it needs a
# call to an online service, which the agency's users behind firewalls and offline installations
# cannot make, and a validator that fails open would only pretend to check.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff log in at /admin/ with their user name (ModelBackend); company users log in at
# /accounts/login/ with their e-mail address (allauth's backend, which also enforces verification).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:start"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
# Sign-up with an e-mail address and a password only; allauth derives the (hidden) user name.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_DISPLAY = "notifications.accounts.user_display"
# Nobody uses the portal before proving they own the address: an organisation's representatives
# are reached by e-mail, and join requests are decided on the strength of that address.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[WFS Portal] "
# allauth's e-mails go through the outbox like every other e-mail.
ACCOUNT_ADAPTER = "notifications.accounts.AccountAdapter"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Throttling (counted in the cache; Redis in production, so all web processes share the counts).
# Logins: 30 per IP address per minute (allauth's default, stated here), failed ones 5 per e-mail
# address in 5 minutes and 20 per IP address per minute; the login form then says "Too many failed
# login attempts. Try again later." Other limits answer 429.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "20/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# Behind the TLS proxy every request comes from the proxy's address, and the limits per address above
# would hold for all clients together: they count the client address the proxy adds last to
# X-Forwarded-For instead (the number of proxies in front of gunicorn; 0 without one).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", default=0 if DEBUG else 1, minimum=0)
# Two-factor authentication with an authenticator app (TOTP) and one-time recovery codes: optional
# for company users, required for staff (they reach every company's data) unless switched off for a
# laptop demo (STAFF_MFA_REQUIRED=false; off by default in debug mode). The admin's login asks for the
# code once a staff member has set it up (wfs_portal/staff_login.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
STAFF_MFA_REQUIRED = env_bool("STAFF_MFA_REQUIRED", default=not DEBUG)
MFA_TOTP_ISSUER = "WFS Portal"
# The one Site of django.contrib.sites (name and domain: wfs_portal/migrations/0002_portal_site.py).
SITE_ID = 1
