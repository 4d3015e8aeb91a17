"""The staff review of submitted partnering profiles: the review page of a profile (four scores and
a comment, through companies.services.reviews), the queue ("submitted for review", oldest first)
and the reviews as a read-only history."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from companies.choices import ProfileState
from companies.models.profiles import PartneringProfile
from companies.models.reviews import MAX_SCORE, PUBLISH_THRESHOLD, SCORE_FIELDS, ProfileReview
from companies.services.reviews import may_review, partnering_profile_review
from wfs_portal.admin import WfsModelAdmin


class ProfileReviewForm(forms.ModelForm):
    """The four scores (0–5) and the comment to the company."""

    class Meta:
        model = ProfileReview
        fields = [*SCORE_FIELDS, "comment"]
        widgets = {name: forms.NumberInput(attrs={"min": 0, "max": MAX_SCORE}) for name in SCORE_FIELDS}


class ReviewPage:
    """The review page of a profile (``<id>/review/``), for a ModelAdmin of PartneringProfile."""

    def get_urls(self):
        review = path(
            "<int:pk>/review/",
            self.admin_site.admin_view(self.review_view),
            name="companies_partneringprofile_review",
        )
        return [review, *super().get_urls()]

    @admin.display(description=_("review"))
    def review_link(self, obj):
        if obj.state != ProfileState.SUBMITTED:
            return "—"
        url = reverse("admin:companies_partneringprofile_review", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Review"))

    def review_view(self, request, pk: int):
        if not may_review(request.user):
            raise PermissionDenied
        profile = get_object_or_404(PartneringProfile.objects.select_related("organisation"), pk=pk)
        form = ProfileReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                review = partnering_profile_review(
                    profile=profile, user=request.user, **{n: form.cleaned_data[n] for n in [*SCORE_FIELDS, "comment"]}
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                if review.published:
                    text = gettext("“%(title)s” scored %(total)s points and is published.")
                else:
                    text = gettext("“%(title)s” scored %(total)s points and is on hold; the company is told why.")
                self.message_user(request, text % {"title": profile.title, "total": review.total}, messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:companies_partneringprofile_changelist") + f"?state__exact={ProfileState.SUBMITTED}"
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Review: %(profile)s") % {"profile": profile},
            "profile": profile,
            "form": form,
            "reviewable": profile.state == ProfileState.SUBMITTED,
            "threshold": PUBLISH_THRESHOLD,
            "max_total": MAX_SCORE * len(SCORE_FIELDS),
            "earlier_reviews": profile.reviews.select_related("reviewer"),
        }
        return TemplateResponse(request, "admin/companies/partneringprofile/review.html", context)


@admin.register(ProfileReview)
class ProfileReviewAdmin(WfsModelAdmin):
    """Reviews are written on a profile's review page only; here they are read (and their history)."""

    list_display = ["profile", "total", "published", "reviewer", "decided_at"]
    list_filter = ["published"]
    search_fields = ["profile__title_de", "profile__title_en", "profile__organisation__name"]
    list_select_related = ["profile", "profile__organisation", "reviewer"]
    date_hierarchy = "decided_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
