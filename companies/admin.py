from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from django_countries.filters import CountryFilter

from companies.choices import ApiScope, VerificationState
from companies.models.api_keys import PartnerApiKey
from companies.models.classifications import Sector, TechnologyField
from companies.models.clusters import Cluster, ClusterMembership
from companies.models.contacts import ConsentRecord, Contact
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.models.representatives import Representative
from companies.services.api_keys import partner_api_key_create, partner_api_key_revoke
from companies.services.organisations import (
    organisation_reject,
    organisation_unverify,
    organisation_verify,
    partnering_profile_publish,
    partnering_profile_withdraw,
)
from companies.services.representatives import representation_approve, representation_decline
from wfs_portal.admin import (
    ConstraintValidatingModelForm,
    TabularInline,
    WfsModelAdmin,
    run_service_action,
)


@admin.register(Sector)
class SectorAdmin(WfsModelAdmin):
    """The classification is reference data: staff may correct a title, not add or remove codes."""

    list_display = ["code", "name_de", "name_en", "level"]
    list_filter = ["level"]
    search_fields = ["code", "name_de", "name_en"]
    readonly_fields = ["code", "level", "parent", "position"]
    fields = ["code", "level", "parent", "name_de", "name_en", "position"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TechnologyField)
class TechnologyFieldAdmin(WfsModelAdmin):
    list_display = ["name_de", "name_en", "organisation_count", "is_active", "position"]
    list_editable = ["position"]
    list_filter = ["is_active"]
    search_fields = ["name_de", "name_en"]
    prepopulated_fields = {"slug": ["name_de"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(organisation_count=Count("organisations", distinct=True))

    @admin.display(description=_("organisations"), ordering="organisation_count")
    def organisation_count(self, obj):
        return obj.organisation_count


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


class ClusterMemberInline(TabularInline):
    model = ClusterMembership
    extra = 0
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "role", "since", "until"]


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
class OrganisationAdmin(WfsModelAdmin):
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

    @admin.action(description=_("Verify selected organisations"), permissions=["change"])
    def verify(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda obj, user: organisation_verify(organisation=obj, user=user),
            lambda n: ngettext("%(count)d organisation verified.", "%(count)d organisations verified.", n),
        )

    @admin.action(description=_("Withdraw the verification of selected organisations"), permissions=["change"])
    def unverify(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda obj, user: organisation_unverify(organisation=obj, user=user),
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


@admin.register(Cluster)
class ClusterAdmin(WfsModelAdmin):
    list_display = ["name", "acronym", "managing_organisation", "member_count"]
    search_fields = ["name", "acronym"]
    autocomplete_fields = ["managing_organisation", "sectors"]
    filter_horizontal = ["technology_fields"]
    inlines = [ClusterMemberInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("managing_organisation")
            .annotate(member_count=Count("memberships", distinct=True))
        )

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


@admin.register(ClusterMembership)
class ClusterMembershipAdmin(WfsModelAdmin):
    list_display = ["organisation", "cluster", "role", "since", "until"]
    list_filter = ["cluster", "role"]
    search_fields = ["organisation__name", "cluster__name"]
    autocomplete_fields = ["organisation", "cluster"]
    list_select_related = ["organisation", "cluster"]


@admin.register(Representative)
class RepresentativeAdmin(WfsModelAdmin):
    """Company users acting for organisations in the portal, and their join requests. Requests are
    decided with the actions (the same rule as in the portal); the state is not edited by hand."""

    list_display = ["user", "organisation", "role", "state", "created", "decided_at", "decided_by"]
    list_filter = ["state", "role"]
    search_fields = ["user__email", "user__username", "organisation__name"]
    autocomplete_fields = ["organisation"]
    raw_id_fields = ["user"]
    readonly_fields = ["state", "decided_at", "decided_by", "created", "updated"]
    list_select_related = ["user", "organisation", "decided_by"]
    fields = ["user", "organisation", "role", "message", "state", "decided_at", "decided_by", "created", "updated"]
    actions = ["approve", "decline"]

    @admin.action(description=_("Approve selected join requests"), permissions=["change"])
    def approve(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda obj, user: representation_approve(representative=obj, user=user),
            lambda n: ngettext("%(count)d join request approved.", "%(count)d join requests approved.", n),
        )

    @admin.action(description=_("Decline selected join requests"), permissions=["change"])
    def decline(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda obj, user: representation_decline(representative=obj, user=user),
            lambda n: ngettext("%(count)d join request declined.", "%(count)d join requests declined.", n),
        )


class ConsentInline(TabularInline):
    model = ConsentRecord
    extra = 0
    fields = ["purpose", "given_at", "text_version", "source", "withdrawn_at", "recorded_by"]
    readonly_fields = ["recorded_by"]

    def has_delete_permission(self, request, obj=None):
        # Consent is withdrawn (with a date), never deleted: the record proves what was agreed.
        return False


@admin.register(Contact)
class ContactAdmin(WfsModelAdmin):
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


@admin.register(PartneringProfile)
class PartneringProfileAdmin(WfsModelAdmin):
    list_display = ["__str__", "organisation", "type", "state", "valid_until", "language"]
    list_filter = ["type", "state", "technology_fields", "stage"]
    search_fields = ["title_de", "title_en", "keywords_de", "keywords_en", "organisation__name"]
    autocomplete_fields = ["organisation", "sectors"]
    filter_horizontal = ["technology_fields"]
    readonly_fields = ["state", "published_at", "created", "updated"]
    list_select_related = ["organisation"]
    date_hierarchy = "created"
    actions = ["publish", "withdraw"]
    fieldsets = [
        (None, {"fields": ["organisation", "type", "stage"]}),
        (_("German"), {"fields": ["title_de", "summary_de", "keywords_de", "partner_sought_de"]}),
        (_("English"), {"fields": ["title_en", "summary_en", "keywords_en", "partner_sought_en"]}),
        (_("Classification"), {"fields": ["technology_fields", "sectors", "target_countries"]}),
        (_("Publication"), {"fields": ["state", "published_at", "valid_until", "created", "updated"]}),
    ]

    @admin.display(description=_("language"))
    def language(self, obj):
        return obj.language.upper()

    @admin.action(description=_("Publish (or renew) selected profiles"), permissions=["change"])
    def publish(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda obj, user: partnering_profile_publish(profile=obj, user=user),
            lambda n: ngettext("%(count)d profile published.", "%(count)d profiles published.", n),
        )

    @admin.action(description=_("Withdraw selected profiles"), permissions=["change"])
    def withdraw(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda obj, user: partnering_profile_withdraw(profile=obj, user=user),
            lambda n: ngettext("%(count)d profile withdrawn.", "%(count)d profiles withdrawn.", n),
        )


# --- partner API keys --------------------------------------------------------------------------------


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

    @admin.action(description=_("Revoke selected keys"), permissions=["change"])
    def revoke(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda key, user: partner_api_key_revoke(api_key=key, user=user),
            lambda n: ngettext("%(count)d key revoked.", "%(count)d keys revoked.", n),
        )


# The library's own key model is not used (keys belong to partner organisations); its admin would
# only confuse staff.
try:
    from rest_framework_api_key.models import APIKey

    admin.site.unregister(APIKey)
except admin.sites.NotRegistered:
    pass
