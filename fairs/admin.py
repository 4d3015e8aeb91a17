from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter

from fairs import selectors, services
from fairs.filtersets import BoothRegistrationFilterSet, JointBoothFilterSet, TradeFairFilterSet
from fairs.imports import BoothRegistrationResource
from fairs.models import BoothRegistration, JointBooth, TradeFair
from wfs_portal.admin import RegistrationStateActions, StackedInline, TabularInline, WfsModelAdmin
from wfs_portal.admin_columns import annotation_column
from wfs_portal.imports import WfsImportMixin
from wfs_portal.l10n import format_decimal
from wfs_portal.registration_admin import ApplicantVerification, RegistrationTargetAdmin


class JointBoothInline(StackedInline):
    """A fair has one or two joint booths of nine fields each: stacked, related fields side by side
    (as a table row they were 2,000 px wide)."""

    model = JointBooth
    extra = 0
    fields = [
        ("title", "state"),
        ("hall", "stand"),
        ("total_area_m2", "capacity"),
        ("fee_per_m2_with_construction", "fee_per_m2_without_construction"),
        "registration_deadline",
    ]
    show_change_link = True


class FilterSetSearch:
    """The search box (and the autocomplete of other forms) searches as the API's ``q`` does
    (fairs.filtersets.WordSearch): "Arab Health 2027" finds that edition."""

    filterset_class = None

    def get_search_results(self, request, queryset, search_term):
        return self.filterset_class.search_queryset(queryset, search_term), False


@admin.register(TradeFair)
class TradeFairAdmin(FilterSetSearch, WfsModelAdmin):
    list_display = ["name", "city", "country", "start_date", "end_date", "programme_year", "booth_count"]
    list_filter = ["programme_year", ("country", CountryFilter)]
    filterset_class = TradeFairFilterSet
    search_fields = TradeFairFilterSet.search_fields
    date_hierarchy = "start_date"
    autocomplete_fields = ["sectors"]
    inlines = [JointBoothInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(booth_count=Count("booths"))

    booth_count = annotation_column("booth_count", _("joint booths"))


class BoothRegistrationInline(TabularInline):
    model = BoothRegistration
    extra = 0
    autocomplete_fields = ["organisation", "contact"]
    fields = [
        "organisation",
        "contact",
        "requested_area_m2",
        "with_stand_construction",
        "state_and_first_time",
        "de_minimis_declared",
        "no_double_funding_declared",
    ]
    # The state changes only through the actions on the registration list, which check capacity.
    # It shares its column with the first-time mark, so that the row fits a 1400 px screen.
    readonly_fields = ["state_and_first_time"]
    show_change_link = True

    def get_queryset(self, request):
        return selectors.booth_registrations_with_first_time(super().get_queryset(request))

    @admin.display(description=_("state"))
    def state_and_first_time(self, obj):
        if obj.pk is None:
            return "—"
        if getattr(obj, "is_first_time", False):
            return format_html(
                '{}<br><span class="first-time-exhibitor">{}</span>',
                obj.get_state_display(),
                _("first-time exhibitor"),
            )
        return obj.get_state_display()


@admin.register(JointBooth)
class JointBoothAdmin(FilterSetSearch, RegistrationTargetAdmin, WfsModelAdmin):
    list_display = [
        "__str__",
        "registration_deadline",
        "state",
        "capacity",
        "confirmed_count",
        "applied_count",
        "free_places",
    ]
    list_filter = ["state", "fair__programme_year", ("fair__country", CountryFilter)]
    filterset_class = JointBoothFilterSet
    search_fields = JointBoothFilterSet.search_fields
    autocomplete_fields = ["fair"]
    list_select_related = ["fair"]
    inlines = [BoothRegistrationInline]
    registration_model = BoothRegistration

    def get_queryset(self, request):
        # The counts group the rows, and a grouped query drops the model's ordering: the booth
        # chooser (autocomplete) pages through it, so it needs one.
        booths = selectors.joint_booths_with_occupancy(super().get_queryset(request))
        return booths.order_by(*JointBooth._meta.ordering)

    def save_target(self, target, *, user):
        services.joint_booth_staff_save(booth=target, user=user)

    def save_registration(self, registration, *, user):
        services.booth_registration_staff_save(registration=registration, user=user)

    confirmed_count = annotation_column("confirmed_count", _("confirmed"))
    applied_count = annotation_column("applied_count", _("undecided"))

    @admin.display(description=_("free places"))
    def free_places(self, obj):
        free = max(obj.free_places, 0)
        return format_html('<span class="free-places-none">{}</span>', free) if free == 0 else free


@admin.register(BoothRegistration)
class BoothRegistrationAdmin(
    WfsImportMixin, FilterSetSearch, RegistrationStateActions, ApplicantVerification, WfsModelAdmin
):
    resource_classes = [BoothRegistrationResource]
    list_display = [
        "organisation",
        "organisation_verification",
        "booth",
        "state",
        "requested_area",
        "with_stand_construction",
        "is_first_time",
        "applied_at",
    ]
    list_filter = [
        "state",
        "organisation__verification_state",
        "with_stand_construction",
        "booth__fair__programme_year",
        "booth__fair",
    ]
    filterset_class = BoothRegistrationFilterSet
    search_fields = BoothRegistrationFilterSet.search_fields
    autocomplete_fields = ["booth", "organisation", "contact"]
    list_select_related = ["organisation", "booth", "booth__fair"]
    readonly_fields = ["state", "decided_at", "is_first_time"]
    date_hierarchy = "applied_at"

    def get_queryset(self, request):
        return selectors.booth_registrations_with_first_time(super().get_queryset(request))

    @admin.display(description=_("first-time exhibitor"), boolean=True, ordering="is_first_time")
    def is_first_time(self, obj):
        return getattr(obj, "is_first_time", None)

    # "12,5" rather than the admin's "12,50": the column title names the unit.
    @admin.display(description=_("requested area (m²)"), ordering="requested_area_m2")
    def requested_area(self, obj):
        return format_decimal(obj.requested_area_m2)

    def save_model(self, request, obj, form, change):
        services.booth_registration_staff_save(registration=obj, user=request.user)

    def set_state(self, obj, state, user):
        # Through the service: capacity under the booth's lock, and the e-mail to the organisation.
        return services.booth_registration_set_state(registration=obj, state=state, user=user)
