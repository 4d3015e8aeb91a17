import pytest
from django.db import connection

from tests import factories

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL, set by .ci/run)"
)


@pytest.fixture
def market():
    """Published profiles in German and English of verified organisations, a draft, a profile of an
    unverified organisation, a withdrawn one; the published ones embedded as a match generation
    embeds them (the real sentence encoder)."""
    from matchmaking.corpus_loading import org_records, organisation_ids

    polish = factories.OrganisationFactory(
        name="Kryo Transport Sp. z o.o.",
        country="PL",
        district="",
        city="Wrocław",
        postal_code="50-001",
        description_de="",
        description_en="Temperature-controlled freight across Europe.",
        kind="company",
    )
    clinic = factories.OrganisationFactory(name="Klinikum Chemnitz", kind="clinic", description_de="Ein Krankenhaus.")
    robots = factories.OrganisationFactory(
        name="Greifwerk Robotik GmbH", description_de="Greifer für Industrieroboter."
    )
    sensors = factories.OrganisationFactory(name="Mikrosens GmbH", description_de="Sensoren für Medizingeräte.")
    unverified = factories.OrganisationFactory(name="Schatten Robotik GmbH", self_registered=True)
    tech = {slug: factories.TechnologyFieldFactory(slug=slug) for slug in ("logistik", "robotik", "sensorik")}
    profiles = {
        "cold_chain": factories.PartneringProfileFactory(
            published=True,
            organisation=polish,
            type="business_offer",
            title_de="",
            title_en="Cold-chain transport of clinical samples",
            summary_de="",
            summary_en="We carry blood and tissue samples between hospitals and laboratories at 2–8 °C, "
            "monitored every minute.",
            keywords_de="",
            keywords_en="cold chain, logistics, clinical samples",
            reference="WFS-BO-2026-0001",
        ),
        "robot": factories.PartneringProfileFactory(
            published=True,
            organisation=robots,
            type="technology_offer",
            title_de="Robotik-Greifer für empfindliche Bauteile",
            summary_de="Adaptive Greifer für Industrieroboter, die Glas und Elektronik sicher handhaben.",
            keywords_de="Robotik, Greifer, Automatisierung",
            reference="WFS-TO-2026-0001",
        ),
        "sensor": factories.PartneringProfileFactory(
            published=True,
            organisation=sensors,
            type="technology_request",
            title_de="Partner für Sensorik in der Medizintechnik gesucht",
            summary_de="Wir suchen Hersteller von Drucksensoren für Infusionspumpen.",
            keywords_de="Sensorik, Medizintechnik, Drucksensor",
            reference="WFS-TR-2026-0001",
        ),
        "english_sensor": factories.PartneringProfileFactory(
            published=True,
            organisation=clinic,
            type="rd_request",
            title_de="",
            title_en="Wearable sensors for monitoring patients after surgery",
            summary_de="",
            summary_en="The clinic seeks research partners for wearable sensors measuring heart rate and movement.",
            keywords_de="",
            keywords_en="wearables, sensors, patient monitoring",
            reference="WFS-RD-2026-0001",
        ),
        "draft": factories.PartneringProfileFactory(
            organisation=robots, title_de="Robotik-Entwurf für Greifer", keywords_de="Robotik, Greifer"
        ),
        "withdrawn": factories.PartneringProfileFactory(
            organisation=robots, state="withdrawn", title_de="Alte Robotik-Greifer", keywords_de="Robotik, Greifer"
        ),
        "unverified": factories.PartneringProfileFactory(
            published=True, organisation=unverified, title_de="Robotik aus dem Schatten", keywords_de="Robotik, Greifer"
        ),
    }
    profiles["cold_chain"].technology_fields.set([tech["logistik"]])
    profiles["robot"].technology_fields.set([tech["robotik"]])
    profiles["sensor"].technology_fields.set([tech["sensorik"]])
    org_records(organisation_ids())
    return {
        "profiles": profiles,
        "tech": tech,
        "polish": polish,
        "clinic": clinic,
        "robots": robots,
        "unverified": unverified,
    }
