"""Forms of the portal's partner matches and introductions. They check input and hand it to
companies.services (match_feedback_give, contact_request_*), which decide what is allowed, or, for
the list's filter, to companies.selectors.portal_matches_filtered."""

from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country

from companies.choices import OrganisationKind
from companies.models.classifications import TechnologyField
from matchmaking.choices import FeedbackVerdict
from matchmaking.selectors import FEEDBACK_NONE, REGION_SAXONY, MatchFilter
from matchmaking.services.introductions import MESSAGE_MAX_LENGTH
from wfs_portal.choices import District


class MatchFeedbackForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Your verdict"), choices=FeedbackVerdict.choices)


class IntroductionRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the partner"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Why would you like to meet? The partner sees your organisation's public profile and this message, "
            "not your contact details."
        ),
    )


class IntroductionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])


class MatchFilterForm(forms.Form):
    """The match list's filters (a GET form: its values travel in the paging links). A value that no
    longer fits (a country gone from the list) is reported on its field and the others still apply."""

    technology_field = forms.ModelChoiceField(
        label=_("Technology field"),
        queryset=TechnologyField.objects.filter(is_active=True),
        to_field_name="slug",
        required=False,
        empty_label=_("All technology fields"),
    )
    kind = forms.ChoiceField(label=_("Kind of organisation"), required=False)
    region = forms.ChoiceField(label=_("District or country"), required=False)
    feedback = forms.ChoiceField(
        label=_("Your verdict"),
        required=False,
        choices=[
            ("", _("Any verdict")),
            (FEEDBACK_NONE, _("No verdict yet")),
            (FeedbackVerdict.INTERESTING, _("Marked interesting")),
            # No "marked not relevant": the next computation leaves those partners out of the list;
            # the page shows them apart ("Marked as not relevant"), where the verdict can be undone.
        ],
    )
    new = forms.BooleanField(label=_("Only new since my last visit"), required=False)

    def __init__(self, *args, countries: Iterable[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *OrganisationKind.choices]
        self.fields["region"].choices = [
            ("", _("Anywhere")),
            (_("Saxony"), [(REGION_SAXONY, _("All of Saxony")), *District.choices]),
            (
                _("Countries"),
                sorted(((f"country:{code}", Country(code).name) for code in countries), key=lambda c: c[1]),
            ),
        ]

    def match_filter(self, *, partners_before) -> MatchFilter:
        """The filter of the valid fields (an invalid one filters nothing)."""
        data = getattr(self, "cleaned_data", {})
        return MatchFilter(
            technology_field=data.get("technology_field"),
            kind=data.get("kind", ""),
            region=data.get("region", ""),
            feedback=data.get("feedback", ""),
            partners_before=partners_before if data.get("new") else None,
        )
