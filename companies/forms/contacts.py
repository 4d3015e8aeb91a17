"""The portal's contact person form and the consent forms. Consent is given for one purpose in
the wording shown (its version travels with the form) and withdrawn with one button."""

from django import forms

from companies.choices import ConsentPurpose
from companies.models import Contact
from companies.services.contacts import CONTACT_FIELDS


class ContactForm(forms.Form):
    def __init__(self, *args, contact: Contact | None = None, **kwargs):
        initial = {name: getattr(contact, name) for name in CONTACT_FIELDS} if contact is not None else {}
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
