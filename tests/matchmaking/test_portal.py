"""The portal's partner matches and introductions (double opt-in): the list with score and reasons
and the partner's public profile (never contact details), feedback and changing one's mind,
introduction requests, their decision, withdrawal and e-mails, contact persons shown only after
acceptance, the staff's admin actions, and the permission matrix (anonymous, representative of A,
representative of B, staff): another organisation's id gives 404 and changes nothing."""

import datetime

import pytest
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from matchmaking.choices import ContactRequestState, FeedbackVerdict, GenerationState
from matchmaking.engine import reason_flags as flags
from matchmaking.models.introductions import ContactRequest
from matchmaking.models.matches import MatchFeedback
from matchmaking.reasons import render_one
from matchmaking.services.introductions import contact_request_accept, contact_request_create
from notifications.services import user_language_set
from tests import factories

pytestmark = pytest.mark.django_db

S = ContactRequestState


@pytest.fixture
def organisation_a():
    return factories.OrganisationFactory(name="Alpha Medizintechnik GmbH", city="Leipzig")


@pytest.fixture
def organisation_b():
    return factories.OrganisationFactory(name="Beta Logistik GmbH", city="Chemnitz")


@pytest.fixture
def partner():
    """A's matched partner, with contact details that must not show before an accepted introduction."""
    organisation = factories.OrganisationFactory(
        name="Kühlkette Dresden GmbH",
        email="info@kuehlkette.example.de",
        phone="+49 351 999111",
        street="Geheimweg 7",
        description_de="Temperaturgeführte Transporte klinischer Proben.",
        sectors=[factories.SectorFactory(code="52.29")],
        technology_fields=[factories.TechnologyFieldFactory(slug="logistik")],
    )
    factories.PartneringProfileFactory(organisation=organisation, published=True, title_de="GDP-Kurierfahrten")
    factories.PartneringProfileFactory(organisation=organisation, title_de="Entwurf: noch geheim")
    return organisation


@pytest.fixture
def partner_person(partner):
    """The partner's contact person who consented to introductions."""
    person = factories.ContactFactory(
        organisation=partner, first_name="Petra", last_name="Kühl", email="petra.kuehl@kuehlkette.example.de"
    )
    factories.ConsentRecordFactory(contact=person)
    return person


@pytest.fixture
def match(organisation_a, partner):
    return factories.MatchFactory(organisation=organisation_a, partner=partner, rank=0, score=0.83, reason_flags=0)


@pytest.fixture
def representative_a(organisation_a):
    return factories.RepresentativeFactory(organisation=organisation_a)


@pytest.fixture
def representative_b(organisation_b):
    return factories.RepresentativeFactory(organisation=organisation_b)


@pytest.fixture
def partner_representative(partner):
    return factories.RepresentativeFactory(organisation=partner)


@pytest.fixture
def client_b(client, representative_b):
    client.force_login(representative_b.user)
    return client


@pytest.fixture
def client_partner(client, partner_representative):
    client.force_login(partner_representative.user)
    return client


def _messages(response) -> list[tuple[int, str]]:
    return [(message.level, str(message)) for message in get_messages(response.wsgi_request)]


def _request(requester, target, **kwargs) -> ContactRequest:
    return factories.ContactRequestFactory(requester=requester, target=target, **kwargs)


def _requests() -> list[tuple]:
    return list(ContactRequest.objects.order_by("pk").values_list("requester_id", "target_id", "state", "message"))


# --- anonymous visitors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("portal_matches:matches", []),
        ("portal_matches:match-detail", [1]),
        ("portal_matches:introductions", []),
        ("portal_matches:introduction-detail", [1]),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login(client, name, args):
    url = reverse(name, args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={url}"


def test_anonymous_posts_change_nothing(client, organisation_a, partner, match):
    contact_request = _request(partner, organisation_a)

    responses = [
        client.post(reverse("portal_matches:match-feedback", args=[partner.pk]), {"verdict": "interesting"}),
        client.post(reverse("portal_matches:match-detail", args=[partner.pk]), {"message": "Hallo"}),
        client.post(reverse("portal_matches:introduction-decide", args=[contact_request.pk]), {"decision": "accept"}),
        client.post(reverse("portal_matches:introduction-withdraw", args=[contact_request.pk])),
    ]

    assert [r.status_code for r in responses] == [302] * 4
    assert not MatchFeedback.objects.exists()
    assert _requests() == [(partner.pk, organisation_a.pk, S.REQUESTED, contact_request.message)]


# --- the list of matches -----------------------------------------------------------------------------------


def test_the_list_shows_score_reasons_and_public_profile(client_a, match, partner):
    match.reason_flags = flags.CROSS_SECTOR | flags.SAME_DISTRICT
    match.save()

    response = client_a.get(reverse("portal_matches:matches"))  # German, the default

    assert response.status_code == 200
    assert [m.partner for m in response.context["matches"]] == [partner]
    row = response.context["matches"][0]
    assert row.percent == 83
    assert row.reasons_text == render_one(match, "de")
    assert "unterschiedliche Branchen" in row.reasons_text
    page = response.content.decode()
    assert "Kühlkette Dresden GmbH" in page
    assert "83 %" in page
    assert row.reasons_text in page


def test_the_detail_shows_the_public_profile_but_no_contact_details(client_a, match, partner, partner_person):
    response = client_a.get(reverse("portal_matches:match-detail", args=[partner.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Temperaturgeführte Transporte" in page
    assert "GDP-Kurierfahrten" in page  # published profile
    assert "52.29" in page  # sector
    assert "Entwurf: noch geheim" not in page  # a draft is not public
    for secret in ("info@kuehlkette", "999111", "Geheimweg", "Petra", "petra.kuehl"):
        assert secret not in page


def test_the_list_shows_only_the_active_generation_and_my_organisations_list(client_a, organisation_a, match):
    retired = factories.MatchGenerationFactory(state=GenerationState.RETIRED)
    factories.MatchFactory(generation=retired, organisation=organisation_a, rank=1)
    factories.MatchFactory(rank=0)  # somebody else's list

    response = client_a.get(reverse("portal_matches:matches"))

    assert response.context["matches"] == [match]


def test_a_partner_that_opted_out_since_is_not_shown(client_a, match, partner):
    partner.matchmaking_opt_out = True
    partner.save()

    response = client_a.get(reverse("portal_matches:matches"))

    assert response.context["matches"] == []
    assert client_a.get(reverse("portal_matches:match-detail", args=[partner.pk])).status_code == 404


@pytest.mark.parametrize("matches", [8, 45])
def test_the_list_costs_a_constant_number_of_queries(client_a, organisation_a, django_assert_num_queries, matches):
    for rank in range(matches):
        factories.MatchFactory(organisation=organisation_a, rank=rank)
    client_a.get(reverse("portal_matches:matches"))  # session and caches warm

    # A page of 20 or all 8, one page or three, filtered or not: the same queries. (The set-aside
    # partners are only read under the last page, so the two cases ask for different pages.)
    with django_assert_num_queries(21):
        response = client_a.get(
            reverse("portal_matches:matches"), {"page": 3 if matches > 20 else 1, "kind": "company"}
        )

    assert len(response.context["matches"]) == min(matches, 5 if matches > 20 else 8)


def test_an_unverified_organisation_is_told_why_it_has_no_matches(client):
    representative = factories.RepresentativeFactory(organisation=factories.OrganisationFactory(self_registered=True))
    client.force_login(representative.user)

    response = client.get(reverse("portal_matches:matches"))

    assert response.status_code == 200
    assert response.context["matches"] == []
    assert "verified" in response.content.decode() or "verifiziert" in response.content.decode()


def test_staff_without_a_representation_see_the_empty_state(staff_client, match, partner):
    response = staff_client.get(reverse("portal_matches:matches"))

    assert response.status_code == 200
    assert "matches" not in response.context
    assert staff_client.get(reverse("portal_matches:match-detail", args=[partner.pk])).status_code == 404
    assert (
        staff_client.post(
            reverse("portal_matches:match-feedback", args=[partner.pk]), {"verdict": "interesting"}
        ).status_code
        == 404
    )
    assert not MatchFeedback.objects.exists()


# --- feedback --------------------------------------------------------------------------------------------


def test_marking_a_partner_interesting(client_a, representative_a, organisation_a, partner, match):
    response = client_a.post(reverse("portal_matches:match-feedback", args=[partner.pk]), {"verdict": "interesting"})

    assert response.status_code == 302
    assert response.url == reverse("portal_matches:matches")
    feedback = MatchFeedback.objects.get()
    assert (feedback.organisation, feedback.partner, feedback.verdict, feedback.user) == (
        organisation_a,
        partner,
        FeedbackVerdict.INTERESTING,
        representative_a.user,
    )
    assert [level for level, _ in _messages(response)] == [SUCCESS]


def test_changing_ones_mind_changes_the_one_verdict_of_the_pair(client_a, organisation_a, partner, match):
    client_a.post(reverse("portal_matches:match-feedback", args=[partner.pk]), {"verdict": "interesting"})
    client_a.post(reverse("portal_matches:match-feedback", args=[partner.pk]), {"verdict": "not_relevant"})

    assert list(MatchFeedback.objects.values_list("organisation", "partner", "verdict")) == [
        (organisation_a.pk, partner.pk, FeedbackVerdict.NOT_RELEVANT)
    ]
    assert MatchFeedback.history.count() == 2


def test_a_partner_set_aside_can_be_marked_interesting_again(client_a, organisation_a, partner):
    # "Not relevant" took the partner off the list (no match row any more); the verdict remains.
    factories.MatchFeedbackFactory(organisation=organisation_a, partner=partner, verdict=FeedbackVerdict.NOT_RELEVANT)

    page = client_a.get(reverse("portal_matches:matches"))
    response = client_a.post(reverse("portal_matches:match-feedback", args=[partner.pk]), {"verdict": "interesting"})

    assert list(page.context["set_aside"]) == [partner]
    assert response.status_code == 302
    assert MatchFeedback.objects.get().verdict == FeedbackVerdict.INTERESTING


def test_feedback_returns_to_a_local_next_page_only(client_a, partner, match):
    detail = reverse("portal_matches:match-detail", args=[partner.pk])
    url = reverse("portal_matches:match-feedback", args=[partner.pk])

    local = client_a.post(url, {"verdict": "interesting", "next": detail})
    foreign = client_a.post(url, {"verdict": "interesting", "next": "https://evil.example/"})

    assert local.url == detail
    assert foreign.url == reverse("portal_matches:matches")


@pytest.mark.parametrize("verdict", ["", "great", "pinned"])
def test_an_unknown_verdict_is_refused(client_a, partner, match, verdict):
    response = client_a.post(reverse("portal_matches:match-feedback", args=[partner.pk]), {"verdict": verdict})

    assert response.status_code == 400
    assert not MatchFeedback.objects.exists()


def test_feedback_on_an_organisation_not_in_my_list_gives_404(client_a, organisation_b):
    response = client_a.post(
        reverse("portal_matches:match-feedback", args=[organisation_b.pk]), {"verdict": "interesting"}
    )

    assert response.status_code == 404
    assert not MatchFeedback.objects.exists()


def test_representative_of_b_cannot_act_on_as_list(client_b, organisation_b, partner, match):
    # The partner is in A's list, not in B's: B's representative gets 404 and nothing changes.
    assert client_b.get(reverse("portal_matches:match-detail", args=[partner.pk])).status_code == 404
    response = client_b.post(reverse("portal_matches:match-feedback", args=[partner.pk]), {"verdict": "not_relevant"})
    request = client_b.post(reverse("portal_matches:match-detail", args=[partner.pk]), {"message": "Hallo"})

    assert (response.status_code, request.status_code) == (404, 404)
    assert not MatchFeedback.objects.exists()
    assert not ContactRequest.objects.exists()
    assert client_b.get(reverse("portal_matches:matches")).context["matches"] == []


# --- requesting an introduction -------------------------------------------------------------------------


def test_requesting_an_introduction(
    client_a, representative_a, organisation_a, partner, match, partner_representative, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(
            reverse("portal_matches:match-detail", args=[partner.pk]), {"message": "  Wir suchen Kühltransporte.  "}
        )

    assert response.status_code == 302
    assert response.url == reverse("portal_matches:introductions")
    contact_request = ContactRequest.objects.get()
    assert (contact_request.requester, contact_request.target, contact_request.state) == (
        organisation_a,
        partner,
        S.REQUESTED,
    )
    assert contact_request.message == "Wir suchen Kühltransporte."
    assert contact_request.user == representative_a.user
    assert [mail.to for mail in mailoutbox] == [[partner_representative.user.email]]
    assert "Alpha Medizintechnik GmbH" in mailoutbox[0].subject
    assert "Wir suchen Kühltransporte." in mailoutbox[0].body
    # The requester's contact details are not in the request's e-mail.
    assert representative_a.user.email not in mailoutbox[0].body
    assert organisation_a.email not in mailoutbox[0].body


def test_the_request_mail_is_in_the_recipients_language(
    organisation_a, representative_a, partner, mailoutbox, django_capture_on_commit_callbacks
):
    german = factories.RepresentativeFactory(organisation=partner)
    english = factories.RepresentativeFactory(organisation=partner)
    # The language the representative chose in the portal (stored when they switch).
    user_language_set(user=english.user, language="en")

    with django_capture_on_commit_callbacks(execute=True):
        contact_request_create(requester=organisation_a, target=partner, user=representative_a.user, message="Hallo")

    assert sorted(mail.to for mail in mailoutbox) == sorted([[german.user.email], [english.user.email]])
    german_mail = next(mail for mail in mailoutbox if mail.to == [german.user.email])
    assert german_mail.subject == "Alpha Medizintechnik GmbH möchte Sie kennenlernen"
    english_mail = next(mail for mail in mailoutbox if mail.to == [english.user.email])
    assert english_mail.subject == "Alpha Medizintechnik GmbH would like to be introduced to you"


def test_an_empty_message_is_refused(client_a, partner, match):
    response = client_a.post(reverse("portal_matches:match-detail", args=[partner.pk]), {"message": "   "})

    assert response.status_code == 200
    assert response.context["form"].errors["message"]
    assert not ContactRequest.objects.exists()


def test_a_too_long_message_is_refused(client_a, partner, match):
    response = client_a.post(reverse("portal_matches:match-detail", args=[partner.pk]), {"message": "x" * 1001})

    assert response.status_code == 200
    assert response.context["form"].errors["message"]
    assert not ContactRequest.objects.exists()


def test_a_second_open_request_to_the_same_partner_is_refused(client_a, organisation_a, partner, match):
    first = _request(organisation_a, partner)

    response = client_a.post(reverse("portal_matches:match-detail", args=[partner.pk]), {"message": "Noch einmal"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert list(ContactRequest.objects.all()) == [first]


def test_the_partners_open_request_is_to_be_accepted_instead(organisation_a, representative_a, partner):
    _request(partner, organisation_a)

    with pytest.raises(ValidationError) as error:
        contact_request_create(requester=organisation_a, target=partner, user=representative_a.user, message="Hallo")

    assert error.value.code == "asked_by_partner"
    assert ContactRequest.objects.count() == 1


def test_no_new_request_after_an_accepted_introduction(organisation_a, representative_a, partner):
    _request(partner, organisation_a, state=S.ACCEPTED, decided_at=timezone.now())

    with pytest.raises(ValidationError) as error:
        contact_request_create(requester=organisation_a, target=partner, user=representative_a.user, message="Hallo")

    assert error.value.code == "done"


def test_asking_again_after_a_decline_waits(organisation_a, representative_a, partner):
    declined = _request(
        organisation_a, partner, state=S.DECLINED, decided_at=timezone.now() - datetime.timedelta(days=10)
    )

    with pytest.raises(ValidationError) as error:
        contact_request_create(requester=organisation_a, target=partner, user=representative_a.user, message="Bitte")
    assert error.value.code == "declined_recently"

    declined.decided_at = timezone.now() - datetime.timedelta(days=181)
    declined.save()
    again = contact_request_create(
        requester=organisation_a, target=partner, user=representative_a.user, message="Bitte"
    )
    assert again.state == S.REQUESTED


def test_after_withdrawing_one_may_ask_again(organisation_a, representative_a, partner):
    _request(organisation_a, partner, state=S.WITHDRAWN, decided_at=timezone.now())

    again = contact_request_create(requester=organisation_a, target=partner, user=representative_a.user, message="Doch")

    assert ContactRequest.objects.filter(state=S.REQUESTED).get() == again


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"matchmaking_opt_out": True}, "not_matchable"),
        ({"verification_state": "self_registered", "verified_at": None}, "not_matchable"),
    ],
)
def test_a_partner_outside_matchmaking_cannot_be_asked(organisation_a, representative_a, partner, change, code):
    for name, value in change.items():
        setattr(partner, name, value)
    partner.save()

    with pytest.raises(ValidationError) as error:
        contact_request_create(requester=organisation_a, target=partner, user=representative_a.user, message="Hallo")

    assert error.value.code == code
    assert not ContactRequest.objects.exists()


def test_only_representatives_of_the_requester_may_ask(organisation_a, partner, representative_b, staff_user):
    for user in (representative_b.user, staff_user):
        with pytest.raises(PermissionDenied):
            contact_request_create(requester=organisation_a, target=partner, user=user, message="Hallo")

    assert not ContactRequest.objects.exists()


def test_an_organisation_cannot_ask_for_itself(organisation_a, representative_a):
    with pytest.raises(ValidationError) as error:
        contact_request_create(
            requester=organisation_a, target=organisation_a, user=representative_a.user, message="Hallo"
        )

    assert error.value.code == "self"


# --- the requested side: decision (double opt-in) --------------------------------------------------------


def test_the_target_sees_the_request_without_the_requesters_contact_details(
    client_partner, organisation_a, representative_a, partner
):
    requester_person = factories.ContactFactory(
        organisation=organisation_a, first_name="Anton", email="anton@alpha.example.de"
    )
    factories.ConsentRecordFactory(contact=requester_person)
    contact_request = _request(
        organisation_a, partner, message="Wir suchen Kühltransporte.", user=representative_a.user
    )

    listing = client_partner.get(reverse("portal_matches:introductions"))
    detail = client_partner.get(reverse("portal_matches:introduction-detail", args=[contact_request.pk]))

    assert listing.context["incoming"] == [contact_request]
    for response in (listing, detail):
        page = response.content.decode()
        assert "Alpha Medizintechnik GmbH" in page
        assert "Wir suchen Kühltransporte." in page
        for secret in ("Anton", "anton@alpha", representative_a.user.email, organisation_a.email, organisation_a.phone):
            assert secret not in page
    assert detail.context["partner_contacts"] is None


def test_accepting_shows_both_sides_each_others_consenting_contact_persons(
    client, organisation_a, representative_a, partner, partner_representative, partner_person, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    a_person = factories.ContactFactory(organisation=organisation_a, first_name="Anton", email="anton@alpha.example.de")
    factories.ConsentRecordFactory(contact=a_person)
    no_consent = factories.ContactFactory(organisation=partner, first_name="Norbert", email="norbert@kuehl.example.de")
    withdrawn = factories.ContactFactory(organisation=partner, first_name="Wilma", email="wilma@kuehl.example.de")
    factories.ConsentRecordFactory(contact=withdrawn, withdrawn_at=timezone.now())
    contact_request = _request(organisation_a, partner)
    client.force_login(partner_representative.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal_matches:introduction-decide", args=[contact_request.pk]), {"decision": "accept"}
        )

    assert response.status_code == 302
    contact_request.refresh_from_db()
    assert contact_request.state == S.ACCEPTED
    assert contact_request.decided_at is not None
    assert [mail.to for mail in mailoutbox] == [[representative_a.user.email]]
    # The partner now sees A's person; A sees the partner's consenting person only.
    partner_page = client.get(reverse("portal_matches:introductions")).content.decode()
    assert "anton@alpha.example.de" in partner_page
    client.force_login(representative_a.user)
    a_page = client.get(reverse("portal_matches:introduction-detail", args=[contact_request.pk]))
    assert a_page.context["partner_contacts"] == [partner_person]
    page = a_page.content.decode()
    assert partner_person.email in page
    assert no_consent.email not in page
    assert withdrawn.email not in page


def test_declining_shares_nothing_and_tells_the_requester(
    client_partner, organisation_a, representative_a, partner, partner_person, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    contact_request = _request(organisation_a, partner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_partner.post(
            reverse("portal_matches:introduction-decide", args=[contact_request.pk]), {"decision": "decline"}
        )

    assert response.status_code == 302
    contact_request.refresh_from_db()
    assert contact_request.state == S.DECLINED
    assert [mail.to for mail in mailoutbox] == [[representative_a.user.email]]
    assert partner_person.email not in mailoutbox[0].body


def test_the_requester_cannot_decide_its_own_request(client_a, organisation_a, partner):
    contact_request = _request(organisation_a, partner)

    response = client_a.post(
        reverse("portal_matches:introduction-decide", args=[contact_request.pk]), {"decision": "accept"}
    )

    assert response.status_code == 404
    contact_request.refresh_from_db()
    assert contact_request.state == S.REQUESTED


def test_representative_of_b_cannot_see_or_decide_others_requests(client_b, organisation_a, partner):
    contact_request = _request(organisation_a, partner)

    detail = client_b.get(reverse("portal_matches:introduction-detail", args=[contact_request.pk]))
    decide = client_b.post(
        reverse("portal_matches:introduction-decide", args=[contact_request.pk]), {"decision": "accept"}
    )
    withdraw = client_b.post(reverse("portal_matches:introduction-withdraw", args=[contact_request.pk]))

    assert (detail.status_code, decide.status_code, withdraw.status_code) == (404, 404, 404)
    contact_request.refresh_from_db()
    assert contact_request.state == S.REQUESTED
    assert client_b.get(reverse("portal_matches:introductions")).context["incoming"] == []


def test_staff_without_a_representation_decide_in_the_admin_not_the_portal(staff_client, organisation_a, partner):
    contact_request = _request(organisation_a, partner)

    response = staff_client.post(
        reverse("portal_matches:introduction-decide", args=[contact_request.pk]), {"decision": "accept"}
    )

    assert response.status_code == 404
    contact_request.refresh_from_db()
    assert contact_request.state == S.REQUESTED


@pytest.mark.parametrize("decision", ["", "approve", "maybe"])
def test_an_unknown_decision_changes_nothing(client_partner, organisation_a, partner, decision):
    contact_request = _request(organisation_a, partner)

    response = client_partner.post(
        reverse("portal_matches:introduction-decide", args=[contact_request.pk]), {"decision": decision}
    )

    assert response.status_code == 400
    contact_request.refresh_from_db()
    assert contact_request.state == S.REQUESTED


def test_a_withdrawn_request_cannot_be_accepted(client_partner, organisation_a, partner):
    contact_request = _request(organisation_a, partner, state=S.WITHDRAWN, decided_at=timezone.now())

    response = client_partner.post(
        reverse("portal_matches:introduction-decide", args=[contact_request.pk]), {"decision": "accept"}
    )

    assert response.status_code == 302
    assert [level for level, _ in _messages(response)] == [ERROR]
    contact_request.refresh_from_db()
    assert contact_request.state == S.WITHDRAWN


def test_accepting_twice_changes_nothing_the_second_time(organisation_a, partner, partner_representative):
    contact_request = _request(organisation_a, partner)

    first = contact_request_accept(contact_request=contact_request, user=partner_representative.user)
    second = contact_request_accept(contact_request=contact_request, user=partner_representative.user)

    assert (first, second) == (True, False)
    assert contact_request.history.count() == 2  # created, accepted


# --- withdrawal -----------------------------------------------------------------------------------------


def test_the_requester_withdraws_an_open_request(client_a, organisation_a, partner):
    contact_request = _request(organisation_a, partner)

    response = client_a.post(reverse("portal_matches:introduction-withdraw", args=[contact_request.pk]))

    assert response.status_code == 302
    contact_request.refresh_from_db()
    assert contact_request.state == S.WITHDRAWN
    assert [level for level, _ in _messages(response)] == [SUCCESS]


def test_the_target_cannot_withdraw_the_request(client_partner, organisation_a, partner):
    contact_request = _request(organisation_a, partner)

    response = client_partner.post(reverse("portal_matches:introduction-withdraw", args=[contact_request.pk]))

    assert response.status_code == 404
    contact_request.refresh_from_db()
    assert contact_request.state == S.REQUESTED


def test_an_accepted_request_cannot_be_withdrawn(client_a, organisation_a, partner):
    contact_request = _request(organisation_a, partner, state=S.ACCEPTED, decided_at=timezone.now())

    response = client_a.post(reverse("portal_matches:introduction-withdraw", args=[contact_request.pk]))

    assert [level for level, _ in _messages(response)] == [ERROR]
    contact_request.refresh_from_db()
    assert contact_request.state == S.ACCEPTED


# --- the introductions page -------------------------------------------------------------------------------


def test_the_introductions_page_sorts_requests_by_side_and_state(client_a, organisation_a, partner):
    incoming = _request(factories.OrganisationFactory(), organisation_a)
    outgoing = _request(organisation_a, partner)
    accepted = _request(organisation_a, factories.OrganisationFactory(), state=S.ACCEPTED, decided_at=timezone.now())
    closed = _request(organisation_a, factories.OrganisationFactory(), state=S.DECLINED, decided_at=timezone.now())
    _request(factories.OrganisationFactory(), factories.OrganisationFactory())  # others'

    response = client_a.get(reverse("portal_matches:introductions"))

    assert response.context["incoming"] == [incoming]
    assert response.context["outgoing"] == [outgoing]
    assert response.context["accepted"] == [accepted]
    assert response.context["closed"] == [closed]


# --- staff in the admin ------------------------------------------------------------------------------------


def test_staff_accept_on_behalf_in_the_admin(
    staff_client, staff_user, organisation_a, representative_a, partner, mailoutbox, django_capture_on_commit_callbacks
):
    contact_request = _request(organisation_a, partner)
    other = _request(partner, factories.OrganisationFactory())

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:matchmaking_contactrequest_changelist"),
            {"action": "accept", "_selected_action": [contact_request.pk]},
        )

    assert response.status_code == 302
    contact_request.refresh_from_db()
    other.refresh_from_db()
    assert (contact_request.state, other.state) == (S.ACCEPTED, S.REQUESTED)
    assert contact_request.history.first().history_user == staff_user
    assert [mail.to for mail in mailoutbox] == [[representative_a.user.email]]


def test_staff_decline_in_the_admin_reports_requests_already_closed(staff_client, organisation_a, partner):
    open_request = _request(organisation_a, partner)
    withdrawn = _request(partner, organisation_a, state=S.WITHDRAWN, decided_at=timezone.now())

    response = staff_client.post(
        reverse("admin:matchmaking_contactrequest_changelist"),
        {"action": "decline", "_selected_action": [open_request.pk, withdrawn.pk]},
    )

    open_request.refresh_from_db()
    withdrawn.refresh_from_db()
    assert (open_request.state, withdrawn.state) == (S.DECLINED, S.WITHDRAWN)
    assert sorted(level for level, _ in _messages(response)) == [SUCCESS, ERROR]


def test_the_admin_shows_state_and_decision_date_read_only(staff_client, organisation_a, partner):
    contact_request = _request(organisation_a, partner)
    url = reverse("admin:matchmaking_contactrequest_change", args=[contact_request.pk])

    page = staff_client.get(url)
    staff_client.post(url, {"state": "accepted", "decided_at_0": "2024-01-01", "decided_at_1": "10:00"})

    assert {"state", "decided_at"} <= set(page.context["adminform"].readonly_fields)
    contact_request.refresh_from_db()
    assert (contact_request.state, contact_request.decided_at) == (S.REQUESTED, None)
    assert staff_client.get(reverse("admin:matchmaking_contactrequest_add")).status_code == 403
