"""Factories of profile reviews, expressions of interest and follows."""

import factory
from django.utils import timezone

from companies.choices import ProfileState
from companies.models.reviews import ProfileReview
from interests.choices import FollowKind, InterestState
from interests.models import ExpressionOfInterest, Follow
from tests import factories


class ProfileReviewFactory(factory.django.DjangoModelFactory):
    """A review that published its profile (12 of 20 points)."""

    class Meta:
        model = ProfileReview

    profile = factory.SubFactory(factories.PartneringProfileFactory, state=ProfileState.SUBMITTED)
    reviewer = factory.SubFactory(factories.UserFactory, is_staff=True)
    innovation = 3
    clarity = 3
    cooperation = 3
    language = 3
    total = factory.LazyAttribute(lambda o: o.innovation + o.clarity + o.cooperation + o.language)
    published = factory.LazyAttribute(lambda o: o.total >= 10)
    comment = factory.LazyAttribute(lambda o: "" if o.published else "Bitte den gesuchten Partner genauer beschreiben.")
    decided_at = factory.LazyFunction(timezone.now)


class ExpressionOfInterestFactory(factory.django.DjangoModelFactory):
    """An open expression of interest in a published profile."""

    class Meta:
        model = ExpressionOfInterest

    profile = factory.SubFactory(factories.PartneringProfileFactory, published=True)
    organisation = factory.SubFactory(factories.OrganisationFactory)
    message = "Wir haben Interesse an einer Zusammenarbeit."
    state = InterestState.REQUESTED


class FollowFactory(factory.django.DjangoModelFactory):
    """A followed search for the word "Kühlkette"."""

    class Meta:
        model = Follow

    user = factory.SubFactory(factories.CompanyUserFactory)
    kind = FollowKind.SEARCH
    query = factory.LazyFunction(lambda: {"q": "Kühlkette"})
