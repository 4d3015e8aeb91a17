"""Forms of the self-service portal for delegation trips. An applicant names the person who
travels; role, state, decision and internal notes are staff business and not part of the form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from companies.models.organisations import Organisation


class ParticipantRegistrationForm(forms.Form):
    contact = forms.ModelChoiceField(
        label=_("Person"),
        queryset=None,
        help_text=_(
            "Who travels, from your organisation's contact persons. Several persons of one organisation "
            "share its place."
        ),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = organisation.contacts.filter(removed_at__isnull=True).order_by(
            "last_name", "first_name", "pk"
        )
