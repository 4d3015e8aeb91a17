"""Invariants of expressions of interest and follows: every named database constraint rejects bad
data both in ``full_clean()`` (with its own message) and at the database."""

import pytest

from interests.choices import FollowKind, InterestState
from tests import factories
from tests.constraints import constraint_tests
from tests.factories_interests import ExpressionOfInterestFactory, FollowFactory

pytestmark = pytest.mark.django_db


def _second_open_interest():
    first = ExpressionOfInterestFactory()
    return ExpressionOfInterestFactory.build(profile=first.profile, organisation=first.organisation)


def _second_follow_of_a_profile():
    first = FollowFactory(kind=FollowKind.PROFILE, profile=factories.PartneringProfileFactory(published=True), query={})
    return FollowFactory.build(user=first.user, kind=FollowKind.PROFILE, profile=first.profile, query={})


VIOLATIONS = {
    "interests_expressionofinterest_one_open_per_profile": _second_open_interest,
    "interests_expressionofinterest_closed_has_date": lambda: ExpressionOfInterestFactory.build(
        profile=factories.PartneringProfileFactory(published=True),
        organisation=factories.OrganisationFactory(),
        state=InterestState.ACCEPTED,
        decided_at=None,
    ),
    "interests_follow_profile_has_profile": lambda: FollowFactory.build(
        user=factories.UserFactory(), kind=FollowKind.PROFILE, profile=None
    ),
    "interests_follow_one_active_per_profile": _second_follow_of_a_profile,
}


(
    test_every_named_constraint_has_a_violation_case,
    test_full_clean_rejects_violation_with_the_constraint_message,
    test_database_rejects_violation_without_full_clean,
) = constraint_tests("interests", VIOLATIONS)
