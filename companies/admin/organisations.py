"""Organisations in the admin: the staff queue of self-registrations, verification and rejection
(through companies.services.organisations), and the organisation's contacts, cluster memberships,
profiles and representatives on its page."""

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from django_countries.filters import CountryFilter

from companies.admin.duplicates import DuplicatesAdmin
from companies.admin.search import DirectorySearchMixin
from companies.choices import DuplicateKind, VerificationState
from companies.imports import OrganisationResource
from companies.models.clusters import ClusterMembership
from companies.models.contacts import Contact
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.models.representatives import Representative
from companies.search import organisation_search_ids
from companies.services.merge import ORGANISATION_FIELDS, organisation_merge
from companies.services.organisations import (
    organisation_changed,
    organisation_reject,
    organisation_unverify,
    organisation_verify,
)
from wfs_portal.admin import TabularInline, WfsModelAdmin, run_service_action, service_action
from wfs_portal.imports import WfsImportMixin


class ContactInline(TabularInline):
    model = Contact
    extra = 0
    # The academic title on the person's own page ("Change"): with it the row did not fit the screen.
    fields = ["first_name", "last_name", "position", "email", "phone", "language", "is_primary"]
    show_change_link = True


class OrganisationMembershipInline(TabularInline):
    model = ClusterMembership
    extra = 0
    autocomplete_fields = ["cluster"]
    fields = ["cluster", "role", "since", "until"]


class PartneringProfileInline(TabularInline):
    model = PartneringProfile
    extra = 0
    fields = ["type", "title_de", "title_en", "state", "valid_until"]
    readonly_fields = ["state"]
    show_change_link = True


class RepresentativeInline(TabularInline):
    """Who acts for the organisation in the portal; requests are decided under "Representatives"."""

    model = Representative
    fk_name = "organisation"
    extra = 0
    fields = ["user", "role", "state", "decided_at", "decided_by"]
    readonly_fields = ["user", "state", "decided_at", "decided_by"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class AwaitingVerificationFilter(admin.SimpleListFilter):
    """The staff queue: self-registrations nobody has decided yet (oldest first, see get_ordering)."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("awaiting", _("Awaiting verification"))]

    def queryset(self, request, queryset):
        if self.value() == "awaiting":
            return queryset.filter(verification_state=VerificationState.SELF_REGISTERED)
        return queryset


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), widget=forms.Textarea(attrs={"rows": 4}))


@admin.register(Organisation)
class OrganisationAdmin(DirectorySearchMixin, DuplicatesAdmin, WfsImportMixin, WfsModelAdmin):
    directory_search = staticmethod(organisation_search_ids)
    resource_classes = [OrganisationResource]
    duplicate_kind = DuplicateKind.ORGANISATION
    merge_permission = "companies.merge_organisation"
    merge_fields = [*ORGANISATION_FIELDS, "verification_state"]
    list_display = ["name", "kind", "city", "district", "country", "verification_state", "updated"]
    list_filter = [
        AwaitingVerificationFilter,
        "verification_state",
        "kind",
        "district",
        "employee_band",
        "technology_fields",
        ("country", CountryFilter),
    ]
    search_fields = ["name", "city", "register_number", "vat_id", "website"]
    date_hierarchy = "created"
    autocomplete_fields = ["sectors"]
    filter_horizontal = ["technology_fields"]
    readonly_fields = [
        "verification_state",
        "verified_at",
        "verified_by",
        "rejection_reason",
        "logo_link",
        "created",
        "updated",
    ]
    inlines = [ContactInline, OrganisationMembershipInline, PartneringProfileInline, RepresentativeInline]
    actions = ["verify", "reject", "unverify"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "legal_form", "website", "email", "phone", "founded", "employee_band"]}),
        (pgettext_lazy("commercial register", "Register"), {"fields": ["register_court", "register_number", "vat_id"]}),
        (_("Address"), {"fields": ["street", "postal_code", "city", "district", "country"]}),
        (_("Profile"), {"fields": ["description_de", "description_en", "sectors", "technology_fields", "logo_link"]}),
        (
            _("Verification and matchmaking"),
            {
                "fields": [
                    "verification_state",
                    "verified_at",
                    "verified_by",
                    "rejection_reason",
                    "matchmaking_opt_out",
                    "created",
                    "updated",
                ]
            },
        ),
    ]

    def save_related(self, request, form, formsets, change):
        # After the sectors, fields and inlines (memberships): the partners get the whole entry.
        super().save_related(request, form, formsets, change)
        organisation_changed(organisation=form.instance)

    def merge(self, *, survivor, other, choices, user):
        return organisation_merge(survivor=survivor, other=other, choices=choices, user=user)

    def get_ordering(self, request):
        # The queue is worked off in the order the registrations came in.
        if request.GET.get(AwaitingVerificationFilter.parameter_name) == "awaiting":
            return ["created", "pk"]
        return super().get_ordering(request)

    @admin.display(description=_("logo"))
    def logo_link(self, obj):
        # Uploaded by the representatives only: the portal's service checks and re-encodes it.
        if not obj.pk or not obj.logo:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("portal:organisation-logo", args=[obj.pk]), _("Show logo"))

    verify = service_action(
        _("Verify selected organisations"),
        lambda modeladmin, obj, user: organisation_verify(organisation=obj, user=user),
        lambda n: ngettext("%(count)d organisation verified.", "%(count)d organisations verified.", n),
    )
    unverify = service_action(
        _("Withdraw the verification of selected organisations"),
        lambda modeladmin, obj, user: organisation_unverify(organisation=obj, user=user),
        lambda n: ngettext(
            "The verification of %(count)d organisation was withdrawn.",
            "The verification of %(count)d organisations was withdrawn.",
            n,
        ),
    )

    @admin.action(description=_("Reject selected self-registrations"), permissions=["change"])
    def reject(self, request, queryset):
        # An intermediate page asks for the reason, which the organisation's representatives see.
        form = RejectForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            run_service_action(
                self,
                request,
                queryset,
                lambda obj, user: organisation_reject(organisation=obj, user=user, reason=reason),
                lambda n: ngettext("%(count)d organisation rejected.", "%(count)d organisations rejected.", n),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject self-registrations"),
            "opts": self.model._meta,
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/companies/organisation/reject.html", context)
