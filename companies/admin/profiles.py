"""Partnering profiles in the admin; publishing and withdrawing go through the same services as
the portal (companies.services.organisations), the review of a submitted profile through
companies.services.reviews (its page: companies.admin.reviews)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from companies.admin.reviews import ReviewPage
from companies.admin.search import DirectorySearchMixin
from companies.models.profiles import PartneringProfile
from companies.search import profile_search_ids
from companies.services.organisations import partnering_profile_publish, partnering_profile_withdraw
from wfs_portal.admin import WfsModelAdmin, service_action


@admin.register(PartneringProfile)
class PartneringProfileAdmin(DirectorySearchMixin, ReviewPage, WfsModelAdmin):
    directory_search = staticmethod(profile_search_ids)
    list_display = ["__str__", "reference", "organisation", "type", "state", "valid_until", "language", "review_link"]
    list_filter = ["type", "state", "technology_fields", "stage"]
    search_fields = ["title_de", "title_en", "keywords_de", "keywords_en", "organisation__name"]
    autocomplete_fields = ["organisation", "sectors"]
    filter_horizontal = ["technology_fields"]
    readonly_fields = ["reference", "state", "published_at", "submitted_at", "created", "updated"]
    list_select_related = ["organisation"]
    date_hierarchy = "created"
    actions = ["publish", "withdraw"]
    fieldsets = [
        (None, {"fields": ["reference", "organisation", "type", "stage"]}),
        (_("German"), {"fields": ["title_de", "summary_de", "keywords_de", "partner_sought_de"]}),
        (_("English"), {"fields": ["title_en", "summary_en", "keywords_en", "partner_sought_en"]}),
        (_("Classification"), {"fields": ["technology_fields", "sectors", "target_countries"]}),
        (_("Questions for interested partners"), {"fields": ["question_1", "question_2", "question_3"]}),
        (
            _("Publication"),
            {"fields": ["state", "submitted_at", "published_at", "valid_until", "created", "updated"]},
        ),
    ]

    @admin.display(description=_("language"))
    def language(self, obj):
        return obj.language.upper()

    publish = service_action(
        _("Publish (or renew) selected profiles"),
        lambda modeladmin, obj, user: partnering_profile_publish(profile=obj, user=user),
        lambda n: ngettext("%(count)d profile published.", "%(count)d profiles published.", n),
    )
    withdraw = service_action(
        _("Withdraw selected profiles"),
        lambda modeladmin, obj, user: partnering_profile_withdraw(profile=obj, user=user),
        lambda n: ngettext("%(count)d profile withdrawn.", "%(count)d profiles withdrawn.", n),
    )
