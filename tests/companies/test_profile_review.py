"""Review before publication: a representative submits a profile, staff score it on four criteria
(0–5 each); 10 points or more publish it, fewer put it on hold with the reviewer's comment, which
the representatives are e-mailed; an edited profile on hold is submitted again. The setting
PUBLISH_VERIFIED_PROFILES_WITHOUT_REVIEW publishes verified organisations' profiles at once.
Profiles waiting for or failing review are seen by no partner, the API or the matchmaking."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from companies.choices import ProfileState
from companies.models.reviews import ProfileReview
from companies.selectors import public_profile_lookups, public_profiles
from companies.services.organisations import partnering_profile_publish
from companies.services.reviews import partnering_profile_review, partnering_profile_submit
from matchmaking.corpus_loading import matchable_profiles
from notifications.choices import StaffTopic
from notifications.services import user_language_set
from tests import factories
from tests.factories_interests import ProfileReviewFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(organisation_a):
    return factories.PartneringProfileFactory(organisation=organisation_a, title_de="Sensorik für Kühlketten")


@pytest.fixture
def submitted(draft, representative_a):
    partnering_profile_submit(profile=draft, user=representative_a.user)
    draft.refresh_from_db()
    return draft


def _review(profile, user, scores: tuple[int, int, int, int], comment: str = ""):
    innovation, clarity, cooperation, language = scores
    return partnering_profile_review(
        profile=profile,
        user=user,
        innovation=innovation,
        clarity=clarity,
        cooperation=cooperation,
        language=language,
        comment=comment,
    )


# --- submitting -----------------------------------------------------------------------------------


def test_submitting_puts_the_profile_in_the_queue_and_tells_staff(
    client_a, draft, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    factories.StaffAlertFactory(topic=StaffTopic.PROFILE_SUBMITTED, group=factories.GroupFactory())
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("portal:profile-publish", args=[draft.pk]))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == ProfileState.SUBMITTED
    assert draft.submitted_at is not None
    assert draft.published_at is None
    assert draft not in public_profiles()
    assert draft.history.latest().history_change_reason == "companies.profile.submitted"


def test_staff_following_the_topic_are_mailed_a_link_to_the_review_page(
    draft, representative_a, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    # No group chosen for the topic: the superusers are told.
    with django_capture_on_commit_callbacks(execute=True):
        partnering_profile_submit(profile=draft, user=representative_a.user)

    assert [mail.to for mail in mailoutbox] == [[staff_user.email]]
    assert reverse("admin:companies_partneringprofile_review", args=[draft.pk]) in mailoutbox[0].body
    assert "Alpha Medizintechnik GmbH" in mailoutbox[0].subject


def test_a_submitted_profile_is_not_public_anywhere(submitted):
    assert submitted not in public_profiles()
    assert submitted not in matchable_profiles(submitted.updated.date())
    organisation = (
        type(submitted.organisation)
        .objects.prefetch_related(*public_profile_lookups())
        .get(pk=submitted.organisation_id)
    )
    assert organisation.published_profiles == []


def test_the_representative_cannot_publish_past_the_review(draft, representative_a):
    with pytest.raises(ValidationError) as caught:
        partnering_profile_publish(profile=draft, user=representative_a.user)
    assert caught.value.code == "review_required"
    draft.refresh_from_db()
    assert draft.state == ProfileState.DRAFT


def test_submitting_twice_is_refused(submitted, representative_a):
    with pytest.raises(ValidationError) as caught:
        partnering_profile_submit(profile=submitted, user=representative_a.user)
    assert caught.value.code == "submitted"


def test_another_organisations_representative_cannot_submit(draft, representative_b):
    with pytest.raises(PermissionDenied):
        partnering_profile_submit(profile=draft, user=representative_b.user)


def test_an_unverified_organisation_cannot_submit(representative_a, organisation_a):
    organisation_a.verification_state = "self_registered"
    organisation_a.verified_at = None
    organisation_a.verified_by = None
    organisation_a.save()
    profile = factories.PartneringProfileFactory(organisation=organisation_a)
    with pytest.raises(ValidationError):
        partnering_profile_submit(profile=profile, user=representative_a.user)


# --- the threshold --------------------------------------------------------------------------------


def test_ten_points_publish(submitted, staff_user, representative_a, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review = _review(submitted, staff_user, (4, 2, 2, 2))

    submitted.refresh_from_db()
    assert (review.total, review.published) == (10, True)
    assert submitted.state == ProfileState.PUBLISHED
    assert submitted.valid_until is not None and submitted.published_at is not None
    assert submitted in public_profiles()
    assert [mail.to for mail in mailoutbox] == [[representative_a.user.email]]
    assert "Sensorik für Kühlketten" in mailoutbox[0].subject
    assert reverse("portal:profile-list") in mailoutbox[0].body


def test_nine_points_put_it_on_hold_and_mail_the_comment(
    submitted, staff_user, representative_a, mailoutbox, django_capture_on_commit_callbacks
):
    user_language_set(user=representative_a.user, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        review = _review(submitted, staff_user, (3, 2, 2, 2), comment="Bitte den Nutzen für Partner beschreiben.")

    submitted.refresh_from_db()
    assert (review.total, review.published) == (9, False)
    assert submitted.state == ProfileState.ON_HOLD
    assert submitted not in public_profiles()
    assert [mail.to for mail in mailoutbox] == [[representative_a.user.email]]
    assert "Bitte den Nutzen für Partner beschreiben." in mailoutbox[0].body
    assert mailoutbox[0].subject == "Your partnering profile is on hold: Sensorik für Kühlketten"
    assert "Score: 9 of 20 points" in mailoutbox[0].body
    assert submitted.history.latest().history_change_reason == "companies.profile.put_on_hold"


def test_on_hold_without_a_comment_is_refused(submitted, staff_user):
    with pytest.raises(ValidationError) as caught:
        _review(submitted, staff_user, (2, 2, 2, 2))
    assert "comment" in caught.value.message_dict
    submitted.refresh_from_db()
    assert submitted.state == ProfileState.SUBMITTED
    assert not ProfileReview.objects.exists()


@pytest.mark.parametrize("scores", [(6, 2, 2, 2), (-1, 5, 5, 5)])
def test_a_score_outside_zero_to_five_is_refused(submitted, staff_user, scores):
    with pytest.raises(ValidationError):
        _review(submitted, staff_user, scores, comment="x")
    assert not ProfileReview.objects.exists()


def test_the_database_refuses_a_wrong_total_or_outcome():
    review = ProfileReviewFactory.build(profile=factories.PartneringProfileFactory(), reviewer=None)
    review.total = 11  # the four scores make 12
    with pytest.raises(IntegrityError), transaction.atomic():
        review.save()
    review.total, review.published = 12, False
    with pytest.raises(IntegrityError), transaction.atomic():
        review.save()


def test_a_company_user_cannot_review(submitted, representative_a):
    with pytest.raises(PermissionDenied):
        _review(submitted, representative_a.user, (5, 5, 5, 5))


def test_only_a_submitted_profile_is_reviewed(draft, staff_user):
    with pytest.raises(ValidationError) as caught:
        _review(draft, staff_user, (5, 5, 5, 5))
    assert caught.value.code == "not_submitted"


# --- resubmission ---------------------------------------------------------------------------------


def test_an_edited_profile_on_hold_is_submitted_again_and_published(client_a, submitted, staff_user, representative_a):
    _review(submitted, staff_user, (1, 2, 2, 2), comment="Zu allgemein.")

    page = client_a.get(reverse("portal:profile-list")).content.decode()
    assert "Zu allgemein." in page
    assert reverse("portal:profile-publish", args=[submitted.pk]) in page

    client_a.post(reverse("portal:profile-publish", args=[submitted.pk]))
    submitted.refresh_from_db()
    assert submitted.state == ProfileState.SUBMITTED

    _review(submitted, staff_user, (3, 3, 3, 3))
    submitted.refresh_from_db()
    assert submitted.state == ProfileState.PUBLISHED
    assert list(submitted.reviews.values_list("total", flat=True)) == [12, 7]


def test_the_portal_shows_the_state_in_english(client_a, submitted):
    client_a.post(reverse("set_language"), {"language": "en", "next": "/portal/"})
    page = client_a.get(reverse("portal:profile-list")).content.decode()
    assert "Submitted for review" in page
    assert "Waiting for the agency's review" in page
    # Waiting for the review, it cannot be submitted again.
    assert reverse("portal:profile-publish", args=[submitted.pk]) not in page


# --- the setting ----------------------------------------------------------------------------------


def test_with_the_setting_a_verified_organisations_profile_is_published_at_once(
    draft, representative_a, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PUBLISH_VERIFIED_PROFILES_WITHOUT_REVIEW = True
    with django_capture_on_commit_callbacks(execute=True):
        state = partnering_profile_submit(profile=draft, user=representative_a.user)

    draft.refresh_from_db()
    assert state == draft.state == ProfileState.PUBLISHED
    assert draft in public_profiles()
    assert mailoutbox == []  # no staff alert: nothing to review


@pytest.mark.parametrize(("setting", "button"), [(False, "Submit for review"), (True, "Publish")])
def test_the_list_offers_submission_or_publication(client_a, draft, settings, setting, button):
    settings.PUBLISH_VERIFIED_PROFILES_WITHOUT_REVIEW = setting
    client_a.post(reverse("set_language"), {"language": "en", "next": "/portal/"})
    page = client_a.get(reverse("portal:profile-list")).content.decode()
    assert f'<button type="submit">{button}</button>' in page


# --- existing profiles and the admin ----------------------------------------------------------------


def test_a_published_profile_is_renewed_without_review(client_a, organisation_a):
    profile = factories.PartneringProfileFactory(organisation=organisation_a, published=True)
    client_a.post(reverse("portal:profile-renew", args=[profile.pk]))
    profile.refresh_from_db()
    assert profile.state == ProfileState.PUBLISHED


def test_the_admin_review_page_records_a_review(staff_client, submitted):
    url = reverse("admin:companies_partneringprofile_review", args=[submitted.pk])
    assert staff_client.get(url).status_code == 200

    response = staff_client.post(url, {"innovation": 1, "clarity": 1, "cooperation": 1, "language": 1, "comment": ""})
    assert response.status_code == 200
    assert "comment" in response.context["form"].errors

    response = staff_client.post(url, {"innovation": 5, "clarity": 3, "cooperation": 1, "language": 1, "comment": ""})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == ProfileState.PUBLISHED


def test_the_admin_review_page_needs_the_permission(client, submitted):
    user = factories.UserFactory(is_staff=True)
    client.force_login(user)
    response = client.get(reverse("admin:companies_partneringprofile_review", args=[submitted.pk]))
    assert response.status_code == 403


def test_the_admin_index_counts_profiles_awaiting_review(staff_client, submitted):
    factories.PartneringProfileFactory(state=ProfileState.SUBMITTED)
    page = staff_client.get(reverse("admin:index")).content.decode()
    url = reverse("admin:companies_partneringprofile_changelist") + f"?state__exact={ProfileState.SUBMITTED}"
    row = re.search(rf'<a href="{re.escape(url)}">[^<]*</a></th>\s*<td class="staff-queue-count">(\d+)</td>', page)
    assert row and row.group(1) == "2"
