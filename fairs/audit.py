"""The fairs' audit reasons (wfs_portal.audit): the life cycle of booth registrations."""

from wfs_portal.audit import registration_reasons

REGISTRATION = registration_reasons("fairs.registration")
