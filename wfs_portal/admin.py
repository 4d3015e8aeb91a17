"""Shared pieces of the staff admin: the base class every model admin uses (history, CSV export)
and a helper that runs a service for each selected object of an admin action."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportActionMixin
from import_export.formats.base_formats import CSV
from simple_history.admin import SimpleHistoryAdmin

from wfs_portal.choices import RegistrationState


class WfsModelAdmin(ExportActionMixin, SimpleHistoryAdmin):
    """Every model admin: a History page per object (who changed what, when) and "export selected
    as CSV" as an action. Writes that carry a business rule go through the apps' services."""

    list_per_page = 50
    export_formats = [CSV]


def run_service_action(modeladmin: admin.ModelAdmin, request, queryset, service: Callable, done_message: str) -> None:
    """Call ``service(obj, request.user)`` for each selected object; report how many changed and,
    object by object, why the others could not be changed (a rule of the service said no)."""
    changed = 0
    for obj in queryset:
        try:
            if service(obj, request.user):
                changed += 1
        except (ValidationError, IntegrityError) as exc:
            reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            modeladmin.message_user(request, f"{obj}: {reason}", messages.ERROR)
    if changed:
        modeladmin.message_user(request, done_message % {"count": changed}, messages.SUCCESS)
    else:
        modeladmin.message_user(request, gettext("Nothing was changed."), messages.WARNING)


class RegistrationStateActions:
    """Admin actions confirm / waitlist / reject / withdraw for booth registrations and delegation
    participants. ``set_state(obj, state, user)`` is the app's service; it enforces capacity."""

    actions = ["confirm", "waitlist", "reject", "withdraw"]

    def set_state(self, obj, state: str, user) -> bool:
        raise NotImplementedError

    def _run(self, request, queryset, state, message):
        run_service_action(self, request, queryset, lambda obj, user: self.set_state(obj, state, user), message)

    @admin.action(description=_("Confirm selected"), permissions=["change"])
    def confirm(self, request, queryset):
        self._run(request, queryset, RegistrationState.CONFIRMED, _("%(count)d confirmed."))

    @admin.action(description=_("Put selected on the waiting list"), permissions=["change"])
    def waitlist(self, request, queryset):
        self._run(request, queryset, RegistrationState.WAITLISTED, _("%(count)d put on the waiting list."))

    @admin.action(description=_("Reject selected"), permissions=["change"])
    def reject(self, request, queryset):
        self._run(request, queryset, RegistrationState.REJECTED, _("%(count)d rejected."))

    @admin.action(description=_("Withdraw selected"), permissions=["change"])
    def withdraw(self, request, queryset):
        self._run(request, queryset, RegistrationState.WITHDRAWN, _("%(count)d withdrawn."))
