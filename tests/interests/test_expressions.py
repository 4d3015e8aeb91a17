"""Expressions of interest: a company answers the questions of another's published profile; the
owner accepts or declines; contact persons are shown only after acceptance (double opt-in). The
permission matrix: anonymous, a user of another organisation, the owner, the sender, staff."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from companies.choices import ProfileState
from interests.choices import InterestState
from interests.models import ExpressionOfInterest
from interests.services.expressions import interest_accept, interest_decline, interest_express, interest_withdraw
from tests import factories

pytestmark = pytest.mark.django_db

ANSWERS = ["2 bis 8 °C", "etwa 40"]


@pytest.fixture
def client_b(client, representative_b):
    client.force_login(representative_b.user)
    return client


@pytest.fixture
def interest(profile_b, organisation_a, representative_a, contact_a):
    return interest_express(
        profile=profile_b,
        organisation=organisation_a,
        user=representative_a.user,
        answers=ANSWERS,
        contact=contact_a,
        message="Wir liefern Kühlboxen.",
    )


def _express_post(contact, **overrides):
    return {"answer_1": ANSWERS[0], "answer_2": ANSWERS[1], "message": "Hallo", "contact": contact.pk, **overrides}


# --- expressing -------------------------------------------------------------------------------------


def test_expressing_interest_answers_the_questions_and_tells_the_owner(
    client_a, profile_b, contact_a, representative_a, representative_b, mailoutbox, django_capture_on_commit_callbacks
):
    page = client_a.get(reverse("portal_interests:express", args=[profile_b.pk])).content.decode()
    assert "Welche Temperaturbereiche brauchen Sie?" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post(reverse("portal_interests:express", args=[profile_b.pk]), _express_post(contact_a))

    interest = ExpressionOfInterest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("portal_interests:detail", args=[interest.pk])
    assert interest.answers == [
        {"question": "Welche Temperaturbereiche brauchen Sie?", "answer": "2 bis 8 °C"},
        {"question": "Wie viele Sendungen im Monat?", "answer": "etwa 40"},
    ]
    assert (interest.state, interest.user, interest.contact) == (
        InterestState.REQUESTED,
        representative_a.user,
        contact_a,
    )
    assert [mail.to for mail in mailoutbox] == [[representative_b.user.email]]
    # Not a word of the interested side's contact details in the owner's e-mail.
    assert contact_a.email not in mailoutbox[0].body
    assert representative_a.user.email not in mailoutbox[0].body
    assert interest.history.latest().history_change_reason == "interests.interest.expressed"


def test_a_missing_answer_is_a_form_error(client_a, profile_b, contact_a):
    response = client_a.post(
        reverse("portal_interests:express", args=[profile_b.pk]), _express_post(contact_a, answer_2=" ")
    )
    assert response.status_code == 200
    assert "answer_2" in response.context["form"].errors
    assert not ExpressionOfInterest.objects.exists()


def test_a_contact_without_consent_cannot_be_named(client_a, profile_b, organisation_a, contact_a):
    without = factories.ContactFactory(organisation=organisation_a)
    response = client_a.post(reverse("portal_interests:express", args=[profile_b.pk]), _express_post(without))
    assert "contact" in response.context["form"].errors
    assert not ExpressionOfInterest.objects.exists()


def test_the_own_profile_is_refused(organisation_b, representative_b, contact_b, profile_b):
    with pytest.raises(ValidationError) as caught:
        interest_express(
            profile=profile_b,
            organisation=organisation_b,
            user=representative_b.user,
            answers=ANSWERS,
            contact=contact_b,
        )
    assert caught.value.code == "own_profile"


@pytest.mark.parametrize("state", [ProfileState.DRAFT, ProfileState.SUBMITTED, ProfileState.ON_HOLD])
def test_an_unpublished_profile_is_refused(
    client_a, organisation_a, organisation_b, representative_a, contact_a, state
):
    profile = factories.PartneringProfileFactory(organisation=organisation_b, state=state)
    with pytest.raises(ValidationError) as caught:
        interest_express(
            profile=profile, organisation=organisation_a, user=representative_a.user, answers=[], contact=contact_a
        )
    assert caught.value.code == "not_published"
    assert client_a.get(reverse("portal_interests:express", args=[profile.pk])).status_code == 404


def test_a_second_open_interest_is_refused(interest, profile_b, organisation_a, representative_a, contact_a):
    with pytest.raises(ValidationError) as caught:
        interest_express(
            profile=profile_b,
            organisation=organisation_a,
            user=representative_a.user,
            answers=ANSWERS,
            contact=contact_a,
        )
    assert caught.value.code == "already_expressed"


def test_after_withdrawing_interest_can_be_expressed_again(
    interest, profile_b, organisation_a, representative_a, contact_a
):
    interest_withdraw(interest=interest, user=representative_a.user)
    again = interest_express(
        profile=profile_b, organisation=organisation_a, user=representative_a.user, answers=ANSWERS, contact=contact_a
    )
    assert again.pk != interest.pk


# --- the permission matrix ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["detail", "accept", "decline", "withdraw"])
def test_anonymous_visitors_are_sent_to_the_login(client, interest, name):
    method = client.get if name == "detail" else client.post
    response = method(reverse(f"portal_interests:{name}", args=[interest.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    interest.refresh_from_db()
    assert interest.state == InterestState.REQUESTED


def test_anonymous_visitors_cannot_express_interest(client, profile_b):
    response = client.post(reverse("portal_interests:express", args=[profile_b.pk]), {"message": "x"})
    assert response.status_code == 302
    assert not ExpressionOfInterest.objects.exists()


@pytest.mark.parametrize("name", ["detail", "accept", "decline", "withdraw"])
def test_a_user_of_another_organisation_gets_404(client, interest, name):
    stranger = factories.RepresentativeFactory(administrator=True)
    client.force_login(stranger.user)
    method = client.get if name == "detail" else client.post
    assert method(reverse(f"portal_interests:{name}", args=[interest.pk])).status_code == 404
    interest.refresh_from_db()
    assert interest.state == InterestState.REQUESTED
    with pytest.raises(PermissionDenied):
        interest_decline(interest=interest, user=stranger.user)


@pytest.mark.parametrize("name", ["detail", "accept", "decline", "withdraw"])
def test_staff_without_a_representation_get_404_and_cannot_decide(staff_client, staff_user, interest, contact_b, name):
    method = staff_client.get if name == "detail" else staff_client.post
    assert method(reverse(f"portal_interests:{name}", args=[interest.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        interest_accept(interest=interest, user=staff_user, contact=contact_b)
    interest.refresh_from_db()
    assert interest.state == InterestState.REQUESTED


def test_staff_read_it_in_the_admin(staff_client, interest):
    url = reverse("admin:interests_expressionofinterest_change", args=[interest.pk])
    assert staff_client.get(url).status_code == 200


def test_the_sender_cannot_accept_or_decline(client_a, interest, representative_a, contact_b):
    assert (
        client_a.post(reverse("portal_interests:accept", args=[interest.pk]), {"contact": contact_b.pk}).status_code
        == 403
    )
    assert client_a.post(reverse("portal_interests:decline", args=[interest.pk])).status_code == 403
    with pytest.raises(PermissionDenied):
        interest_accept(interest=interest, user=representative_a.user, contact=contact_b)
    interest.refresh_from_db()
    assert interest.state == InterestState.REQUESTED


def test_the_owner_cannot_withdraw(client_b, interest):
    assert client_b.post(reverse("portal_interests:withdraw", args=[interest.pk])).status_code == 403
    interest.refresh_from_db()
    assert interest.state == InterestState.REQUESTED


def test_the_sender_withdraws_and_the_owner_is_told(
    client_a, interest, representative_b, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(reverse("portal_interests:withdraw", args=[interest.pk]))
    interest.refresh_from_db()
    assert interest.state == InterestState.WITHDRAWN
    assert [mail.to for mail in mailoutbox] == [[representative_b.user.email]]


def test_the_owner_declines_and_cannot_accept_later(
    client_b, interest, representative_a, representative_b, contact_b, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_b.post(reverse("portal_interests:decline", args=[interest.pk]))
    interest.refresh_from_db()
    assert (interest.state, interest.decided_by) == (InterestState.DECLINED, representative_b.user)
    assert [mail.to for mail in mailoutbox] == [[representative_a.user.email]]

    with pytest.raises(ValidationError) as caught:
        interest_accept(interest=interest, user=representative_b.user, contact=contact_b)
    assert caught.value.code == "closed"
    client_b.post(reverse("portal_interests:accept", args=[interest.pk]), {"contact": contact_b.pk})
    interest.refresh_from_db()
    assert interest.state == InterestState.DECLINED
    page = client_b.get(reverse("portal_interests:detail", args=[interest.pk])).content.decode()
    assert "anna.albrecht@alpha.example.de" not in page


# --- contact details: absent before acceptance, present after ------------------------------------------


def test_contact_details_are_exchanged_only_on_acceptance(
    client, interest, representative_a, representative_b, contact_a, contact_b, mailoutbox,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    url = reverse("portal_interests:detail", args=[interest.pk])
    client.force_login(representative_b.user)
    owner_page = client.get(url).content.decode()
    assert "2 bis 8 °C" in owner_page and "Wir liefern Kühlboxen." in owner_page
    assert contact_a.email not in owner_page and "Albrecht" not in owner_page
    client.force_login(representative_a.user)
    sender_page = client.get(url).content.decode()
    assert contact_b.email not in sender_page and "Berger" not in sender_page

    client.force_login(representative_b.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal_interests:accept", args=[interest.pk]), {"contact": contact_b.pk})
    assert response.status_code == 302
    interest.refresh_from_db()
    assert (interest.state, interest.owner_contact) == (InterestState.ACCEPTED, contact_b)
    assert [mail.to for mail in mailoutbox] == [[representative_a.user.email]]

    owner_page = client.get(url).content.decode()
    assert contact_a.email in owner_page and "Anna Albrecht" in owner_page
    assert str(contact_a.phone) in owner_page
    client.force_login(representative_a.user)
    sender_page = client.get(url).content.decode()
    assert contact_b.email in sender_page and "Bernd Berger" in sender_page


def test_a_withdrawn_consent_hides_the_person_again(interest, representative_b, contact_a, contact_b, client):
    interest_accept(interest=interest, user=representative_b.user, contact=contact_b)
    contact_a.consents.update(withdrawn_at=contact_a.created)
    client.force_login(representative_b.user)
    page = client.get(reverse("portal_interests:detail", args=[interest.pk])).content.decode()
    assert contact_a.email not in page


def test_the_owner_must_name_a_consenting_person_to_accept(interest, representative_b, organisation_b):
    without = factories.ContactFactory(organisation=organisation_b)
    with pytest.raises(ValidationError):
        interest_accept(interest=interest, user=representative_b.user, contact=without)
    interest.refresh_from_db()
    assert interest.state == InterestState.REQUESTED


# --- lists and the home -------------------------------------------------------------------------------


def test_the_inbox_and_the_sent_list(client, interest, representative_a, representative_b):
    client.force_login(representative_b.user)
    received = client.get(reverse("portal_interests:received")).context["interests"]
    assert received == [interest]
    assert client.get(reverse("portal_interests:sent")).context["interests"] == []
    client.force_login(representative_a.user)
    assert client.get(reverse("portal_interests:sent")).context["interests"] == [interest]


def test_the_portal_home_lists_interests_awaiting_the_answer(client_b, interest):
    page = client_b.get(reverse("portal:start")).content.decode()
    assert 'id="interests-received"' in page
    assert reverse("portal_interests:detail", args=[interest.pk]) in page


def test_the_sender_home_does_not_list_it(client_a, interest):
    page = client_a.get(reverse("portal:start")).content.decode()
    assert 'id="interests-received"' not in page


def test_the_profile_actions_include(representative_a, profile_b, rf):
    request = rf.get("/portal/")
    request.user = representative_a.user
    context = {"profile": profile_b, "user": representative_a.user, "request": request}
    html = render_to_string("interests/_profile_actions.html", context)
    assert reverse("portal_interests:express", args=[profile_b.pk]) in html
    assert reverse("portal_interests:follow-profile", args=[profile_b.pk]) in html
