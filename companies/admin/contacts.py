"""Contact persons and their consents in the admin. Consents are recorded with the staff member who
entered them, and withdrawn, never deleted."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from companies.admin.duplicates import DuplicatesAdmin
from companies.choices import DuplicateKind
from companies.imports import ContactResource
from companies.models.contacts import ConsentRecord, Contact
from companies.services.merge import CONTACT_FIELDS, contact_merge
from wfs_portal.admin import TabularInline, WfsModelAdmin
from wfs_portal.imports import WfsImportMixin


class ConsentInline(TabularInline):
    model = ConsentRecord
    extra = 0
    fields = ["purpose", "given_at", "text_version", "source", "withdrawn_at", "recorded_by"]
    readonly_fields = ["recorded_by"]

    def has_delete_permission(self, request, obj=None):
        # Consent is withdrawn (with a date), never deleted: the record proves what was agreed.
        return False


@admin.register(Contact)
class ContactAdmin(DuplicatesAdmin, WfsImportMixin, WfsModelAdmin):
    resource_classes = [ContactResource]
    duplicate_kind = DuplicateKind.CONTACT
    merge_permission = "companies.merge_contact"
    merge_fields = CONTACT_FIELDS

    def merge(self, *, survivor, other, choices, user):
        return contact_merge(survivor=survivor, other=other, choices=choices, user=user)

    list_display = ["full_name", "organisation", "position", "email", "language", "is_primary"]
    list_filter = ["language", "is_primary", "consents__purpose"]
    search_fields = ["first_name", "last_name", "email", "organisation__name"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation"]
    inlines = [ConsentInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is ConsentRecord:
            for consent_form in formset.forms:
                if consent_form.has_changed() and not consent_form.instance.pk:
                    consent_form.instance.recorded_by = request.user
        super().save_formset(request, form, formset, change)

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj):
        return obj.full_name


@admin.register(ConsentRecord)
class ConsentRecordAdmin(WfsModelAdmin):
    list_display = ["contact", "purpose", "given_at", "text_version", "source", "withdrawn_at"]
    list_filter = ["purpose", "source", ("withdrawn_at", admin.EmptyFieldListFilter)]
    search_fields = ["contact__first_name", "contact__last_name", "contact__organisation__name"]
    autocomplete_fields = ["contact"]
    readonly_fields = ["recorded_by"]
    list_select_related = ["contact", "contact__organisation"]
    date_hierarchy = "given_at"

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
