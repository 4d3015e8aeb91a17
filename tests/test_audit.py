"""Audit reasons (wfs_portal.audit): one registry of codes with translated labels, refused when
not declared, written by the registration life cycle for the registration's own app, and the
migration that turns the free texts stored before into codes (and back)."""

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from companies.models.organisations import Organisation
from delegations.services import delegation_participant_confirm
from fairs.services import booth_registration_confirm, booth_registration_set_state
from tests import factories
from wfs_portal import audit
from wfs_portal.choices import RegistrationState
from wfs_portal.services import validated_save


def test_every_code_names_its_app_and_has_a_german_label():
    reasons = audit.declared()
    app_labels = {config.label for config in django_apps.get_app_configs()}
    assert len(reasons) > 40  # every app's audit module was found
    with translation.override("de"):
        for code, reason in reasons.items():
            assert code.split(".")[0] in app_labels, code
            german = str(reason.label)
            assert german and german != code, code
            # A reason with a detail names it in both languages, so the history can fill it in.
            if reason.detail_name is not None:
                placeholder = f"%({reason.detail_name})s"
                assert placeholder in german, code
                with translation.override("en"):
                    assert placeholder in str(reason.label), code


def test_a_label_reads_in_the_readers_language():
    with translation.override("de"):
        assert audit.label("companies.organisation.verified") == "verifiziert"
        assert audit.label("fairs.registration.waitlisted") == "auf die Warteliste gesetzt"
    with translation.override("en"):
        assert audit.label("projects.participant.accepted") == "participation request accepted"
        assert audit.label("an old text") == "an old text"
        assert audit.label(None) == audit.label("") == ""


@pytest.mark.django_db
def test_an_undeclared_reason_is_refused_and_nothing_is_saved():
    organisation = factories.OrganisationFactory(name="Vor dem Tippfehler GmbH")
    organisation.name = "Nach dem Tippfehler GmbH"

    with pytest.raises(ValueError, match="companies.organisation.verifed.*not a declared audit reason"):
        validated_save(organisation, reason="companies.organisation.verifed")
    with pytest.raises(ValueError, match="not a declared audit reason"):
        validated_save(organisation, reason="verified")

    assert Organisation.objects.get(pk=organisation.pk).name == "Vor dem Tippfehler GmbH"


@pytest.mark.django_db
def test_a_detail_only_where_the_label_takes_one():
    organisation = factories.OrganisationFactory()

    with pytest.raises(ValueError, match="needs a detail"):
        validated_save(organisation, reason=audit.API_KEY_WRITE)
    with pytest.raises(ValueError, match="takes no detail"):
        validated_save(organisation, reason="companies.organisation.verified by phone")

    validated_save(organisation, reason=audit.with_detail(audit.API_KEY_WRITE, "Ab12Cd (Cluster Nord)"))
    stored = organisation.history.latest().history_change_reason
    assert stored == "wfs_portal.api.key_write Ab12Cd (Cluster Nord)"
    with translation.override("de"):
        assert audit.label(stored) == "über den API-Schlüssel Ab12Cd (Cluster Nord)"


def test_a_long_detail_is_shortened_to_the_history_column():
    stored = audit.with_detail(audit.API_KEY_WRITE, "Ab12Cd (" + "Sehr lange Partnerorganisation " * 5 + ")")

    assert len(stored) == audit.STORED_LENGTH
    assert stored.startswith("wfs_portal.api.key_write Ab12Cd (Sehr lange") and stored.endswith("…")
    audit.check(stored)


@pytest.mark.django_db
def test_the_life_cycle_writes_the_code_of_the_registrations_own_app(staff_user):
    registration = factories.BoothRegistrationFactory()
    participant = factories.DelegationParticipantFactory()

    booth_registration_confirm(registration=registration, user=staff_user)
    booth_registration_set_state(registration=registration, state=RegistrationState.WITHDRAWN, user=staff_user)
    delegation_participant_confirm(participant=participant, user=staff_user)

    assert list(registration.history.order_by("history_id").values_list("history_change_reason", flat=True)) == [
        None,
        "fairs.registration.confirmed",
        "fairs.registration.withdrawn",
    ]
    assert participant.history.latest().history_change_reason == "delegations.participant.confirmed"


# --- the migration: projects 0004 --------------------------------------------------------------------

BEFORE = ("projects", "0003_text_limits")
STORED_BEFORE_AND_AFTER = [
    ("workshopparticipant", "join request accepted", "projects.participant.accepted"),
    ("workshopparticipant", "API key Ab12Cd (Cluster Nord)", "wfs_portal.api.key_write Ab12Cd (Cluster Nord)"),
    ("workshopparticipant", "API", "wfs_portal.api.write"),
    ("workshop", "demo data", "wfs_portal.demo.created"),
    ("workshop", "accepted", "accepted"),  # a join request's reason, not a workshop's: left alone
    ("workshop", "a reason nobody listed", "a reason nobody listed"),
]


def _migrate(*targets) -> None:
    MigrationExecutor(connection).migrate(list(targets))  # a new executor reads what is applied now


def _stored(apps, history_ids: list[int]) -> list[str]:
    return [
        apps.get_model("projects", f"historical{name}").objects.get(history_id=pk).history_change_reason
        for (name, _old, _new), pk in zip(STORED_BEFORE_AND_AFTER, history_ids, strict=True)
    ]


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_the_stored_texts_into_codes_and_back():
    # Every app at its latest migration: going back in projects also unapplies the apps built on it
    # (brokerage), and going forward must bring them back for the tests after this one.
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    history_ids = []
    for name, old, _new in STORED_BEFORE_AND_AFTER:
        obj = factories.WorkshopParticipantFactory() if name == "workshopparticipant" else factories.WorkshopFactory()
        row = obj.history.latest()
        row.history_change_reason = old
        row.save()
        history_ids.append(row.history_id)
    try:
        _migrate(BEFORE)
        _migrate(*latest)
        assert _stored(django_apps, history_ids) == [new for _name, _old, new in STORED_BEFORE_AND_AFTER]

        _migrate(BEFORE)
        before = MigrationExecutor(connection).loader.project_state([BEFORE]).apps
        assert _stored(before, history_ids) == [old for _name, old, _new in STORED_BEFORE_AND_AFTER]
    finally:
        _migrate(*latest)
