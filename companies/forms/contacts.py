"""The portal's contact person form and the consent forms. Consent is given for one purpose in
the wording shown (its version travels with the form) and withdrawn with one button."""

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from companies.choices import ConsentPurpose
from companies.models.contacts import Contact
from companies.services.contacts import CONSENT_TEXTS, CONTACT_FIELDS
from wfs_portal.choices import Language


class ContactForm(forms.Form):
    def __init__(self, *args, contact: Contact | None = None, **kwargs):
        initial = kwargs.pop("initial", None) or {}
        if contact is not None:
            initial = {name: getattr(contact, name) for name in CONTACT_FIELDS}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields = forms.fields_for_model(
            Contact, fields=list(CONTACT_FIELDS), widgets={"email": forms.EmailInput(attrs={"autocomplete": "off"})}
        )

    def contact_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in CONTACT_FIELDS}


class ConsentGiveForm(forms.Form):
    purpose = forms.ChoiceField(choices=ConsentPurpose.choices, widget=forms.HiddenInput)
    text_version = forms.CharField(max_length=40, widget=forms.HiddenInput)


class ConsentWithdrawForm(forms.Form):
    purpose = forms.ChoiceField(choices=ConsentPurpose.choices, widget=forms.HiddenInput)


class ContactSelfForm(ContactForm):
    """The user adds themselves as a contact person: the contact form filled in from their account
    (name, e-mail, the language they use the portal in), and the consents they give themselves, each
    in the wording shown, whose version travels with the form (companies.services.contact_create_self
    records only that wording)."""

    def __init__(self, *args, user, **kwargs):
        language = (get_language() or Language.GERMAN)[:2]
        initial = {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "language": language if language in Language.values else Language.GERMAN,
        }
        super().__init__(*args, initial=initial, **kwargs)
        # The account's address: the consents below are the account holder's own.
        self.fields["email"].disabled = True
        self.fields["email"].help_text = _("The e-mail address of your account.")
        for purpose, label in ConsentPurpose.choices:
            consent = CONSENT_TEXTS[purpose]
            self.fields[f"consent_{purpose}"] = forms.BooleanField(label=label, required=False, help_text=consent.text)
            self.fields[f"version_{purpose}"] = forms.CharField(
                max_length=40, required=False, initial=consent.version, widget=forms.HiddenInput
            )

    def contact_fields(self):
        return [self[name] for name in CONTACT_FIELDS]

    def consent_fields(self):
        """(checkbox, hidden version) per purpose, for the template."""
        return [(self[f"consent_{purpose}"], self[f"version_{purpose}"]) for purpose in ConsentPurpose.values]

    def consents(self) -> dict[str, str]:
        """{purpose: text version shown} of the consents ticked."""
        return {
            purpose: self.cleaned_data[f"version_{purpose}"]
            for purpose in ConsentPurpose.values
            if self.cleaned_data[f"consent_{purpose}"]
        }
