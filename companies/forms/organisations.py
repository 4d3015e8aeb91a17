"""Forms of the self-service portal. They check input and hand it to companies.services; the
services decide what may be changed (staff-only fields are not in any of these forms)."""

from django import forms
from django.db import models
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from companies import sector_search
from companies.images import LOGO_MAX_BYTES, LOGO_MAX_SIDE
from companies.models.classifications import Sector, TechnologyField
from companies.models.organisations import Organisation
from companies.models.representatives import Representative
from companies.services.representatives import REGISTRATION_FIELDS, editable_fields
from wfs_portal.l10n import format_decimal


def _formfield(field, **kwargs):
    if isinstance(field, models.URLField):
        # Websites typed without a scheme are taken as https:// (as in the admin).
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


def _organisation_fields(names) -> dict[str, forms.Field]:
    fields = forms.fields_for_model(
        Organisation,
        fields=list(names),
        formfield_callback=_formfield,
        widgets={
            "description_de": forms.Textarea(attrs={"rows": 6, "lang": "de"}),
            "description_en": forms.Textarea(attrs={"rows": 6, "lang": "en"}),
        },
    )
    return {name: fields[name] for name in names}


class ClassificationFields(forms.Form):
    """Sectors (NACE, a long list: filtered in the browser by static/portal/picker.js on the terms
    of companies.sector_search, and a plain list of checkboxes without JavaScript) and technology
    fields."""

    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors (NACE)"),
        queryset=Sector.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    technology_fields = forms.ModelMultipleChoiceField(
        label=_("Technology fields"),
        queryset=TechnologyField.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def classification(self) -> dict:
        """The sectors and technology fields chosen, as the services take them."""
        return {name: self.cleaned_data[name] for name in ("sectors", "technology_fields")}

    def sector_options(self) -> list[dict]:
        """The sectors as rows for the picker, rendered by the template directly (a thousand
        checkbox widgets through Django's widget templates would be slow)."""
        value = self["sectors"].value() or []
        selected = {str(pk) for pk in value}
        english = (get_language() or "de").startswith("en")
        rows = Sector.objects.values_list("pk", "code", "name_de", "name_en", "level")
        options = []
        for pk, code, name_de, name_en, level in rows:
            name = name_en if english and name_en else name_de
            options.append(
                {
                    "pk": pk,
                    "code": code,
                    "name": name,
                    "level": level,
                    "checked": str(pk) in selected,
                    "terms": sector_search.keyword_terms(code, (code, name)),
                }
            )
        return options


class OrganisationRegistrationForm(ClassificationFields):
    not_a_duplicate = forms.BooleanField(
        label=_("None of the organisations shown is mine: register it as a new one"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {**_organisation_fields(REGISTRATION_FIELDS), **self.fields}

    def organisation_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in REGISTRATION_FIELDS}


def _logo_help_text() -> str:
    # Formatted when the form is shown, in the reader's language ("4.000 × 4.000" in German).
    return _("PNG, JPEG or WebP, at most %(size)s MB and %(side)s × %(side)s pixels.") % {
        "size": format_decimal(LOGO_MAX_BYTES // 1024 // 1024),
        "side": format_decimal(LOGO_MAX_SIDE),
    }


class OrganisationProfileForm(ClassificationFields):
    """The fields a representative may change now (services.representatives.editable_fields: the
    identity of a verified organisation is staff business), and the logo."""

    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=lazy(_logo_help_text, str)(),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        self.editable = editable_fields(organisation)
        initial = {name: getattr(organisation, name) for name in self.editable}
        initial["sectors"] = list(organisation.sectors.values_list("pk", flat=True))
        initial["technology_fields"] = list(organisation.technology_fields.values_list("pk", flat=True))
        super().__init__(*args, initial=initial, **kwargs)
        self.fields = {**_organisation_fields(self.editable), **self.fields}
        # The widget would otherwise offer the stored file's name and a "clear" box of its own.
        self.fields["logo"].widget = forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"})

    def organisation_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.editable}


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the organisation"),
        required=False,
        max_length=Representative._meta.get_field("message").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who you are and your position, so that they recognise you."),
    )


class OrganisationSearchForm(forms.Form):
    q = forms.CharField(label=_("Name of the organisation"), min_length=2, max_length=100)
