"""Follows and the weekly digest: a new published profile matching a followed search appears in
the next digest once, a non-matching one never; nothing is mailed when nothing is new; a followed
profile's change is told; the digest's link stops the follow without logging in."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from companies.choices import ProfileState, ProfileType
from companies.models.profiles import PartneringProfile
from interests.choices import FollowKind
from interests.models import Follow
from interests.search import saved_search_profiles
from interests.services.follows import follow_digests_send, follow_profile, follow_search, stop_token
from tests import factories
from wfs_portal.schedules import PERIODIC_TASKS

pytestmark = pytest.mark.django_db


def _published(**fields):
    return factories.PartneringProfileFactory(published=True, published_at=timezone.now(), **fields)


@pytest.fixture
def follow(representative_a, organisation_a):
    follow = follow_search(
        user=representative_a.user,
        organisation=organisation_a,
        query={"q": "kühlkette", "type": ProfileType.TECHNOLOGY_OFFER},
    )
    # Started a week ago.
    Follow.objects.filter(pk=follow.pk).update(created=timezone.now() - datetime.timedelta(days=7))
    follow.refresh_from_db()
    return follow


def _digest(mailoutbox, django_capture_on_commit_callbacks, *, now=None) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return follow_digests_send(now=now)


def test_a_new_matching_profile_is_in_the_next_digest_once(
    follow, representative_a, mailoutbox, django_capture_on_commit_callbacks
):
    matching = _published(title_de="Kühlkette für Laborproben", type=ProfileType.TECHNOLOGY_OFFER)

    assert _digest(mailoutbox, django_capture_on_commit_callbacks) == 1
    assert [mail.to for mail in mailoutbox] == [[representative_a.user.email]]
    body = mailoutbox[0].body
    assert "Kühlkette für Laborproben" in body
    assert reverse("portal_interests:express", args=[matching.pk]) in body
    assert reverse("portal_interests:follow-stop-link", args=[stop_token(follow)]) in body

    # The next week: the same profile is not told again, and nothing new means no e-mail.
    later = timezone.now() + datetime.timedelta(days=7)
    assert _digest(mailoutbox, django_capture_on_commit_callbacks, now=later) == 0
    assert len(mailoutbox) == 1


def test_a_non_matching_profile_is_never_told(follow, mailoutbox, django_capture_on_commit_callbacks):
    _published(title_de="Robotergreifer", keywords_de="Robotik", type=ProfileType.TECHNOLOGY_OFFER)
    _published(title_de="Kühlkette gesucht", type=ProfileType.TECHNOLOGY_REQUEST)
    factories.PartneringProfileFactory(title_de="Kühlkette im Entwurf", state=ProfileState.DRAFT)
    factories.PartneringProfileFactory(title_de="Kühlkette in Prüfung", state=ProfileState.SUBMITTED)

    assert _digest(mailoutbox, django_capture_on_commit_callbacks) == 0
    assert mailoutbox == []


def test_a_profile_published_before_the_follow_is_not_new(follow, mailoutbox, django_capture_on_commit_callbacks):
    factories.PartneringProfileFactory(
        title_de="Kühlkette alt",
        published=True,
        published_at=follow.created - datetime.timedelta(days=1),
    )
    assert _digest(mailoutbox, django_capture_on_commit_callbacks) == 0


def test_the_own_organisations_profiles_are_left_out(
    follow, organisation_a, mailoutbox, django_capture_on_commit_callbacks
):
    _published(organisation=organisation_a, title_de="Unsere Kühlkette")
    assert _digest(mailoutbox, django_capture_on_commit_callbacks) == 0


def test_running_twice_in_a_week_mails_once(follow, mailoutbox, django_capture_on_commit_callbacks):
    _published(title_de="Kühlkette neu")
    now = timezone.now()
    assert _digest(mailoutbox, django_capture_on_commit_callbacks, now=now) == 1
    # A second delivery of the task, or another worker, a minute later.
    assert _digest(mailoutbox, django_capture_on_commit_callbacks, now=now + datetime.timedelta(minutes=1)) == 0
    assert len(mailoutbox) == 1


def test_a_stopped_follow_gets_no_digest(client, follow, mailoutbox, django_capture_on_commit_callbacks):
    _published(title_de="Kühlkette neu")
    url = reverse("portal_interests:follow-stop-link", args=[stop_token(follow)])
    assert client.get(url).status_code == 200
    follow.refresh_from_db()
    assert follow.stopped_at is None  # a GET (a mail scanner) changes nothing
    assert client.post(url).status_code == 200
    follow.refresh_from_db()
    assert follow.stopped_at is not None
    assert _digest(mailoutbox, django_capture_on_commit_callbacks) == 0


def test_a_forged_stop_link_gives_404(client, follow):
    assert client.get(reverse("portal_interests:follow-stop-link", args=[f"{follow.pk}:forged"])).status_code == 404


def test_a_followed_profile_that_changed_is_told(
    representative_a, organisation_a, profile_b, mailoutbox, django_capture_on_commit_callbacks
):
    week_ago = timezone.now() - datetime.timedelta(days=7)
    PartneringProfile.objects.filter(pk=profile_b.pk).update(updated=week_ago - datetime.timedelta(days=1))
    followed = follow_profile(user=representative_a.user, organisation=organisation_a, profile=profile_b)
    Follow.objects.filter(pk=followed.pk).update(created=week_ago)
    assert _digest(mailoutbox, django_capture_on_commit_callbacks) == 0  # unchanged since the follow began

    PartneringProfile.objects.filter(pk=profile_b.pk).update(
        state=ProfileState.WITHDRAWN, updated=timezone.now() + datetime.timedelta(days=1)
    )
    assert _digest(mailoutbox, django_capture_on_commit_callbacks, now=timezone.now() + datetime.timedelta(days=2)) == 1
    assert profile_b.title in mailoutbox[0].subject
    assert reverse("portal_interests:express", args=[profile_b.pk]) not in mailoutbox[0].body


def test_following_an_unpublished_profile_is_refused(representative_a, organisation_a, organisation_b):
    draft = factories.PartneringProfileFactory(organisation=organisation_b)
    with pytest.raises(ValidationError):
        follow_profile(user=representative_a.user, organisation=organisation_a, profile=draft)


def test_an_empty_search_is_refused(client_a):
    response = client_a.post(reverse("portal_interests:follows"), {"q": " "})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Follow.objects.exists()


def test_following_a_search_and_a_profile_in_the_portal(client_a, representative_a, profile_b):
    sector = factories.SectorFactory(code="49")
    response = client_a.post(reverse("portal_interests:follows"), {"q": "Sensorik", "sector": sector.pk})
    assert response.status_code == 302
    client_a.post(reverse("portal_interests:follow-profile", args=[profile_b.pk]))
    follows = {f.kind: f for f in Follow.objects.filter(user=representative_a.user)}
    assert follows[FollowKind.SEARCH].query == {"q": "Sensorik", "sector": sector.pk}
    assert follows[FollowKind.PROFILE].profile == profile_b
    page = client_a.get(reverse("portal_interests:follows")).content.decode()
    assert profile_b.title in page and "Sensorik" in page

    client_a.post(reverse("portal_interests:follow-stop", args=[follows[FollowKind.PROFILE].pk]))
    assert Follow.objects.get(pk=follows[FollowKind.PROFILE].pk).stopped_at is not None


def test_another_users_follow_cannot_be_stopped(client_a, representative_b, organisation_b):
    theirs = follow_search(user=representative_b.user, organisation=organisation_b, query={"q": "x"})
    assert client_a.post(reverse("portal_interests:follow-stop", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.stopped_at is None


def test_the_saved_search_filters():
    field = factories.TechnologyFieldFactory()
    division = factories.SectorFactory(code="49")
    group = factories.SectorFactory(code="49.4")
    in_field = _published(title_de="Eins")
    in_field.technology_fields.set([field])
    in_group = _published(title_de="Zwei", summary_en="cold chain transport")
    in_group.sectors.set([group])
    _published(title_de="Drei")
    everything = PartneringProfile.objects.all()

    assert list(saved_search_profiles(everything, {"technology_field": field.pk})) == [in_field]
    assert list(saved_search_profiles(everything, {"sector": division.pk})) == [in_group]
    assert list(saved_search_profiles(everything, {"q": "COLD transport"})) == [in_group]


def test_the_digest_is_a_weekly_job():
    job = PERIODIC_TASKS["Weekly digest of followed profiles and searches"]
    assert job["task"] == "interests.tasks.follow_digests_send"
    assert job["crontab"][4] == "1"
