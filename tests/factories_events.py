"""Factories for the models of the portal's event pages (fairs, delegations, workshops) that
tests/factories.py does not have."""

import factory

from projects.choices import JoinRequestState
from projects.models import WorkshopJoinRequest
from tests.factories import OrganisationFactory, WorkshopFactory


class WorkshopJoinRequestFactory(factory.django.DjangoModelFactory):
    """An open request of an organisation to join a workshop."""

    class Meta:
        model = WorkshopJoinRequest

    workshop = factory.SubFactory(WorkshopFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    message = "Wir bringen Erfahrung mit fahrerlosen Transportsystemen in Kliniken mit."
    state = JoinRequestState.REQUESTED
