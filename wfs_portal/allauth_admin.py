"""The admin of allauth's authenticators with labels in the reader's language (the model's fields have
no verbose names); registered by wfs_portal.allauth_apps.MfaConfig."""

from allauth.mfa.admin import AuthenticatorAdmin
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _


def titled(list_filter: type[admin.FieldListFilter], title) -> type[admin.FieldListFilter]:
    """A field's list filter under a title of ours (Django titles it with the field's verbose name)."""

    class Titled(list_filter):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


class LabelledAuthenticatorForm(forms.ModelForm):
    class Meta:
        labels = {"user": _("user"), "type": _("type"), "data": _("data"), "created_at": _("created")}


class LabelledAuthenticatorAdmin(AuthenticatorAdmin):
    form = LabelledAuthenticatorForm
    list_display = ("user", "kind", "created", "last_used")
    list_filter = (
        ("type", titled(admin.ChoicesFieldListFilter, _("type"))),
        ("created_at", titled(admin.DateFieldListFilter, _("created"))),
        ("last_used_at", titled(admin.DateFieldListFilter, _("last used"))),
    )

    @admin.display(description=_("type"), ordering="type")
    def kind(self, obj):
        return obj.get_type_display()

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj):
        return obj.created_at

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, obj):
        return obj.last_used_at
