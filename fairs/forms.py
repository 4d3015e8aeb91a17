"""Forms of the self-service portal for joint booths. They carry only what an applicant fills in
(a subset of fairs.services.APPLICANT_FIELDS); state, decision, booth allocation and internal notes are staff
business and not part of any form here."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from companies.models.organisations import Organisation
from fairs.models import BoothRegistration
from wfs_portal.l10n import LocalizedMinValueValidator


class BoothApplicationForm(forms.ModelForm):
    class Meta:
        model = BoothRegistration
        fields = [
            "requested_area_m2",
            "with_stand_construction",
            "products",
            "co_exhibitors",
            "contact",
            "de_minimis_declared",
            "no_double_funding_declared",
        ]
        widgets = {
            "products": forms.Textarea(attrs={"rows": 3}),
            "co_exhibitors": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "co_exhibitors": _("Companies exhibiting with you on your space, one a line."),
            "de_minimis_declared": _(
                "I declare that the de-minimis aid the organisation received in the current and the two "
                "previous fiscal years stays within the EU limit, and I will submit the de-minimis declaration."
            ),
            "no_double_funding_declared": _(
                "I declare that the organisation receives no other public funding for this fair."
            ),
        }

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_area_m2"].validators.append(LocalizedMinValueValidator(Decimal("0.01")))
        self.fields["requested_area_m2"].widget.attrs.update(min="0.01", step="0.01")
        contact = self.fields["contact"]
        contact.queryset = organisation.contacts.filter(removed_at__isnull=True).order_by(
            "last_name", "first_name", "pk"
        )
        contact.help_text = _("Who we talk to about the booth; they get the e-mails about this registration too.")
        for name in ("de_minimis_declared", "no_double_funding_declared"):
            self.fields[name].required = True

    def applicant_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
