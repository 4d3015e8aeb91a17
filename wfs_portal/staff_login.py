"""How staff log in to the admin: user name, password and, once they have set up an authenticator
app, its code (or one of their recovery codes). Failed attempts are limited like the portal's
logins (ACCOUNT_RATE_LIMITS["login_failed"]: per IP address and per user name), and with
STAFF_MFA_REQUIRED a staff member without an authenticator is sent to set one up before the admin
opens (StaffMfaMiddleware)."""

from allauth.core.internal import ratelimit
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def _consume(request, key: str):
    """One attempt against the limits (allauth's counters and configuration, the portal's limits);
    None when the limit is reached. A successful login gives its attempt back."""
    return ratelimit.consume(request, app="allauth.account", action="login_failed", key=f"admin:{key}")


def verify_second_factor(user, code: str) -> bool:
    """The code of the user's authenticator app, or one of their unused recovery codes."""
    code = "".join(code.split())
    authenticators = {a.type: a for a in Authenticator.objects.filter(user=user)}
    totp = authenticators.get(Authenticator.Type.TOTP)
    if totp is not None and TOTP(totp).validate_code(code):
        return True
    recovery = authenticators.get(Authenticator.Type.RECOVERY_CODES)
    return recovery is not None and RecoveryCodes(recovery).validate_code(code)


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffLoginForm(AdminAuthenticationForm):
    code = forms.CharField(
        label=gettext_lazy("Code from the authenticator app"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("Only once you have set up two-factor authentication; a recovery code also works."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip().lower()
        usage = _consume(self.request, username)
        if usage is None:
            raise ValidationError(_("Too many failed login attempts. Try again later."), code="throttled")
        cleaned = super().clean()  # user name and password (raises for wrong ones; the attempt counts)
        user = self.get_user()
        if user is not None and has_second_factor(user):
            code = self.cleaned_data.get("code", "")
            if not code:
                raise ValidationError(_("Enter the code from your authenticator app."), code="code_missing")
            if not verify_second_factor(user, code):
                raise ValidationError(_("The code is not correct."), code="code_wrong")
        usage.rollback()
        return cleaned


class StaffMfaMiddleware:
    """With STAFF_MFA_REQUIRED, a staff member who has not set up an authenticator app reaches
    nothing of the admin (or of the API with their session) but the set-up page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.STAFF_MFA_REQUIRED and self._needs_setup(request):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("Set up two-factor authentication in the admin before using the API.")}, status=403
                )
            messages.info(
                request,
                _(
                    "The admin needs two-factor authentication. Set up your authenticator app here; then "
                    "open the admin again (%(url)s)."
                )
                % {"url": reverse("admin:index")},
            )
            setup = reverse("mfa_activate_totp")
            return HttpResponseRedirect(f"{setup}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _needs_setup(request) -> bool:
        if not request.path.startswith(("/admin/", "/api/")) or request.path == reverse("admin:logout"):
            return False
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return False
        return not has_second_factor(user)
