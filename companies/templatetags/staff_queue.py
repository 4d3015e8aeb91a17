"""The staff's work queue on the admin index: what waits for a decision."""

from django import template
from django.urls import reverse

from companies.choices import ProfileState, RepresentationState, VerificationState
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.models.representatives import Representative

register = template.Library()


@register.inclusion_tag("admin/companies/staff_queue.html", takes_context=True)
def staff_queue(context):
    user = context["request"].user
    rows = []
    if user.has_perm("companies.change_organisation"):
        rows.append(
            {
                "kind": "organisations",
                "count": Organisation.objects.filter(verification_state=VerificationState.SELF_REGISTERED).count(),
                "url": reverse("admin:companies_organisation_changelist") + "?queue=awaiting",
            }
        )
    if user.has_perm("companies.change_representative"):
        rows.append(
            {
                "kind": "join_requests",
                "count": Representative.objects.filter(state=RepresentationState.REQUESTED).count(),
                "url": reverse("admin:companies_representative_changelist")
                + f"?state__exact={RepresentationState.REQUESTED}",
            }
        )
    if user.has_perm("companies.add_profilereview"):
        rows.append(
            {
                "kind": "profiles",
                "count": PartneringProfile.objects.filter(state=ProfileState.SUBMITTED).count(),
                "url": reverse("admin:companies_partneringprofile_changelist")
                + f"?state__exact={ProfileState.SUBMITTED}",
            }
        )
    return {"rows": rows}
