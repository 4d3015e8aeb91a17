"""What of matchmaking is pending for an organisation, for the portal's home (companies.portal_home):
introduction requests on both sides, and the partner suggestions that are new since the previous
visit. Looking at the home counts as a visit (matchmaking.services.visits)."""

import datetime

from companies.models.organisations import Organisation
from companies.portal_home import PortalHome
from matchmaking.selectors import (
    introductions_awaiting_answer,
    introductions_awaiting_partner,
    new_partner_suggestions,
)
from matchmaking.services.visits import portal_visit_record

# How many new partner suggestions the home names; the match list has them all.
NEW_SUGGESTIONS_SHOWN = 5


def fill(home: PortalHome, *, user, organisation: Organisation, today: datetime.date) -> None:
    visit = portal_visit_record(user=user, organisation=organisation)
    new = new_partner_suggestions(organisation, visit.partners_before)
    home.new_suggestions = list(new[:NEW_SUGGESTIONS_SHOWN])
    home.new_suggestion_count = new.count()
    home.introductions_received = list(introductions_awaiting_answer(organisation))
    home.introductions_sent = list(introductions_awaiting_partner(organisation))
