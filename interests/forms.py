"""The portal's forms of expressions of interest and follows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from companies.choices import ProfileType
from companies.models.classifications import Sector, TechnologyField
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from interests.selectors import consenting_contacts
from interests.services.expressions import ANSWER_MAX_LENGTH, MESSAGE_MAX_LENGTH


def _contact_choice(organisation: Organisation, label) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(
        queryset=consenting_contacts(organisation),
        label=label,
        empty_label=None,
        help_text=_("Only persons who agreed to introductions can be named."),
    )
    field.label_from_instance = lambda person: person.full_name + (f", {person.position}" if person.position else "")
    return field


class ExpressionOfInterestForm(forms.Form):
    """An answer to each of the profile's questions, a message and the person the owner will see
    once they accept."""

    def __init__(self, *args, profile: PartneringProfile, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        for number, question in enumerate(profile.questions, start=1):
            self.fields[f"answer_{number}"] = forms.CharField(
                label=question,
                max_length=ANSWER_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.fields["message"] = forms.CharField(
            label=_("Message"),
            required=False,
            max_length=MESSAGE_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text=_("Why your organisation is interested, in a few sentences."),
        )
        self.fields["contact"] = _contact_choice(organisation, _("Your contact person"))
        self.question_count = len(profile.questions)

    def answers(self) -> list[str]:
        return [self.cleaned_data[f"answer_{n}"] for n in range(1, self.question_count + 1)]

    @property
    def answer_fields(self):
        return [self[f"answer_{n}"] for n in range(1, self.question_count + 1)]


class AcceptForm(forms.Form):
    """The person of the profile's organisation the interested side will see."""

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"] = _contact_choice(organisation, _("Your contact person"))


class SearchFollowForm(forms.Form):
    """A search to follow: words and filters (interests.search.clean_query checks them again)."""

    q = forms.CharField(label=_("Words"), required=False, max_length=200)
    type = forms.ChoiceField(label=_("Profile type"), required=False, choices=[("", "—"), *ProfileType.choices])
    technology_field = forms.ModelChoiceField(
        label=_("Technology field"), required=False, queryset=TechnologyField.objects.filter(is_active=True)
    )
    sector = forms.ModelChoiceField(
        label=_("Sector"), required=False, queryset=Sector.objects.filter(level__lte=Sector.Level.DIVISION)
    )

    def query(self) -> dict:
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "type": data.get("type") or "",
            "technology_field": data["technology_field"].pk if data.get("technology_field") else None,
            "sector": data["sector"].pk if data.get("sector") else None,
        }
