"""Shared pieces of the staff admin: the base classes every model admin and inline uses (history,
readable CSV export, complete constraint checks) and the helper that runs a service for each
selected object of an admin action."""

import datetime
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models
from django.db.models import UniqueConstraint, Value
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from import_export import resources
from import_export.admin import ExportActionMixin
from import_export.formats.base_formats import CSV
from import_export.widgets import BooleanWidget, DateTimeWidget, DateWidget, DurationWidget, NumberWidget, TimeWidget
from simple_history.admin import SimpleHistoryAdmin

from wfs_portal.choices import RegistrationState
from wfs_portal.history import ReadableHistoryContextHelper
from wfs_portal.l10n import DecimalInput, LocalizedDecimalField
from wfs_portal.services import constraint_message
from wfs_portal.spreadsheets import escape_formula


class ConstraintValidatingModelForm(forms.ModelForm):
    """Checks every database constraint of the model, also those involving fields the form does
    not show (read-only fields such as a state that only services change). Django leaves those
    out, and the database then rejects the row as a server error instead of a form error."""

    def validate_unique(self):
        # Fields with errors of their own stay excluded: their values are not clean.
        exclude = {name for name in self._get_validation_exclusions() if name in self._errors}
        try:
            self.instance.validate_unique(exclude=exclude)
            self.instance.validate_constraints(exclude=exclude)
        except ValidationError as exc:
            for field, errors in exc.update_error_dict({}).items():
                self.add_error(field if field in self.fields else None, errors)


class FilteredCountrySelect(FilteredSelectMultiple):
    """Django's filter widget (filter_horizontal's) for a list of countries, in a wrapper element of
    its own: the widget's script moves the widget to the front of its parent, which without the
    wrapper is the form row itself, so the widget landed before the field's label."""

    def render(self, name, value, attrs=None, renderer=None):
        return format_html('<div class="filtered-select">{}</div>', super().render(name, value, attrs, renderer))


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


class LocalizedDecimals:
    """Decimal inputs (areas, fees, amounts) in the reader's format with grouped digits:
    "6.240.000,00" in German; "12,5", "12.5" and "1.250,5" are read as a German means them
    (wfs_portal.l10n.parse_decimal). A browser's number input showed "6240000.00" whatever the
    language."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DecimalField) and "widget" not in kwargs:
            kwargs["form_class"] = LocalizedDecimalField
            kwargs["widget"] = DecimalInput(attrs={"class": "vDecimalField"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class TabularInline(LocalizedDecimals, admin.TabularInline):
    form = ConstraintValidatingModelForm
    formset = ConstraintCheckingInlineFormSet


class StackedInline(LocalizedDecimals, admin.StackedInline):
    form = ConstraintValidatingModelForm
    formset = ConstraintCheckingInlineFormSet


# Widgets of values that are not text: what they render is never escaped as a formula.
VALUE_WIDGETS = (NumberWidget, DateWidget, DateTimeWidget, TimeWidget, DurationWidget, BooleanWidget)


class ReadableExportResource(resources.ModelResource):
    """CSV export as staff read it: column names in the user's language, choice labels instead of
    codes, names of related records instead of ids; related rows are fetched with the list, not
    one query per row. Every text cell goes through ``escape_formula`` (wfs_portal.spreadsheets),
    so a company name such as ``=HYPERLINK(...)`` is shown, not run, by the spreadsheet program.

    import-export's own ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` is not used: it handles only a
    leading "=" and removes it (changing the data), and it works on the finished rows, where a
    negative number can no longer be told from a text."""

    related: tuple[list[str], list[str]] = ([], [])  # (select_related, prefetch_related), set per model

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        field = super().field_from_django_field(field_name, django_field, readonly)
        field.column_name = str(getattr(django_field, "verbose_name", field_name))
        return field

    def export(self, queryset=None, **kwargs):
        select, prefetch = self.related
        if queryset is not None:
            queryset = queryset.select_related(*select).prefetch_related(*prefetch)
        return super().export(queryset=queryset, **kwargs)

    def export_field(self, field, instance, **kwargs):
        text = self._readable_text(field, instance)
        if text is not None:
            return escape_formula(text)
        value = super().export_field(field, instance, **kwargs)
        # The widgets render numbers and dates as strings for CSV ("-1500,50"): they are values,
        # not texts someone typed, and a negative amount must stay a number.
        if isinstance(field.widget, VALUE_WIDGETS):
            return value
        # Everything else is text (names, descriptions, phone numbers): written so that a
        # spreadsheet shows it instead of running it as a formula.
        return escape_formula(value)

    def _readable_text(self, field, instance) -> str | None:
        """The field as staff read it (country names, Yes/No, choice labels, names of related
        records), or None where the widget's own rendering is right."""
        try:
            model_field = instance._meta.get_field(field.attribute)
        except Exception:  # a computed attribute, not a model field
            return None
        if isinstance(model_field, CountryField):
            value = getattr(instance, model_field.name)
            countries = value if model_field.multiple else [value]
            return ", ".join(str(country.name) for country in countries if country)
        if isinstance(model_field, models.BooleanField):
            return gettext("Yes") if getattr(instance, model_field.name) else gettext("No")
        if model_field.choices:
            return str(getattr(instance, f"get_{model_field.name}_display")())
        if model_field.many_to_many:
            return ", ".join(str(item) for item in getattr(instance, model_field.name).all())
        if model_field.many_to_one or model_field.one_to_one:
            related = getattr(instance, model_field.name)
            return str(related) if related is not None else ""
        return None


def readable_export_resource(model: type[models.Model], select_related: list[str]) -> type[resources.ModelResource]:
    relations = [f for f in model._meta.get_fields() if f.concrete and (f.many_to_one or f.one_to_one)]
    many = [f.name for f in model._meta.get_fields() if f.many_to_many and f.concrete]
    meta = type("Meta", (), {"model": model, "exclude": []})
    return type(
        f"{model.__name__}ExportResource",
        (ReadableExportResource,),
        {"Meta": meta, "related": ([f.name for f in relations] + list(select_related), many)},
    )


class WfsModelAdmin(LocalizedDecimals, ExportActionMixin, SimpleHistoryAdmin):
    """Every model admin: a History page per object (who changed what, when), "export selected"
    as readable CSV, and constraint violations reported as form errors, never as a server error.
    Writes that carry a business rule go through the apps' services (the admin actions)."""

    form = ConstraintValidatingModelForm
    list_per_page = 50
    export_formats = [CSV]
    # Websites typed without a scheme are taken as https:// (Django 6's default; no deprecation warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_export_resource_classes(self, request):
        select = [name for name in (self.list_select_related or []) if isinstance(name, str)]
        return [readable_export_resource(self.model, select)]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A list of countries (a delegation's, a profile's target countries) is picked from ~250
        # entries: Django's filter widget (the one of filter_horizontal: type to narrow, chosen on
        # the right) instead of a bare multiple select. Its scripts are the admin's own static files.
        if isinstance(db_field, CountryField) and db_field.multiple:
            kwargs["widget"] = FilteredCountrySelect(db_field.verbose_name, is_stacked=False)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_historical_record_context_helper(self, request, historical_record):
        # The history page's "changes" with labels, local dates and names (wfs_portal.history).
        return ReadableHistoryContextHelper(self.model, historical_record)

    # Titles of our own: simple_history's German catalog lacks the ones it shows with revert disabled.
    def history_view_title(self, request, obj):
        return gettext("History: %(object)s") % {"object": obj}

    def history_form_view_title(self, request, obj):
        return gettext("Earlier version: %(object)s") % {"object": obj}

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A past version can be looked at, not saved back (SIMPLE_HISTORY_REVERT_DISABLED):
        # simple_history only hides the button, a POST would still save the old values.
        if request.method == "POST" and self.revert_disabled(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The forms check the constraints, but a concurrent change (or a rule spanning several
        # inline rows) can still make the database refuse the save: the whole save was rolled back,
        # so tell the user and show the form again instead of a server error.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError as exc:
            self.message_user(request, constraint_message(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class DerivedDataAdmin(ExportActionMixin, admin.ModelAdmin):
    """Admin of computed records (match generations and their matches): no audit history of their
    own, since they are written by computations (the rules and overrides that steer them have one)."""

    list_per_page = 50
    export_formats = [CSV]

    def get_export_resource_classes(self, request):
        select = [name for name in (self.list_select_related or []) if isinstance(name, str)]
        return [readable_export_resource(self.model, select)]


def duration_text(duration: datetime.timedelta | None) -> str:
    """A duration as a person reads it: "5 s", "3 min 12 s", "1 h 4 min" (seconds are left out
    from an hour on, fractions of a second always); "—" for none."""
    if duration is None:
        return "—"
    seconds = max(int(duration.total_seconds()), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    values = {"hours": hours, "minutes": minutes, "seconds": seconds}
    if hours and minutes:
        text = pgettext("duration", "%(hours)d h %(minutes)d min")
    elif hours:
        text = pgettext("duration", "%(hours)d h")
    elif minutes and seconds:
        text = pgettext("duration", "%(minutes)d min %(seconds)d s")
    elif minutes:
        text = pgettext("duration", "%(minutes)d min")
    else:
        text = pgettext("duration", "%(seconds)d s")
    return text % values


def run_service_action(
    modeladmin: admin.ModelAdmin, request, queryset, service: Callable, done: Callable[[int], str]
) -> None:
    """Call ``service(obj, request.user)`` for each selected object; report how many changed and,
    object by object, why the others could not be changed (a rule of the service said no).
    ``done(count)`` gives the success message (an ngettext call, so it is translated)."""
    changed = 0
    for obj in queryset:
        try:
            if service(obj, request.user):
                changed += 1
        except ValidationError as exc:
            modeladmin.message_user(request, f"{obj}: {'; '.join(exc.messages)}", messages.ERROR)
        except IntegrityError as exc:
            modeladmin.message_user(request, f"{obj}: {constraint_message(exc)}", messages.ERROR)
    if changed:
        modeladmin.message_user(request, done(changed) % {"count": changed}, messages.SUCCESS)
    else:
        modeladmin.message_user(request, gettext("Nothing was changed."), messages.WARNING)


def service_action(description, service: Callable, done: Callable[[int], str]) -> Callable:
    """An admin action (for a ModelAdmin's ``actions``) that calls ``service(modeladmin, obj,
    user)`` for each selected object through run_service_action; ``done`` as there."""

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        run_service_action(modeladmin, request, queryset, lambda obj, user: service(modeladmin, obj, user), done)

    return action


def save_inline_through_service(formset, save: Callable[[models.Model], None]) -> None:
    """Save the rows of an inline formset one by one through ``save`` (the app's staff-save service,
    which locks the booth or trip and checks the capacity), delete the rows marked for deletion."""
    for obj in formset.save(commit=False):
        save(obj)
    for obj in formset.deleted_objects:
        obj.delete()
    formset.save_m2m()


def _state_action(description, state: str, done: Callable[[int], str]) -> Callable:
    """An action that gives the selected objects ``state`` through the ModelAdmin's ``set_state``."""
    return service_action(description, lambda modeladmin, obj, user: modeladmin.set_state(obj, state, user), done)


class RegistrationStateActions:
    """Admin actions confirm / waitlist / reject / withdraw for booth registrations and delegation
    participants. ``set_state(obj, state, user)`` is the app's service; it enforces capacity."""

    actions = ["confirm", "waitlist", "reject", "withdraw"]

    def set_state(self, obj, state: str, user) -> bool:
        raise NotImplementedError

    confirm = _state_action(
        _("Confirm selected"),
        RegistrationState.CONFIRMED,
        lambda n: ngettext("%(count)d registration confirmed.", "%(count)d registrations confirmed.", n),
    )
    waitlist = _state_action(
        _("Put selected on the waiting list"),
        RegistrationState.WAITLISTED,
        lambda n: ngettext(
            "%(count)d registration put on the waiting list.", "%(count)d registrations put on the waiting list.", n
        ),
    )
    reject = _state_action(
        _("Reject selected"),
        RegistrationState.REJECTED,
        lambda n: ngettext("%(count)d registration rejected.", "%(count)d registrations rejected.", n),
    )
    withdraw = _state_action(
        _("Withdraw selected"),
        RegistrationState.WITHDRAWN,
        lambda n: ngettext("%(count)d registration withdrawn.", "%(count)d registrations withdrawn.", n),
    )
