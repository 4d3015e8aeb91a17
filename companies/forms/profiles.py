"""The portal's partnering profile form. It holds only the fields a representative writes
(services.profiles.PROFILE_FIELDS); the state, its dates and the reminder bookkeeping change only
through the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from companies.forms.organisations import ClassificationFields
from companies.models.profiles import PartneringProfile
from companies.services.profiles import PROFILE_FIELDS

_TEXTAREA = {"summary": 6, "partner_sought": 4}


def _widgets() -> dict:
    widgets = {"valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
    for name, rows in _TEXTAREA.items():
        for language in ("de", "en"):
            widgets[f"{name}_{language}"] = forms.Textarea(attrs={"rows": rows, "lang": language})
    for language in ("de", "en"):
        widgets[f"title_{language}"] = forms.TextInput(attrs={"lang": language})
        widgets[f"keywords_{language}"] = forms.TextInput(attrs={"lang": language})
    return widgets


class PartneringProfileForm(ClassificationFields):
    """Type, texts in German and English, classification (the sector picker of the organisation
    profile), target countries, stage of development and the 'valid until' date."""

    def __init__(self, *args, profile: PartneringProfile | None = None, **kwargs):
        initial = {}
        if profile is not None:
            initial = {name: getattr(profile, name) for name in PROFILE_FIELDS}
            initial["sectors"] = list(profile.sectors.values_list("pk", flat=True))
            initial["technology_fields"] = list(profile.technology_fields.values_list("pk", flat=True))
        super().__init__(*args, initial=initial, **kwargs)
        fields = forms.fields_for_model(PartneringProfile, fields=list(PROFILE_FIELDS), widgets=_widgets())
        self.fields = {**{name: fields[name] for name in PROFILE_FIELDS}, **self.fields}
        self.fields["valid_until"].help_text = _(
            "Empty: one year from publication. The profile is reminded for renewal 30 days before."
        )
        self.fields["target_countries"].widget.attrs["size"] = 6

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("title_de") or cleaned.get("title_en")):
            self.add_error("title_de", _("Give the profile a title in German or English."))
        return cleaned

    def profile_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in PROFILE_FIELDS}
