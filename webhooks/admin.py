"""Webhook endpoints and their delivery log in the admin: an endpoint is created with its secret
shown once (like an API key), its secret rotated (the new one shown once) and switched on again
through webhooks.services; deliveries are read-only, with "send again"."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.defaultfilters import truncatechars
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from webhooks.addresses import check_url
from webhooks.choices import SUBSCRIBABLE, WebhookEvent
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.deliveries import webhook_delivery_resend
from webhooks.services.endpoints import (
    check_events,
    webhook_endpoint_create,
    webhook_endpoint_enable,
    webhook_endpoint_update,
    webhook_secret_rotate,
)
from wfs_portal.admin import ConstraintValidatingModelForm, WfsModelAdmin, run_service_action, service_action

SECRET_FIELDS = ("secret", "previous_secret")


class WebhookEndpointForm(ConstraintValidatingModelForm):
    url = forms.URLField(label=_("URL"), max_length=200, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=capfirst(_("events")),
        choices=[(e.value, e.label) for e in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["api_key", "url", "description", "events"]

    def clean(self):
        # The service's own checks (URL, events allowed by the key's scopes), shown at their fields.
        cleaned = super().clean()
        if "url" in cleaned:
            try:
                check_url(cleaned["url"])
            except ValidationError as exc:
                self.add_error("url", exc.messages)
        api_key = cleaned.get("api_key") or (self.instance.api_key if self.instance.pk else None)
        if api_key is not None and "events" in cleaned:
            try:
                check_events(api_key, cleaned["events"])
            except ValidationError as exc:
                self.add_error("events", exc.message_dict["events"])
        return cleaned


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(WfsModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "api_key", "partner", "event_list", "enabled", "failing_since", "disabled_at"]
    list_filter = ["enabled"]
    search_fields = ["url", "description", "api_key__name", "api_key__prefix", "api_key__organisation__name"]
    list_select_related = ["api_key__organisation"]
    actions = ["rotate_secret", "enable"]

    def get_readonly_fields(self, request, obj=None):
        common = ["enabled", "failing_since", "disabled_at", "previous_secret_until"]
        return common if obj is None else ["api_key", *common, "created", "updated"]

    def get_fields(self, request, obj=None):
        fields = ["api_key", "url", "description", "events"]
        return fields if obj is None else [*fields, "enabled", "failing_since", "disabled_at", "previous_secret_until"]

    def get_export_resource_classes(self, request):
        # The readable export takes every field; the secrets stay out of it.
        (resource,) = super().get_export_resource_classes(request)

        class WithoutSecrets(resource):
            def get_export_fields(self, selected_fields=None):
                fields = super().get_export_fields(selected_fields)
                return [field for field in fields if field.attribute not in SECRET_FIELDS]

        return [WithoutSecrets]

    @admin.display(description=_("partner organisation"), ordering="api_key__organisation__name")
    def partner(self, obj):
        return obj.api_key.organisation

    @admin.display(description=_("events"))
    def event_list(self, obj):
        return ", ".join(str(WebhookEvent(e).label) for e in obj.events if e in WebhookEvent.values)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ["url", "description", "events"]}
        try:
            if change:
                webhook_endpoint_update(endpoint=obj, data=data, user=request.user)
                return
            endpoint, secret = webhook_endpoint_create(api_key=obj.api_key, user=request.user, **data)
        except ValidationError as exc:  # checked in the form already; a race leaves this
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return
        obj.pk = endpoint.pk
        self.message_user(
            request,
            _("The signing secret of %(url)s is: %(secret)s — store it safely now, it cannot be shown again.")
            % {"url": endpoint.url, "secret": secret},
            messages.WARNING,
        )

    @admin.action(description=_("Rotate the signing secret"), permissions=["change"])
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            secret = webhook_secret_rotate(endpoint=endpoint, user=request.user)
            self.message_user(
                request,
                _(
                    "The new signing secret of %(url)s is: %(secret)s — store it safely now, it cannot be shown "
                    "again. The previous one stays valid until %(until)s."
                )
                % {
                    "url": endpoint.url,
                    "secret": secret,
                    "until": date_format(
                        timezone.localtime(WebhookEndpoint.objects.get(pk=endpoint.pk).previous_secret_until),
                        "DATETIME_FORMAT",
                    ),
                },
                messages.WARNING,
            )

    enable = service_action(
        _("Switch on again"),
        lambda modeladmin, endpoint, user: webhook_endpoint_enable(endpoint=endpoint, user=user),
        lambda n: ngettext("%(count)d endpoint switched on again.", "%(count)d endpoints switched on again.", n),
    )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    # What staff look for first (did it arrive, what did the receiver answer) before what identifies it.
    list_display = ["created", "state", "last_status", "attempts", "error", "event", "receiver", "message_id"]
    list_filter = ["state", "event", "endpoint"]
    search_fields = ["message_id", "endpoint__url"]
    list_select_related = ["endpoint"]
    date_hierarchy = "created"
    list_per_page = 50
    actions = ["send_again"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    @admin.display(description=_("last error"))
    def error(self, obj):
        return truncatechars(obj.last_error, 80)

    @admin.display(description=_("receiver"), ordering="endpoint__url")
    def receiver(self, obj):
        """The endpoint's host and path, without the scheme (the whole address is on its page)."""
        return truncatechars(obj.endpoint.url.split("://", 1)[-1], 50)

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send selected again"), permissions=["change"])
    def send_again(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda delivery, user: webhook_delivery_resend(delivery=delivery, user=user),
            lambda n: ngettext("%(count)d message will be sent again.", "%(count)d messages will be sent again.", n),
        )
