"""What of expressions of interest is pending for an organisation, for the portal's home
(companies.portal_home): the interests in its profiles that wait for its answer."""

import datetime

from companies.models.organisations import Organisation
from companies.portal_home import PortalHome
from interests.selectors import interests_awaiting_answer


def fill(home: PortalHome, *, user, organisation: Organisation, today: datetime.date) -> None:
    home.interests_received = list(interests_awaiting_answer(organisation))
