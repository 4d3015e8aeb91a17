"""The delegations' audit reasons (wfs_portal.audit): the life cycle of participants."""

from wfs_portal.audit import registration_reasons

PARTICIPANT = registration_reasons("delegations.participant")
