"""Invariants of the companies models: every named database constraint rejects bad data both in
``full_clean()`` (with its own message) and at the database; the rules of ``clean()``; the NACE data."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone, translation

from companies.choices import DuplicateKind, ProfileState, ProfileType, VerificationState
from companies.models.classifications import Sector
from companies.models.duplicates import DuplicateSearch, PossibleDuplicate
from companies.models.organisations import Organisation
from companies.models.profiles import PartneringProfile, ProfileReferenceCounter
from tests.constraints import constraint_tests
from tests.factories import (
    ClusterFactory,
    ClusterMembershipFactory,
    ConsentRecordFactory,
    ContactFactory,
    OrganisationFactory,
    PartneringProfileFactory,
    RepresentativeFactory,
    TechnologyFieldFactory,
)
from tests.factories_interests import ProfileReviewFactory
from wfs_portal.choices import District

pytestmark = pytest.mark.django_db


def _duplicate_vat_id():
    OrganisationFactory(vat_id="DE123456789")
    return OrganisationFactory.build(vat_id="DE123456789")


def _duplicate_register_entry():
    OrganisationFactory(register_court="Amtsgericht Dresden", register_number="HRB 12345")
    return OrganisationFactory.build(register_court="Amtsgericht Dresden", register_number="HRB 12345")


def _second_membership():
    membership = ClusterMembershipFactory()
    return ClusterMembershipFactory.build(cluster=membership.cluster, organisation=membership.organisation)


def _second_primary_contact():
    contact = ContactFactory(is_primary=True)
    return ContactFactory.build(organisation=contact.organisation, is_primary=True)


def _second_contact_with_same_email():
    contact = ContactFactory(email="anna.schulze@firma.example.de")
    return ContactFactory.build(organisation=contact.organisation, email="anna.schulze@firma.example.de")


def _second_active_consent():
    consent = ConsentRecordFactory()
    return ConsentRecordFactory.build(contact=consent.contact, purpose=consent.purpose)


def _second_representation():
    first = RepresentativeFactory()
    return RepresentativeFactory.build(user=first.user, organisation=first.organisation)


def _decided_without_date():
    return RepresentativeFactory.build(
        user=RepresentativeFactory().user, organisation=OrganisationFactory(), declined=True, decided_at=None
    )


def _review(**fields):
    """An unsaved review of a saved profile; the scores 3, 3, 3, 3 (12 points, published) unless set."""
    values = {"innovation": 3, "clarity": 3, "cooperation": 3, "language": 3, "total": 12, "published": True}
    values["comment"] = ""
    return ProfileReviewFactory.build(profile=PartneringProfileFactory(), reviewer=None, **{**values, **fields})


# Constraint name -> a function returning an unsaved instance that violates exactly that constraint.


def _organisation_pair(**fields):
    first, second = OrganisationFactory(), OrganisationFactory()
    return PossibleDuplicate(
        kind=DuplicateKind.ORGANISATION,
        first_organisation=first,
        second_organisation=second,
        score=90,
        computed_at=timezone.now(),
        **fields,
    )


def _contact_pair(**fields):
    first, second = ContactFactory(), ContactFactory()
    return PossibleDuplicate(
        kind=DuplicateKind.CONTACT,
        first_contact=first,
        second_contact=second,
        score=90,
        computed_at=timezone.now(),
        **fields,
    )


def _self_pair_of_organisations():
    organisation = OrganisationFactory()
    return PossibleDuplicate(
        kind=DuplicateKind.ORGANISATION,
        first_organisation=organisation,
        second_organisation=organisation,
        score=90,
        computed_at=timezone.now(),
    )


def _self_pair_of_contacts():
    contact = ContactFactory()
    return PossibleDuplicate(
        kind=DuplicateKind.CONTACT, first_contact=contact, second_contact=contact, score=90, computed_at=timezone.now()
    )


def _stored_again(pair):
    pair.save()
    return PossibleDuplicate(
        kind=pair.kind,
        first_organisation=pair.first_organisation,
        second_organisation=pair.second_organisation,
        first_contact=pair.first_contact,
        second_contact=pair.second_contact,
        score=80,
        computed_at=timezone.now(),
    )


def _second_waiting_search():
    DuplicateSearch.objects.create(kind=DuplicateKind.ORGANISATION)
    return DuplicateSearch(kind=DuplicateKind.ORGANISATION)


def _second_counter():
    ProfileReferenceCounter.objects.create(profile_type=ProfileType.TECHNOLOGY_OFFER, year=2027, last_number=3)
    return ProfileReferenceCounter(profile_type=ProfileType.TECHNOLOGY_OFFER, year=2027, last_number=1)


def _second_profile_with_reference():
    PartneringProfileFactory(organisation=OrganisationFactory(), reference="WFS-TO-2027-0001")
    return PartneringProfileFactory.build(organisation=OrganisationFactory(), reference="WFS-TO-2027-0001")


VIOLATIONS = {
    "companies_representative_unique_user_organisation": _second_representation,
    "companies_representative_decided_has_date": _decided_without_date,
    "companies_sector_parent_matches_level": lambda: Sector(
        code="99.991", level=Sector.Level.GROUP, parent=None, name_de="Test", name_en="Test"
    ),
    "companies_organisation_district_only_in_germany": lambda: OrganisationFactory.build(
        country="AT", postal_code="1010", city="Wien", district=District.DRESDEN
    ),
    "companies_organisation_founded_plausible": lambda: OrganisationFactory.build(founded=999),
    "companies_organisation_verified_has_date": lambda: OrganisationFactory.build(
        verification_state=VerificationState.VERIFIED, verified_at=None
    ),
    "companies_organisation_unique_vat_id": _duplicate_vat_id,
    "companies_organisation_unique_register_entry": _duplicate_register_entry,
    "companies_clustermembership_unique_member": _second_membership,
    "companies_clustermembership_until_after_since": lambda: ClusterMembershipFactory.build(
        cluster=ClusterFactory(),
        organisation=OrganisationFactory(),
        since=datetime.date(2022, 1, 1),
        until=datetime.date(2021, 12, 31),
    ),
    "companies_contact_one_primary_per_organisation": _second_primary_contact,
    "companies_contact_unique_email_per_organisation": _second_contact_with_same_email,
    "companies_consentrecord_one_active_per_purpose": _second_active_consent,
    "companies_consentrecord_withdrawn_after_given": lambda: ConsentRecordFactory.build(
        contact=ContactFactory(),
        given_at=timezone.now(),
        withdrawn_at=timezone.now() - datetime.timedelta(days=1),
    ),
    "companies_partneringprofile_has_title": lambda: PartneringProfileFactory.build(
        organisation=OrganisationFactory(), title_de="", title_en=""
    ),
    "companies_partneringprofile_published_has_dates": lambda: PartneringProfileFactory.build(
        organisation=OrganisationFactory(), state=ProfileState.PUBLISHED, published_at=timezone.now(), valid_until=None
    ),
    "companies_profilereview_scores_at_most_five": lambda: _review(innovation=6, total=15),
    "companies_profilereview_total_is_sum": lambda: _review(total=11),
    "companies_profilereview_published_from_total": lambda: _review(published=False, comment="Zu knapp."),
    "companies_profilereview_on_hold_has_comment": lambda: _review(
        innovation=2, clarity=2, cooperation=2, language=2, total=8, published=False
    ),
    "companies_possibleduplicate_records_of_its_kind": lambda: _organisation_pair(first_contact=ContactFactory()),
    "companies_possibleduplicate_not_self_organisation": lambda: _self_pair_of_organisations(),
    "companies_possibleduplicate_not_self_contact": lambda: _self_pair_of_contacts(),
    "companies_possibleduplicate_one_per_organisation_pair": lambda: _stored_again(_organisation_pair()),
    "companies_possibleduplicate_one_per_contact_pair": lambda: _stored_again(_contact_pair()),
    "companies_duplicatesearch_one_waiting_per_kind": _second_waiting_search,
    "companies_profilereferencecounter_one_per_year": _second_counter,
    "companies_partneringprofile_unique_reference": _second_profile_with_reference,
}


(
    test_every_named_constraint_has_a_violation_case,
    test_full_clean_rejects_violation_with_the_constraint_message,
    test_database_rejects_violation_without_full_clean,
) = constraint_tests("companies", VIOLATIONS)


@pytest.mark.parametrize(
    "factory",
    [
        OrganisationFactory,
        ClusterFactory,
        ClusterMembershipFactory,
        ContactFactory,
        ConsentRecordFactory,
        PartneringProfileFactory,
        TechnologyFieldFactory,
        RepresentativeFactory,
    ],
)
def test_factory_creates_a_valid_object(factory):
    factory().full_clean()


def test_published_profile_factory_creates_a_valid_object():
    PartneringProfileFactory(published=True).full_clean()


def test_self_registered_organisation_factory_creates_a_valid_object():
    organisation = OrganisationFactory(self_registered=True)
    organisation.full_clean()
    assert organisation.verification_state == VerificationState.SELF_REGISTERED
    assert organisation.verified_at is None


def test_organisation_factory_is_verified_by_default():
    organisation = OrganisationFactory()
    assert organisation.verification_state == VerificationState.VERIFIED
    assert organisation.verified_at is not None


def test_technology_field_factory_fetches_a_migrated_field():
    field = TechnologyFieldFactory(slug="logistik")
    assert field.name_de == "Logistik"


def test_technology_field_factory_creates_a_new_field_on_request():
    field = TechnologyFieldFactory(new=True)
    field.full_clean()
    assert field.slug.startswith("technologiefeld-")


# --- Organisation.clean() --------------------------------------------------------------------


@pytest.mark.parametrize("postal_code", ["0106", "010677", "O1067", "01 06"])
def test_german_postal_code_must_have_five_digits(postal_code):
    organisation = OrganisationFactory.build(country="DE", postal_code=postal_code)
    with translation.override("en"):  # lazy messages are rendered on comparison
        with pytest.raises(ValidationError) as exc_info:
            organisation.full_clean()
        assert exc_info.value.message_dict["postal_code"] == ["A German postal code has five digits."]


def test_german_postal_code_with_five_digits_is_accepted():
    OrganisationFactory.build(country="DE", postal_code="01067").full_clean()


def test_foreign_postal_code_is_not_held_to_the_german_format():
    OrganisationFactory.build(abroad=True, country="GB", postal_code="SW1A 1AA", city="London").full_clean()


def test_year_founded_cannot_lie_in_the_future():
    organisation = OrganisationFactory.build(founded=timezone.localdate().year + 1)
    with translation.override("en"):  # lazy messages are rendered on comparison
        with pytest.raises(ValidationError) as exc_info:
            organisation.full_clean()
        assert exc_info.value.message_dict["founded"] == ["The year founded cannot lie in the future."]


def test_year_founded_may_be_the_current_year():
    OrganisationFactory.build(founded=timezone.localdate().year).full_clean()


# --- the NACE Rev. 2 classification loaded by the data migration ------------------------------


def test_sector_table_has_all_996_nace_codes():
    assert Sector.objects.count() == 996


@pytest.mark.parametrize(
    ("level", "count"),
    [(Sector.Level.SECTION, 21), (Sector.Level.DIVISION, 88), (Sector.Level.GROUP, 272), (Sector.Level.CLASS, 615)],
)
def test_sector_table_has_the_nace_count_per_level(level, count):
    assert Sector.objects.filter(level=level).count() == count


def test_every_sector_below_a_section_has_a_parent_one_level_up():
    children = Sector.objects.exclude(level=Sector.Level.SECTION).select_related("parent")
    assert all(sector.parent is not None and sector.parent.level == sector.level - 1 for sector in children)


def test_sections_have_no_parent():
    assert not Sector.objects.filter(level=Sector.Level.SECTION, parent__isnull=False).exists()


def test_every_sector_has_a_german_and_an_english_name():
    assert not Sector.objects.filter(Q(name_de="") | Q(name_en="")).exists()


def test_no_sector_name_has_surrounding_whitespace():
    names = Sector.objects.values_list("code", "name_de", "name_en")
    assert [code for code, de, en in names if de != de.strip() or en != en.strip()] == []


def test_sector_section_walks_up_to_the_letter():
    assert Sector.objects.get(code="26.60").section.code == "C"


def test_six_technology_fields_are_migrated():
    from tests.factories import TECHNOLOGY_FIELD_SLUGS

    assert set(TECHNOLOGY_FIELD_SLUGS) <= set(
        apps.get_model("companies", "TechnologyField").objects.values_list("slug", flat=True)
    )


def test_organisation_is_verified_property():
    assert OrganisationFactory.build().is_verified
    assert not OrganisationFactory.build(self_registered=True).is_verified


def test_profile_language_is_the_language_of_its_title():
    assert PartneringProfile(title_de="", title_en="Cold chain").language == "en"
    assert PartneringProfile(title_de="Kühlkette", title_en="Cold chain").language == "de"


def test_organisation_model_is_ordered_by_name():
    OrganisationFactory(name="Zeiss")
    OrganisationFactory(name="Aixtron")
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Aixtron", "Zeiss"]
