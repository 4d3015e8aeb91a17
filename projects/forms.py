"""Forms of the self-service portal for project workshops: asking to join. The decision (state,
who decided, when) is staff business and not part of the form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from companies.models.organisations import Organisation


class WorkshopJoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the agency"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What your organisation would contribute to the workshop, or what it is looking for."),
    )
    contact = forms.ModelChoiceField(
        label=_("Contact person"),
        queryset=None,
        required=False,
        help_text=_("Who would take part; they get the e-mails about this request too."),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = organisation.contacts.filter(removed_at__isnull=True).order_by(
            "last_name", "first_name", "pk"
        )
