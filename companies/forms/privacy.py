"""Forms of the portal's own-data pages (export and erasure)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class AccountErasureForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account and my personal data are erased and cannot be restored."),
    )
