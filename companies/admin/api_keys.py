"""Partner API keys in the admin: created (the key shown once) and revoked through
companies.services.api_keys, never deleted."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from companies.choices import ApiScope
from companies.models.api_keys import PartnerApiKey
from companies.services.api_keys import partner_api_key_create, partner_api_key_revoke
from wfs_portal.admin import ConstraintValidatingModelForm, WfsModelAdmin, service_action


class PartnerApiKeyForm(ConstraintValidatingModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=ApiScope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = PartnerApiKey
        fields = ["organisation", "name", "scopes", "expiry_date", "throttle_rate"]


class RevokedFilter(admin.BooleanFieldListFilter):
    """The library's field has no verbose name, so Django's filter would be titled "revoked" in
    every language."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("revoked")


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(WfsModelAdmin):
    """Keys of partner organisations: the key is shown once, when it is created.

    The library's fields prefix, created and revoked have no verbose names (and its other texts
    only the English of its own catalog, see locale_overrides/): they are shown through the
    display methods below, whose titles are translated."""

    form = PartnerApiKeyForm
    list_display = ["key_prefix", "name", "organisation", "scope_list", "expiry_date", "last_used_at", "is_revoked"]
    list_filter = [("revoked", RevokedFilter)]
    search_fields = ["name", "prefix", "organisation__name"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["key_prefix", "last_used_at"]
        return ["key_prefix", "organisation", "created_at", "last_used_at", "is_revoked"] + (
            ["name", "scopes", "expiry_date", "throttle_rate"] if obj.revoked else []
        )

    def get_fields(self, request, obj=None):
        fields = ["organisation", "name", "scopes", "expiry_date", "throttle_rate"]
        return fields if obj is None else ["key_prefix", *fields, "created_at", "last_used_at", "is_revoked"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the audit history keeps pointing at it

    @admin.display(description=_("prefix"), ordering="prefix")
    def key_prefix(self, obj):
        return obj.prefix

    @admin.display(description=_("created"), ordering="created")
    def created_at(self, obj):
        return obj.created

    @admin.display(description=_("revoked"), boolean=True, ordering="revoked")
    def is_revoked(self, obj):
        return obj.revoked

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        api_key, key = partner_api_key_create(
            organisation=obj.organisation,
            name=obj.name,
            scopes=form.cleaned_data["scopes"],
            expiry_date=obj.expiry_date,
            throttle_rate=obj.throttle_rate,
            user=request.user,
        )
        obj.pk = api_key.pk
        self.message_user(
            request,
            _("The API key for %(name)s is: %(key)s — store it safely now, it cannot be shown again.")
            % {"name": api_key.name, "key": key},
            messages.WARNING,
        )

    revoke = service_action(
        _("Revoke selected keys"),
        lambda modeladmin, key, user: partner_api_key_revoke(api_key=key, user=user),
        lambda n: ngettext("%(count)d key revoked.", "%(count)d keys revoked.", n),
    )


# The library's own key model is not used (keys belong to partner organisations); its admin would
# only confuse staff.
try:
    from rest_framework_api_key.models import APIKey

    admin.site.unregister(APIKey)
except admin.sites.NotRegistered:
    pass
