"""Staff's view of the outbox: what waits, what was delivered, what failed for good and why, and
"send again" for the failed ones. Messages are written by the portal, never by hand."""

from django.contrib import admin
from django.template.defaultfilters import truncatechars
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outbox import services
from outbox.choices import MessageKind, MessageState
from outbox.models import OutboxMessage
from wfs_portal.admin import run_service_action


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created", "kind", "topic", "addressee", "state", "attempts", "available_at", "sent_at", "error"]
    list_filter = ["state", "kind", "topic"]
    search_fields = ["recipient", "subject", "task_name", "key", "topic"]
    date_hierarchy = "created"
    list_per_page = 50
    actions = ["send_again"]
    readonly_fields = [field.name for field in OutboxMessage._meta.fields] + ["text"]
    fieldsets = [
        (None, {"fields": ["kind", "topic", "state", "key", "coalesce", "created"]}),
        (_("E-mail"), {"fields": ["recipient", "language", "subject", "text"]}),
        (_("Task"), {"fields": ["task_name", "task_args", "task_kwargs"]}),
        (_("Delivery"), {"fields": ["available_at", "locked_until", "attempts", "last_error", "sent_at"]}),
    ]

    @admin.display(description=_("to / task"), ordering="recipient")
    def addressee(self, obj: OutboxMessage) -> str:
        return obj.recipient if obj.kind == MessageKind.EMAIL else obj.task_name

    @admin.display(description=_("text"))
    def text(self, obj: OutboxMessage) -> str:
        if obj.sensitive:
            return _("(not shown: it holds a sign-in or confirmation link; deleted once delivered)")
        return obj.body or obj.html_body

    @admin.display(description=_("last error"))
    def error(self, obj: OutboxMessage) -> str:
        return truncatechars(obj.last_error, 80)

    def get_fieldsets(self, request, obj=None):
        # An e-mail has no task section and a task no e-mail section.
        skip = _("Task") if obj is not None and obj.kind == MessageKind.EMAIL else _("E-mail")
        return [entry for entry in self.fieldsets if entry[0] != skip]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send selected again"), permissions=["change"])
    def send_again(self, request, queryset):
        def resend(message: OutboxMessage, user) -> bool:
            if not services.outbox_message_resend(message=message):
                return False
            self.log_change(request, message, [{"changed": {"fields": ["state"]}}])
            return True

        run_service_action(
            self,
            request,
            queryset.filter(state__in=[MessageState.DEAD, MessageState.PENDING]),
            resend,
            lambda n: ngettext("%(count)d message will be sent again.", "%(count)d messages will be sent again.", n),
        )
