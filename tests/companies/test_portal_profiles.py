"""The portal's partnering profiles: list, create, edit, publish, renew, withdraw, the rule for
organisations staff have not verified yet, the renewal reminder job, and the permission matrix
(anonymous, representative of A, representative of B, staff without a representation): another
organisation's profile gives 404 and changes nothing."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from companies.choices import ProfileState, ProfileType
from companies.models.profiles import PartneringProfile
from companies.selectors import public_profiles
from companies.services import profiles as profile_services
from companies.services.organisations import organisation_unverify, partnering_profile_publish
from companies.services.profiles import partnering_profile_create
from companies.tasks import partnering_profile_renewal_reminders_send
from outbox.choices import MessageState
from outbox.models import OutboxMessage
from outbox.relay import deliver_now
from tests import factories
from wfs_portal.schedules import PERIODIC_TASKS

pytestmark = pytest.mark.django_db


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def profile_b(organisation_b, representative_b):
    return factories.PartneringProfileFactory(organisation=organisation_b, published=True)


def _snapshot(profile: PartneringProfile) -> dict:
    fresh = PartneringProfile.objects.get(pk=profile.pk)
    return {
        **{f.attname: getattr(fresh, f.attname) for f in PartneringProfile._meta.concrete_fields},
        "sectors": set(fresh.sectors.values_list("pk", flat=True)),
        "technology_fields": set(fresh.technology_fields.values_list("pk", flat=True)),
    }


def _post(**overrides) -> dict:
    data = {
        "type": ProfileType.TECHNOLOGY_REQUEST,
        "title_de": "Temperaturgeführter Transport klinischer Proben",
        "title_en": "Temperature-controlled transport of clinical samples",
        "summary_de": "Wir suchen einen Logistikpartner.",
        "summary_en": "We look for a logistics partner.",
        "keywords_de": "Kühlkette, Klinik",
        "keywords_en": "",
        "partner_sought_de": "Logistikdienstleister mit GDP-Zertifikat",
        "partner_sought_en": "",
        "target_countries": ["DE", "PL"],
        "stage": "",
        "valid_until": "",
    }
    data.update(overrides)
    return data


# --- permission matrix ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("portal:profile-list", []),
        ("portal:profile-create", []),
        ("portal:profile-edit", [1]),
        ("portal:profile-renew", [1]),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login(client, name, args):
    url = reverse(name, args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={url}"


@pytest.mark.parametrize("name", ["portal:profile-publish", "portal:profile-withdraw", "portal:profile-renew"])
def test_anonymous_posts_change_nothing(client, profile_b, name):
    before = _snapshot(profile_b)

    response = client.post(reverse(name, args=[profile_b.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert _snapshot(profile_b) == before


def test_a_foreign_profile_cannot_be_seen(client_a, profile_b):
    assert client_a.get(reverse("portal:profile-edit", args=[profile_b.pk])).status_code == 404
    assert client_a.get(reverse("portal:profile-renew", args=[profile_b.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("portal:profile-edit", _post(title_de="Gekapert")),
        ("portal:profile-publish", {}),
        ("portal:profile-renew", {}),
        ("portal:profile-withdraw", {}),
    ],
)
def test_a_foreign_profile_cannot_be_changed(client_a, profile_b, name, data):
    before = _snapshot(profile_b)

    response = client_a.post(reverse(name, args=[profile_b.pk]), data)

    assert response.status_code == 404
    assert _snapshot(profile_b) == before


def test_the_list_shows_only_the_active_organisations_profiles(client_a, organisation_a, profile_b):
    mine = factories.PartneringProfileFactory(organisation=organisation_a, title_de="Unser Angebot")

    response = client_a.get(reverse("portal:profile-list"))

    assert response.status_code == 200
    assert response.context["profiles"] == [mine]
    assert profile_b.title not in response.content.decode()


def test_staff_without_a_representation_see_no_profiles_and_cannot_change_any(staff_client, profile_b):
    before = _snapshot(profile_b)

    listing = staff_client.get(reverse("portal:profile-list"))
    create = staff_client.post(reverse("portal:profile-create"), _post())
    edit = staff_client.post(reverse("portal:profile-edit", args=[profile_b.pk]), _post(title_de="Staff"))
    withdraw = staff_client.post(reverse("portal:profile-withdraw", args=[profile_b.pk]))

    assert listing.status_code == 200
    assert listing.context["profiles"] == []
    assert create.status_code == 302 and create.url == reverse("portal:start")
    assert (edit.status_code, withdraw.status_code) == (404, 404)
    assert _snapshot(profile_b) == before
    assert PartneringProfile.objects.count() == 1


def test_a_user_with_a_pending_join_request_cannot_act(client, profile_b):
    pending = factories.RepresentativeFactory(requested=True, organisation=profile_b.organisation)
    client.force_login(pending.user)
    before = _snapshot(profile_b)

    response = client.post(reverse("portal:profile-withdraw", args=[profile_b.pk]))

    assert response.status_code == 404
    assert _snapshot(profile_b) == before


# --- list ------------------------------------------------------------------------------------------


def test_the_list_shows_profiles_in_every_state(client_a, organisation_a):
    for state in (
        ProfileState.DRAFT,
        ProfileState.WITHDRAWN,
        ProfileState.EXPIRED,
        ProfileState.SUBMITTED,
        ProfileState.ON_HOLD,
    ):
        factories.PartneringProfileFactory(organisation=organisation_a, state=state, valid_until=_days(-3))
    factories.PartneringProfileFactory(organisation=organisation_a, published=True)

    response = client_a.get(reverse("portal:profile-list"))

    assert {p.state for p in response.context["profiles"]} == set(ProfileState.values)
    page = response.content.decode()
    assert reverse("portal:profile-create") in page


def test_the_start_page_and_the_navigation_link_the_profiles(client_a):
    page = client_a.get(reverse("portal:start")).content.decode()

    # The start page, and the navigation's two layouts (the header line and the phone's menu).
    assert page.count(f'href="{reverse("portal:profile-list")}"') == 3


# --- create and edit -------------------------------------------------------------------------------


def test_creating_a_draft(client_a, organisation_a, representative_a):
    sector = factories.SectorFactory(code="49.41")
    field = factories.TechnologyFieldFactory(slug="logistik")

    response = client_a.post(reverse("portal:profile-create"), _post(sectors=[sector.pk], technology_fields=[field.pk]))

    assert response.status_code == 302
    assert response.url == reverse("portal:profile-list")
    profile = PartneringProfile.objects.get()
    assert profile.organisation == organisation_a
    assert profile.state == ProfileState.DRAFT
    assert profile.published_at is None
    assert profile.type == ProfileType.TECHNOLOGY_REQUEST
    assert profile.title_en == "Temperature-controlled transport of clinical samples"
    assert list(profile.target_countries) == ["DE", "PL"]
    assert list(profile.sectors.all()) == [sector]
    assert list(profile.technology_fields.all()) == [field]
    assert profile.history.latest().history_user == representative_a.user
    assert profile not in public_profiles()


def test_the_form_has_the_sector_picker(client_a):
    response = client_a.get(reverse("portal:profile-create"))

    page = response.content.decode()
    assert "data-picker" in page
    assert 'name="sectors"' in page
    assert "portal/picker.js" in page


def test_staff_only_fields_in_the_post_are_ignored(client_a, organisation_a, organisation_b):
    client_a.post(
        reverse("portal:profile-create"),
        _post(
            state="published",
            published_at="2020-01-01 00:00",
            organisation=organisation_b.pk,
            renewal_reminder_sent_for="2030-01-01",
        ),
    )

    profile = PartneringProfile.objects.get()
    assert (profile.state, profile.published_at, profile.organisation) == (ProfileState.DRAFT, None, organisation_a)
    assert profile.renewal_reminder_sent_for is None


def test_the_service_refuses_fields_outside_the_profile(representative_a, organisation_a):
    with pytest.raises(ValidationError) as exc_info:
        partnering_profile_create(
            organisation=organisation_a, user=representative_a.user, data={"title_de": "x", "state": "published"}
        )

    assert exc_info.value.code == "staff_only"
    assert not PartneringProfile.objects.exists()


def test_the_service_refuses_a_user_who_does_not_represent_the_organisation(representative_b, organisation_a):
    with pytest.raises(PermissionDenied):
        partnering_profile_create(organisation=organisation_a, user=representative_b.user, data={"title_de": "x"})

    assert not PartneringProfile.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title_de": "", "title_en": ""}, "title_de"),
        ({"type": "joint_venture"}, "type"),
        ({"valid_until": "gestern"}, "valid_until"),
        ({"target_countries": ["XX"]}, "target_countries"),
    ],
)
def test_bad_input_is_refused(client_a, overrides, field):
    response = client_a.post(reverse("portal:profile-create"), _post(**overrides))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not PartneringProfile.objects.exists()


@pytest.mark.parametrize("days", [0, -1, 400], ids=["today", "past", "beyond-one-validity-period"])
def test_a_valid_until_date_outside_the_allowed_range_is_refused(client_a, days):
    response = client_a.post(reverse("portal:profile-create"), _post(valid_until=_days(days).isoformat()))

    assert response.status_code == 200
    assert "valid_until" in response.context["form"].errors
    assert not PartneringProfile.objects.exists()


def test_editing_a_published_profile_keeps_it_published(client_a, organisation_a):
    profile = factories.PartneringProfileFactory(organisation=organisation_a, published=True)
    sector = factories.SectorFactory(code="86.10")

    response = client_a.post(
        reverse("portal:profile-edit", args=[profile.pk]),
        _post(title_de="Neuer Titel", valid_until=profile.valid_until.isoformat(), sectors=[sector.pk]),
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.title_de, profile.state) == ("Neuer Titel", ProfileState.PUBLISHED)
    assert list(profile.sectors.all()) == [sector]
    assert profile in public_profiles()


def test_the_edit_form_shows_the_stored_values(client_a, organisation_a):
    profile = factories.PartneringProfileFactory(organisation=organisation_a, title_en="Cold chain")

    response = client_a.get(reverse("portal:profile-edit", args=[profile.pk]))

    assert response.status_code == 200
    assert response.context["form"].initial["title_en"] == "Cold chain"
    assert "Cold chain" in response.content.decode()


def test_a_published_profile_cannot_lose_its_date(client_a, organisation_a):
    profile = factories.PartneringProfileFactory(organisation=organisation_a, published=True)
    before = _snapshot(profile)

    response = client_a.post(reverse("portal:profile-edit", args=[profile.pk]), _post(valid_until=""))

    assert response.status_code == 200
    assert "valid_until" in response.context["form"].errors
    assert _snapshot(profile) == before


def test_a_longer_date_set_by_staff_survives_an_edit(client_a, organisation_a):
    profile = factories.PartneringProfileFactory(organisation=organisation_a, published=True, valid_until=_days(700))

    response = client_a.post(
        reverse("portal:profile-edit", args=[profile.pk]), _post(valid_until=_days(700).isoformat())
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.valid_until == _days(700)


# --- publish, withdraw ------------------------------------------------------------------------------


def test_publishing_a_draft(client_a, organisation_a, representative_a, settings):
    """Where the agency publishes verified organisations' profiles without review."""
    settings.PUBLISH_VERIFIED_PROFILES_WITHOUT_REVIEW = True
    settings.PARTNERING_PROFILE_VALIDITY_DAYS = 365
    profile = factories.PartneringProfileFactory(organisation=organisation_a)

    response = client_a.post(reverse("portal:profile-publish", args=[profile.pk]))

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.state == ProfileState.PUBLISHED
    assert profile.valid_until == _days(365)
    assert profile.published_at is not None
    assert profile.history.latest().history_user == representative_a.user
    assert profile in public_profiles()


def test_publishing_keeps_the_chosen_date(client_a, organisation_a, settings):
    settings.PUBLISH_VERIFIED_PROFILES_WITHOUT_REVIEW = True
    profile = factories.PartneringProfileFactory(organisation=organisation_a, valid_until=_days(90))

    client_a.post(reverse("portal:profile-publish", args=[profile.pk]))

    profile.refresh_from_db()
    assert (profile.state, profile.valid_until) == (ProfileState.PUBLISHED, _days(90))


def test_withdrawing_a_published_profile(client_a, organisation_a):
    profile = factories.PartneringProfileFactory(organisation=organisation_a, published=True)

    response = client_a.post(reverse("portal:profile-withdraw", args=[profile.pk]))

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.state == ProfileState.WITHDRAWN
    assert profile not in public_profiles()


def test_a_withdrawn_profile_can_be_published_again(client_a, organisation_a, settings):
    settings.PUBLISH_VERIFIED_PROFILES_WITHOUT_REVIEW = True
    profile = factories.PartneringProfileFactory(
        organisation=organisation_a, state=ProfileState.WITHDRAWN, valid_until=_days(-30)
    )

    client_a.post(reverse("portal:profile-publish", args=[profile.pk]))

    profile.refresh_from_db()
    assert profile.state == ProfileState.PUBLISHED
    assert profile.valid_until > timezone.localdate()


@pytest.mark.parametrize("name", ["get", "put"])
def test_publish_and_withdraw_accept_only_post(client_a, organisation_a, name):
    profile = factories.PartneringProfileFactory(organisation=organisation_a)

    response = getattr(client_a, name)(reverse("portal:profile-publish", args=[profile.pk]))

    assert response.status_code == 405
    profile.refresh_from_db()
    assert profile.state == ProfileState.DRAFT


# --- organisations staff have not verified -------------------------------------------------------------


@pytest.fixture
def unverified_client(client):
    representative = factories.RepresentativeFactory(
        organisation=factories.OrganisationFactory(self_registered=True), administrator=True
    )
    client.force_login(representative.user)
    return client, representative.organisation


def test_an_unverified_organisation_prepares_drafts_but_cannot_publish(unverified_client):
    client, organisation = unverified_client
    client.post(reverse("portal:profile-create"), _post())
    profile = PartneringProfile.objects.get(organisation=organisation)

    response = client.post(reverse("portal:profile-publish", args=[profile.pk]), follow=True)

    profile.refresh_from_db()
    assert (profile.state, profile.published_at) == (ProfileState.DRAFT, None)
    with translation.override("de"):
        expected = gettext("The organisation must be verified before its profiles are published.")
    assert expected in response.content.decode()
    assert not public_profiles().filter(organisation=organisation).exists()
    assert reverse("portal:profile-publish", args=[profile.pk]) not in response.content.decode()


def test_a_profile_published_before_staff_withdrew_the_verification_is_not_public(client_a, organisation_a, staff_user):
    profile = factories.PartneringProfileFactory(organisation=organisation_a, published=True)
    organisation_unverify(organisation=organisation_a, user=staff_user)

    response = client_a.get(reverse("portal:profile-list"))
    renew = client_a.post(reverse("portal:profile-renew", args=[profile.pk]))

    assert profile not in public_profiles()
    assert response.context["profiles"][0].is_public is False
    assert renew.status_code == 302
    profile.refresh_from_db()
    assert profile.valid_until == _days(90)  # not renewed either


# --- renew -----------------------------------------------------------------------------------------


def test_the_renewal_page_says_until_when(client_a, organisation_a, settings):
    settings.PARTNERING_PROFILE_VALIDITY_DAYS = 365
    profile = factories.PartneringProfileFactory(organisation=organisation_a, published=True, valid_until=_days(20))

    response = client_a.get(reverse("portal:profile-renew", args=[profile.pk]))

    assert response.status_code == 200
    assert response.context["new_date"] == _days(365)
    assert response.context["renewable"] is True


def test_renewing_counts_one_validity_period_from_today(client_a, organisation_a, representative_a, settings):
    settings.PARTNERING_PROFILE_VALIDITY_DAYS = 365
    published_at = timezone.now() - datetime.timedelta(days=340)
    profile = factories.PartneringProfileFactory(
        organisation=organisation_a, published=True, published_at=published_at, valid_until=_days(25)
    )

    response = client_a.post(reverse("portal:profile-renew", args=[profile.pk]))

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.state == ProfileState.PUBLISHED
    assert profile.valid_until == _days(365)
    assert profile.published_at == published_at
    assert profile.history.latest().history_user == representative_a.user


def test_renewing_twice_does_not_stack_the_validity(client_a, organisation_a, settings):
    settings.PARTNERING_PROFILE_VALIDITY_DAYS = 365
    profile = factories.PartneringProfileFactory(organisation=organisation_a, published=True, valid_until=_days(10))

    client_a.post(reverse("portal:profile-renew", args=[profile.pk]))
    client_a.post(reverse("portal:profile-renew", args=[profile.pk]))

    profile.refresh_from_db()
    assert profile.valid_until == _days(365)


def test_an_expired_profile_is_renewed_into_the_directory(client_a, organisation_a):
    profile = factories.PartneringProfileFactory(
        organisation=organisation_a,
        state=ProfileState.EXPIRED,
        published_at=timezone.now() - datetime.timedelta(days=400),
        valid_until=_days(-2),
    )

    client_a.post(reverse("portal:profile-renew", args=[profile.pk]))

    profile.refresh_from_db()
    assert profile.state == ProfileState.PUBLISHED
    assert profile in public_profiles()


@pytest.mark.parametrize("state", [ProfileState.DRAFT, ProfileState.WITHDRAWN])
def test_drafts_and_withdrawn_profiles_are_not_renewed(client_a, organisation_a, state):
    profile = factories.PartneringProfileFactory(organisation=organisation_a, state=state)
    before = _snapshot(profile)

    response = client_a.post(reverse("portal:profile-renew", args=[profile.pk]), follow=True)

    assert _snapshot(profile) == before
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


# --- renewal reminder -----------------------------------------------------------------------------------


@pytest.fixture
def due_profile(organisation_a, representative_a):
    return factories.PartneringProfileFactory(organisation=organisation_a, published=True, valid_until=_days(30))


@pytest.fixture
def send_reminders(django_capture_on_commit_callbacks):
    """The job, as the beat task runs it: its e-mails go through the outbox, delivered on commit."""

    def send(**kwargs) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return profile_services.partnering_profile_renewal_reminders_send(**kwargs)

    return send


def test_the_reminder_goes_to_the_approved_representatives_30_days_ahead(
    due_profile, organisation_a, representative_a, settings, send_reminders
):
    settings.PORTAL_BASE_URL = "https://portal.wfs.example"
    editor = factories.RepresentativeFactory(organisation=organisation_a)
    factories.RepresentativeFactory(organisation=organisation_a, requested=True)  # not approved
    factories.RepresentativeFactory()  # another organisation's

    assert send_reminders() == 1

    # One e-mail per representative, each in the language they read.
    assert sorted(message.to[0] for message in mail.outbox) == sorted([representative_a.user.email, editor.user.email])
    message = mail.outbox[0]
    assert due_profile.title_de in message.subject
    assert f"https://portal.wfs.example/portal/profiles/{due_profile.pk}/renew/" in message.body
    due_profile.refresh_from_db()
    assert due_profile.renewal_reminder_sent_for == _days(30)


def test_the_reminder_is_sent_once_however_often_the_job_runs(
    due_profile, send_reminders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert partnering_profile_renewal_reminders_send.delay().get() == 1
        assert partnering_profile_renewal_reminders_send.delay().get() == 0
    assert send_reminders(today=_days(1)) == 0

    assert len(mail.outbox) == 1


class _StaleCandidates:
    """What a second run read before the first one claimed the profiles."""

    def __init__(self, rows):
        self.rows = rows

    def values_list(self, *fields):
        return self.rows


def test_a_second_run_that_lost_the_claim_sends_nothing(due_profile, monkeypatch, send_reminders):
    from companies.services import profiles as module

    found = list(module._due_for_reminder(timezone.localdate()).values_list("pk", "valid_until"))
    assert send_reminders() == 1
    monkeypatch.setattr(module, "_due_for_reminder", lambda today: _StaleCandidates(found))

    assert send_reminders() == 0
    assert len(mail.outbox) == 1


def test_no_reminder_when_the_profile_was_renewed_after_the_run_found_it(
    due_profile, monkeypatch, settings, send_reminders
):
    from companies.services import profiles as module

    found = list(module._due_for_reminder(timezone.localdate()).values_list("pk", "valid_until"))
    partnering_profile_publish(
        profile=due_profile, user=due_profile.organisation.representatives.get().user, valid_until=_days(300)
    )
    monkeypatch.setattr(module, "_due_for_reminder", lambda today: _StaleCandidates(found))

    assert send_reminders() == 0
    assert mail.outbox == []


def test_a_renewed_profile_gets_a_reminder_for_its_new_date(due_profile, organisation_a, settings, send_reminders):
    settings.PARTNERING_PROFILE_VALIDITY_DAYS = 365
    send_reminders()
    partnering_profile_publish(
        profile=due_profile, user=organisation_a.representatives.get().user, valid_until=_days(365)
    )

    assert send_reminders() == 0
    assert send_reminders(today=_days(335)) == 1
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    ("state", "days"),
    [
        (ProfileState.PUBLISHED, 31),
        (ProfileState.PUBLISHED, -1),
        (ProfileState.DRAFT, 10),
        (ProfileState.WITHDRAWN, 10),
        (ProfileState.EXPIRED, 10),
    ],
    ids=["published-later", "published-past", "draft", "withdrawn", "expired"],
)
def test_no_reminder_for_profiles_not_due(organisation_a, representative_a, state, days, send_reminders):
    published_at = timezone.now() if state != ProfileState.DRAFT else None
    factories.PartneringProfileFactory(
        organisation=organisation_a, state=state, published_at=published_at, valid_until=_days(days)
    )

    assert send_reminders() == 0
    assert mail.outbox == []


def test_a_day_the_job_did_not_run_is_made_up_for(organisation_a, representative_a, send_reminders):
    factories.PartneringProfileFactory(organisation=organisation_a, published=True, valid_until=_days(12))

    assert send_reminders() == 1


def test_no_reminder_for_an_organisation_staff_no_longer_verify(
    due_profile, organisation_a, staff_user, send_reminders
):
    organisation_unverify(organisation=organisation_a, user=staff_user)

    assert send_reminders() == 0
    due_profile.refresh_from_db()
    assert due_profile.renewal_reminder_sent_for is None


def test_a_mail_server_that_is_down_delays_the_reminder_and_loses_nothing(
    due_profile, representative_a, send_reminders, settings
):
    settings.EMAIL_BACKEND = "tests.mail.UnreachableBackend"

    assert send_reminders() == 1

    # Claimed once, and waiting in the outbox while the server is away; a second run adds nothing.
    due_profile.refresh_from_db()
    assert due_profile.renewal_reminder_sent_for == _days(30)
    waiting = OutboxMessage.objects.get(topic="companies.profile_renewal_reminder")
    assert waiting.state == MessageState.PENDING and "Connection refused" in waiting.last_error
    assert send_reminders() == 0
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    deliver_now([waiting.pk])

    assert [message.to for message in mail.outbox] == [[representative_a.user.email]]
    assert OutboxMessage.objects.get(pk=waiting.pk).state == MessageState.SENT


def test_the_reminder_job_is_scheduled():
    tasks = {entry["task"] for entry in PERIODIC_TASKS.values()}

    assert "companies.tasks.partnering_profile_renewal_reminders_send" in tasks
