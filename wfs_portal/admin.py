"""Shared pieces of the staff admin: the base class every model admin uses (history, CSV export)
and a helper that runs a service for each selected object of an admin action."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.db.models import UniqueConstraint, Value
from django.forms.models import BaseInlineFormSet
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
    # Websites typed without a scheme are taken as https:// (Django 6's default; no deprecation warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ConstraintCheckingInlineFormSet(BaseInlineFormSet):
    """Django checks an unconditional unique constraint across the rows of one inline formset, but
    not one with a condition ("one primary contact per organisation", "one active consent per
    purpose"). Without this check two such rows submitted together reach the database and fail
    there as a server error instead of a form error."""

    def clean(self):
        super().clean()
        rows = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not self._should_delete_form(form) and form.is_valid()
        ]
        for constraint in self.model._meta.constraints:
            if not isinstance(constraint, UniqueConstraint) or constraint.condition is None or not constraint.fields:
                continue
            seen = set()
            for form in rows:
                instance = form.instance
                against = {field.name: Value(getattr(instance, field.attname)) for field in self.model._meta.fields}
                if not constraint.condition.check(against):
                    continue
                key = tuple(getattr(instance, self.model._meta.get_field(name).attname) for name in constraint.fields)
                if key in seen:
                    raise ValidationError(constraint.get_violation_error_message())
                seen.add(key)


class TabularInline(admin.TabularInline):
    formset = ConstraintCheckingInlineFormSet


class StackedInline(admin.StackedInline):
    formset = ConstraintCheckingInlineFormSet


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
