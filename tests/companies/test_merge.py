"""Merging duplicate organisations and contact persons (companies.services.merge): every related
record on the survivor, the values staff chose kept, both histories, refusals that change nothing,
the survivor's matches recomputed."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from companies.models.clusters import ClusterMembership
from companies.models.contacts import ConsentRecord, Contact
from companies.models.organisations import Organisation
from companies.services.merge import contact_merge, organisation_merge
from delegations.models import DelegationParticipant
from fairs.models import BoothRegistration
from matchmaking.models.introductions import ContactRequest
from matchmaking.models.matches import Match
from outbox.models import OutboxMessage
from projects.models import InvestmentProject, WorkshopParticipant
from tests.factories import (
    BoothRegistrationFactory,
    ClusterFactory,
    ClusterMembershipFactory,
    ConsentRecordFactory,
    ContactFactory,
    ContactRequestFactory,
    DelegationParticipantFactory,
    InvestmentProjectFactory,
    JointBoothFactory,
    MatchExclusionFactory,
    MatchFactory,
    MatchFeedbackFactory,
    MatchOverrideFactory,
    OrganisationFactory,
    PartnerApiKeyFactory,
    PartneringProfileFactory,
    ProgrammeItemFactory,
    RepresentativeFactory,
    SectorFactory,
    UserFactory,
    WorkshopParticipantFactory,
    WorkshopSessionFactory,
)
from tests.factories_events import WorkshopJoinRequestFactory

pytestmark = pytest.mark.django_db


def everything(organisation, third, shared_cluster):
    """One record of every kind that refers to ``organisation``."""
    contact = ContactFactory(organisation=organisation, is_primary=True)
    records = {
        "contact": contact,
        "consent": ConsentRecordFactory(contact=contact),
        "membership": ClusterMembershipFactory(organisation=organisation),
        "shared_membership": ClusterMembershipFactory(organisation=organisation, cluster=shared_cluster),
        "profile": PartneringProfileFactory(organisation=organisation),
        "representative": RepresentativeFactory(organisation=organisation),
        "api_key": PartnerApiKeyFactory(organisation=organisation),
        "managed_cluster": ClusterFactory(managing_organisation=organisation),
        "booth_registration": BoothRegistrationFactory(organisation=organisation, contact=contact),
        "participant": DelegationParticipantFactory(organisation=organisation, contact=contact),
        "programme_item": ProgrammeItemFactory(host=organisation),
        "workshop_participant": WorkshopParticipantFactory(organisation=organisation),
        "join_request": WorkshopJoinRequestFactory(organisation=organisation),
        "session": WorkshopSessionFactory(host=organisation),
        "investment": InvestmentProjectFactory(investor=organisation),
        "feedback": MatchFeedbackFactory(organisation=organisation, partner=third),
        "override": MatchOverrideFactory(organisation=third, partner=organisation),
        "exclusion": MatchExclusionFactory(organisation=organisation, other=third),
        "request": ContactRequestFactory(requester=organisation, target=third),
        "match": MatchFactory(organisation=organisation, partner=third, rank=0),
    }
    partnered = InvestmentProjectFactory()
    partnered.partner_organisations.add(organisation)
    records["partnered_project"] = partnered
    organisation.sectors.add(SectorFactory())
    return records


@pytest.fixture
def pair():
    shared = ClusterFactory(name="Gemeinsamer Cluster")
    survivor = OrganisationFactory(name="Sensorik Nord GmbH", city="Dresden", vat_id="")
    other = OrganisationFactory(name="Sensorik Nord", city="Radebeul", vat_id="DE123456789")
    own = everything(survivor, OrganisationFactory(name="Dritte GmbH"), shared)
    return survivor, other, own, everything(other, OrganisationFactory(name="Vierte GmbH"), shared)


def test_a_merge_moves_every_related_record_to_the_survivor(pair):
    survivor, other, own, moved = pair
    between = ContactRequestFactory(requester=survivor, target=other)
    staff = UserFactory(is_staff=True)
    other_pk = other.pk

    result = organisation_merge(
        survivor=survivor, other=other, choices={"vat_id": "other", "city": "survivor"}, user=staff
    )

    assert not Organisation.objects.filter(pk=other_pk).exists()
    survivor.refresh_from_db()
    assert survivor.vat_id == "DE123456789" and survivor.city == "Dresden"
    assert survivor.contacts.count() == 2
    assert survivor.contacts.filter(is_primary=True).get() == own["contact"]
    moved_contact = Contact.objects.get(pk=moved["contact"].pk)
    assert moved_contact.organisation == survivor and ConsentRecord.objects.get(pk=moved["consent"].pk)
    assert ClusterMembership.objects.filter(pk=moved["membership"].pk, organisation=survivor).exists()
    assert not ClusterMembership.objects.filter(pk=moved["shared_membership"].pk).exists()
    assert survivor.cluster_memberships.count() == 3
    for key, attribute in [
        ("profile", "organisation"),
        ("representative", "organisation"),
        ("api_key", "organisation"),
        ("managed_cluster", "managing_organisation"),
        ("workshop_participant", "organisation"),
        ("join_request", "organisation"),
        ("feedback", "organisation"),
        ("override", "partner"),
        ("exclusion", "organisation"),
        ("request", "requester"),
        ("programme_item", "host"),
        ("session", "host"),
        ("investment", "investor"),
    ]:
        record = type(moved[key]).objects.get(pk=moved[key].pk)
        assert getattr(record, f"{attribute}_id") == survivor.pk, key
    registration = BoothRegistration.objects.get(pk=moved["booth_registration"].pk)
    assert registration.organisation == survivor and registration.contact == moved_contact
    assert DelegationParticipant.objects.get(pk=moved["participant"].pk).organisation == survivor
    assert set(InvestmentProject.objects.get(pk=moved["partnered_project"].pk).partner_organisations.all()) == {
        survivor
    }
    assert survivor.sectors.count() == 2
    # The other one's matches went with it, and the pair's own introduction.
    assert not Match.objects.filter(pk=moved["match"].pk).exists()
    assert not ContactRequest.objects.filter(pk=between.pk).exists()
    assert result.deleted
    # Both histories name the other one.
    survivor_entry = survivor.history.latest()
    assert survivor_entry.history_change_reason.startswith(f"companies.organisation.merged_in #{other_pk} ")
    assert survivor_entry.history_user == staff
    gone = Organisation.history.filter(id=other_pk).latest()
    assert gone.history_type == "-"
    assert gone.history_change_reason == f"companies.organisation.merged_away #{survivor.pk} {survivor.name}"
    profile_entry = type(moved["profile"]).history.filter(id=moved["profile"].pk).latest()
    assert profile_entry.history_change_reason.startswith("companies.merge.record_moved")
    # Matchmaking treats the survivor as changed.
    assert OutboxMessage.objects.filter(
        task_name="matchmaking.tasks.match_organisation_update", task_args=[survivor.pk]
    ).exists()


def test_both_registered_on_one_booth_refuses_the_merge_and_changes_nothing():
    survivor, other = OrganisationFactory(), OrganisationFactory()
    booth = JointBoothFactory()
    BoothRegistrationFactory(organisation=survivor, booth=booth)
    registration = BoothRegistrationFactory(organisation=other, booth=booth)
    profile = PartneringProfileFactory(organisation=other)

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        organisation_merge(survivor=survivor, other=other, choices={}, user=None)

    assert "booth registration" in refused.value.messages[0]
    assert "already registered for this booth" in refused.value.messages[0]
    assert Organisation.objects.filter(pk=other.pk).exists()
    assert BoothRegistration.objects.get(pk=registration.pk).organisation == other
    profile.refresh_from_db()
    assert profile.organisation == other


def test_two_persons_with_one_e_mail_address_refuse_the_organisation_merge():
    survivor, other = OrganisationFactory(), OrganisationFactory()
    ContactFactory(organisation=survivor, email="info@firma.example")
    ContactFactory(organisation=other, email="info@firma.example")

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        organisation_merge(survivor=survivor, other=other, choices={}, user=None)

    assert "contact person" in refused.value.messages[0]
    assert Organisation.objects.filter(pk=other.pk).exists()


def test_a_merge_with_itself_is_refused():
    organisation = OrganisationFactory()
    with pytest.raises(ValidationError):
        organisation_merge(survivor=organisation, other=organisation, choices={}, user=None)


def test_a_contact_merge_moves_consents_and_registrations_and_keeps_the_chosen_values():
    organisation = OrganisationFactory()
    survivor = ContactFactory(organisation=organisation, first_name="Anna", email="anna@firma.example")
    other = ContactFactory(organisation=organisation, first_name="Anne", email="a.berg@firma.example", position="CTO")
    ConsentRecordFactory(contact=survivor, purpose="matchmaking")
    duplicate_consent = ConsentRecordFactory(contact=other, purpose="matchmaking")
    newsletter = ConsentRecordFactory(contact=other, purpose="newsletter")
    registration = BoothRegistrationFactory(organisation=organisation, contact=other)
    participant = WorkshopParticipantFactory(organisation=organisation, contact=other)
    other_pk = other.pk

    contact_merge(survivor=survivor, other=other, choices={"position": "other"}, user=None)

    survivor.refresh_from_db()
    assert survivor.position == "CTO" and survivor.first_name == "Anna"
    assert not Contact.objects.filter(pk=other_pk).exists()
    assert BoothRegistration.objects.get(pk=registration.pk).contact == survivor
    assert WorkshopParticipant.objects.get(pk=participant.pk).contact == survivor
    newsletter.refresh_from_db()
    duplicate_consent.refresh_from_db()
    assert newsletter.contact == survivor and newsletter.withdrawn_at is None
    # Two active consents for one purpose cannot be: the merged one's is withdrawn, not deleted.
    assert duplicate_consent.contact == survivor and duplicate_consent.withdrawn_at is not None
    assert survivor.history.latest().history_change_reason.startswith(f"companies.contact.merged_in #{other_pk} ")
    assert (
        Contact.history.filter(id=other_pk).latest().history_change_reason.startswith("companies.contact.merged_away")
    )
