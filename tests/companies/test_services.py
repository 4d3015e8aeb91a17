"""The write paths of companies.services: verification, rejection, publication and expiry of
partnering profiles. Each test asserts the returned value and the state in the database."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from companies import tasks
from companies.choices import ProfileState, VerificationState
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile
from companies.services.organisations import (
    organisation_reject,
    organisation_verify,
    partnering_profile_publish,
    partnering_profile_withdraw,
    partnering_profiles_expire,
)
from tests.factories import OrganisationFactory, PartneringProfileFactory

pytestmark = pytest.mark.django_db


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


# --- organisation_verify ---------------------------------------------------------------------


def test_verify_marks_a_self_registered_organisation_verified(staff_user):
    organisation = OrganisationFactory(self_registered=True)

    assert organisation_verify(organisation=organisation, user=staff_user) is True

    organisation.refresh_from_db()
    assert organisation.verification_state == VerificationState.VERIFIED
    assert organisation.verified_at is not None
    assert organisation.verified_by == staff_user


def test_verify_a_rejected_organisation_clears_the_rejection_reason(staff_user):
    organisation = OrganisationFactory(rejected=True)

    assert organisation_verify(organisation=organisation, user=staff_user) is True

    organisation.refresh_from_db()
    assert organisation.verification_state == VerificationState.VERIFIED
    assert organisation.rejection_reason == ""


def test_verify_an_already_verified_organisation_returns_false_and_changes_nothing(staff_user):
    organisation = OrganisationFactory(verified_at=timezone.now() - datetime.timedelta(days=3))
    before = Organisation.objects.get(pk=organisation.pk)

    assert organisation_verify(organisation=organisation, user=staff_user) is False

    organisation.refresh_from_db()
    assert organisation.verified_at == before.verified_at
    assert organisation.verified_by is None
    assert organisation.history.count() == before.history.count()


def test_verify_writes_a_history_record_with_the_user(staff_user):
    organisation = OrganisationFactory(self_registered=True)

    organisation_verify(organisation=organisation, user=staff_user)

    record = organisation.history.latest()
    assert record.history_user == staff_user
    assert record.verification_state == VerificationState.VERIFIED
    assert record.history_change_reason == "companies.organisation.verified"


# --- organisation_reject ---------------------------------------------------------------------


def test_reject_a_self_registration_stores_state_and_reason(staff_user):
    organisation = OrganisationFactory(self_registered=True)

    assert organisation_reject(organisation=organisation, user=staff_user, reason="  Kein Sitz  ") is True

    organisation.refresh_from_db()
    assert organisation.verification_state == VerificationState.REJECTED
    assert organisation.rejection_reason == "Kein Sitz"


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_needs_a_reason(staff_user, reason):
    organisation = OrganisationFactory(self_registered=True)

    with pytest.raises(ValidationError) as exc_info:
        organisation_reject(organisation=organisation, user=staff_user, reason=reason)

    assert "rejection_reason" in exc_info.value.message_dict
    organisation.refresh_from_db()
    assert organisation.verification_state == VerificationState.SELF_REGISTERED


def test_reject_refuses_a_verified_organisation(staff_user):
    organisation = OrganisationFactory()

    with pytest.raises(ValidationError):
        organisation_reject(organisation=organisation, user=staff_user, reason="Doppelt angelegt")

    organisation.refresh_from_db()
    assert organisation.verification_state == VerificationState.VERIFIED
    assert organisation.rejection_reason == ""


def test_reject_an_already_rejected_organisation_returns_false_and_keeps_the_first_reason(staff_user):
    organisation = OrganisationFactory(rejected=True, rejection_reason="Erster Grund")

    assert organisation_reject(organisation=organisation, user=staff_user, reason="Zweiter Grund") is False

    organisation.refresh_from_db()
    assert organisation.rejection_reason == "Erster Grund"


def test_reject_writes_a_history_record_with_the_user(staff_user):
    organisation = OrganisationFactory(self_registered=True)

    organisation_reject(organisation=organisation, user=staff_user, reason="Kein Sitz in Sachsen")

    record = organisation.history.latest()
    assert record.history_user == staff_user
    assert record.verification_state == VerificationState.REJECTED
    assert record.history_change_reason == "companies.organisation.rejected"


# --- partnering_profile_publish --------------------------------------------------------------


@pytest.mark.parametrize("trait", ["self_registered", "rejected"])
def test_publish_refuses_a_profile_of_an_unverified_organisation(staff_user, trait):
    profile = PartneringProfileFactory(organisation=OrganisationFactory(**{trait: True}))

    with pytest.raises(ValidationError):
        partnering_profile_publish(profile=profile, user=staff_user)

    profile.refresh_from_db()
    assert profile.state == ProfileState.DRAFT
    assert profile.published_at is None


def test_publish_without_a_date_uses_the_configured_validity(staff_user, settings):
    settings.PARTNERING_PROFILE_VALIDITY_DAYS = 30
    profile = PartneringProfileFactory()

    assert partnering_profile_publish(profile=profile, user=staff_user) is True

    profile.refresh_from_db()
    assert profile.state == ProfileState.PUBLISHED
    assert profile.valid_until == _days(30)
    assert profile.published_at is not None


def test_publish_with_a_future_date_keeps_that_date(staff_user):
    profile = PartneringProfileFactory()

    partnering_profile_publish(profile=profile, user=staff_user, valid_until=_days(10))

    profile.refresh_from_db()
    assert profile.valid_until == _days(10)


@pytest.mark.parametrize("days", [0, -1], ids=["today", "yesterday"])
def test_publish_refuses_a_valid_until_date_not_in_the_future(staff_user, days):
    profile = PartneringProfileFactory()

    with pytest.raises(ValidationError) as exc_info:
        partnering_profile_publish(profile=profile, user=staff_user, valid_until=_days(days))

    assert "valid_until" in exc_info.value.message_dict
    profile.refresh_from_db()
    assert profile.state == ProfileState.DRAFT


def test_publish_again_with_the_same_date_returns_false(staff_user):
    profile = PartneringProfileFactory(published=True)

    assert partnering_profile_publish(profile=profile, user=staff_user, valid_until=profile.valid_until) is False


def test_publish_renews_an_expired_profile_and_keeps_the_first_publication_date(staff_user):
    first_published = timezone.now() - datetime.timedelta(days=400)
    profile = PartneringProfileFactory(state=ProfileState.EXPIRED, published_at=first_published, valid_until=_days(-5))

    assert partnering_profile_publish(profile=profile, user=staff_user, valid_until=_days(60)) is True

    profile.refresh_from_db()
    assert profile.state == ProfileState.PUBLISHED
    assert profile.valid_until == _days(60)
    assert profile.published_at == first_published


def test_publish_writes_a_history_record_with_the_user(staff_user):
    profile = PartneringProfileFactory()

    partnering_profile_publish(profile=profile, user=staff_user)

    record = profile.history.latest()
    assert record.history_user == staff_user
    assert record.state == ProfileState.PUBLISHED


# --- partnering_profile_withdraw -------------------------------------------------------------


def test_withdraw_takes_a_published_profile_out(staff_user):
    profile = PartneringProfileFactory(published=True)

    assert partnering_profile_withdraw(profile=profile, user=staff_user) is True

    profile.refresh_from_db()
    assert profile.state == ProfileState.WITHDRAWN
    assert profile.history.latest().history_user == staff_user


def test_withdraw_a_withdrawn_profile_returns_false(staff_user):
    profile = PartneringProfileFactory(state=ProfileState.WITHDRAWN)

    assert partnering_profile_withdraw(profile=profile, user=staff_user) is False

    profile.refresh_from_db()
    assert profile.state == ProfileState.WITHDRAWN


# --- partnering_profiles_expire --------------------------------------------------------------


@pytest.fixture
def profiles_around_today():
    return {
        "published_past": PartneringProfileFactory(published=True, valid_until=_days(-1)),
        "published_until_today": PartneringProfileFactory(published=True, valid_until=_days(0)),
        "published_future": PartneringProfileFactory(published=True, valid_until=_days(1)),
        "draft_past": PartneringProfileFactory(valid_until=_days(-1)),
        "withdrawn_past": PartneringProfileFactory(state=ProfileState.WITHDRAWN, valid_until=_days(-1)),
    }


def test_expire_expires_only_published_profiles_past_their_date(profiles_around_today):
    assert partnering_profiles_expire() == 1

    states = {key: PartneringProfile.objects.get(pk=p.pk).state for key, p in profiles_around_today.items()}
    assert states == {
        "published_past": ProfileState.EXPIRED,
        "published_until_today": ProfileState.PUBLISHED,
        "published_future": ProfileState.PUBLISHED,
        "draft_past": ProfileState.DRAFT,
        "withdrawn_past": ProfileState.WITHDRAWN,
    }


def test_expire_a_second_run_returns_zero(profiles_around_today):
    partnering_profiles_expire()

    assert partnering_profiles_expire() == 0
    assert PartneringProfile.objects.filter(state=ProfileState.EXPIRED).count() == 1


def test_expire_uses_the_given_day():
    profile = PartneringProfileFactory(published=True, valid_until=_days(5))

    assert partnering_profiles_expire(today=_days(6)) == 1

    profile.refresh_from_db()
    assert profile.state == ProfileState.EXPIRED


def test_expire_task_runs_the_service():
    profile = PartneringProfileFactory(published=True, valid_until=_days(-3))

    assert tasks.partnering_profiles_expire.delay().get() == 1

    profile.refresh_from_db()
    assert profile.state == ProfileState.EXPIRED
