"""Forms of the portal's partner matches and introductions. They check input and hand it to
companies.services (match_feedback_give, contact_request_*), which decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from companies.choices import FeedbackVerdict
from companies.services.introductions import MESSAGE_MAX_LENGTH


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
