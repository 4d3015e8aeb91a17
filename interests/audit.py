"""The audit reasons of expressions of interest and follows (wfs_portal.audit)."""

from django.utils.translation import pgettext_lazy

from wfs_portal.audit import declare

# expressions of interest (services/expressions.py)
INTEREST_EXPRESSED = declare(
    "interests.interest.expressed", pgettext_lazy("change reason", "interest expressed in the portal")
)
INTEREST_ACCEPTED = declare("interests.interest.accepted", pgettext_lazy("change reason", "interest accepted"))
INTEREST_DECLINED = declare("interests.interest.declined", pgettext_lazy("change reason", "interest declined"))
INTEREST_WITHDRAWN = declare("interests.interest.withdrawn", pgettext_lazy("change reason", "interest withdrawn"))

# follows (services/follows.py)
FOLLOW_STARTED = declare("interests.follow.started", pgettext_lazy("change reason", "follow started in the portal"))
FOLLOW_STOPPED = declare("interests.follow.stopped", pgettext_lazy("change reason", "follow stopped"))
