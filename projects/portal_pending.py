"""What of the project workshops is pending for an organisation, for the portal's home
(companies.portal_home): its requests to join a workshop, open or decided lately."""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from companies.models.organisations import Organisation
from companies.portal_home import PendingApplication
from projects.choices import JoinRequestState
from projects.selectors import organisation_workshop_join_requests


def applications(organisation: Organisation, *, today: datetime.date, recent_days: int) -> list[PendingApplication]:
    recent = today - datetime.timedelta(days=recent_days)
    requests = organisation_workshop_join_requests(organisation).filter(
        Q(state=JoinRequestState.REQUESTED) | Q(decided_at__date__gte=recent)
    )
    url = reverse("portal_workshops:join-request-list")
    return [
        PendingApplication(
            kind=_("Project workshop"),
            title=join_request.workshop.title,
            state=join_request.state,
            state_label=join_request.get_state_display(),
            is_open=join_request.state == JoinRequestState.REQUESTED,
            changed_at=join_request.decided_at or join_request.created,
            url=url,
        )
        for join_request in requests
    ]
