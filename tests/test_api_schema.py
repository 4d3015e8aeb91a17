"""The partner API against its own OpenAPI schema. Schemathesis generates requests for every operation the schema
names (valid and invalid parameters and bodies, boundary values) and sends them in-process through the WSGI
application: once without credentials, once with a partner key that has every scope. Every default check applies:
no server error, only documented status codes, content types and headers, every body matching its schema, auth not
ignored, invalid input rejected, valid input accepted.

The operations come from the schema the application generates, so a new endpoint is covered the day it is routed.
Generation is derandomized with a fixed seed (CI sends the same requests every time), and each request runs in a
savepoint that is rolled back, so one example's writes (a member sync, a registration) are not seen by the next.

What Schemathesis found and the endpoints' owners have yet to fix is listed in KNOWN_DEFECTS, and behaviour that is
meant but that the schema cannot state in ACCEPTED; each is let through only in exactly the shape found, and
``API_SCHEMA_STRICT=1`` lets none through."""

from __future__ import annotations

import datetime
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup
from schemathesis.openapi.checks import (
    RejectedPositiveData,
)

from companies.choices import ApiScope, ClusterRole, ConsentPurpose, ProfileType
from fairs.models import JointBooth
from tests import factories as f
from tests import factories_brokerage, factories_webhooks

SCHEMA_URL = "/api/schema/?format=json"
SEED = 20261128
STRICT = os.environ.get("API_SCHEMA_STRICT", "") not in ("", "0")

# Django refuses NUL characters in every form and serializer field (ProhibitNullCharactersValidator) with a 400,
# which OpenAPI has no way to say; without this, every string parameter "rejects valid data".
GENERATION = {"deterministic": True, "database": "none", "allow-x00": False}


def load_schema(*, max_examples: int, coverage: bool):
    config = {
        "seed": SEED,
        "generation": {**GENERATION, "max-examples": max_examples},
        "phases": {"coverage": {"enabled": coverage}},
    }
    return schemathesis.openapi.from_wsgi(
        SCHEMA_URL, get_wsgi_application(), config=schemathesis.Config.from_dict(config)
    )


# With a key: examples, the coverage phase (boundary and invalid values of every parameter) and 25 fuzzed
# examples per operation. Without: every answer is a 401, so fewer examples and no coverage phase keep it quick.
schema = load_schema(max_examples=25, coverage=True)
anonymous_schema = load_schema(max_examples=10, coverage=False)


def hypothesis_settings(max_examples: int):
    return hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        # The seeded records are a function-scoped fixture on purpose: an operation's examples share them, and
        # each example's writes are rolled back, so every example sees the same records.
        suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture, hypothesis.HealthCheck.too_slow],
    )


# --- the records behind the API -------------------------------------------------------------------------------

ID_PATH = re.compile(r"^(?P<collection>/api/v1/[^/{}]+/)\{id\}/")
# Query parameters and body fields that name a record by its id.
REFERENCES = ("organisation", "partner", "cluster", "booth", "fair", "delegation", "contact")


@dataclass
class Seeded:
    """The partner key's header, and ids of seeded records to put into generated requests: by collection (the
    ``{id}`` of ``/api/v1/<collection>/{id}/...``) and by the name of a query parameter or body field."""

    headers: dict[str, str]
    references: dict[str, list[int]]
    fallback_ids: dict[str, list[int]]
    ids: dict[str, list[int]] = field(default_factory=dict)

    def known_ids(self, collection: str) -> list[int]:
        """The ids the collection lists for the key (read once per collection), else the seeded ones."""
        if collection not in self.ids:
            response = Client().get(collection, {"page_size": 200}, headers=self.headers)
            found = []
            if response.status_code == 200:
                body = response.json()
                rows = body.get("results", []) if isinstance(body, dict) else body  # paginated or a plain list
                found = [row["id"] for row in rows if isinstance(row, dict) and "id" in row]
            self.ids[collection] = found or self.fallback_ids.get(collection, [])
        return self.ids[collection]


@pytest.fixture
def seeded(db) -> Seeded:
    """A small, realistic directory: a partner (a network) whose key has every scope, managing a cluster with
    current and former members; verified and unverified organisations with sectors and technology fields;
    published and draft profiles; contacts with and without consent to sharing; matches; a fair with a booth and a
    registration, a delegation with a participant, a workshop and an investment project."""
    sectors = [f.SectorFactory(code=code) for code in f.SECTOR_CODES]
    fields = [f.TechnologyFieldFactory(slug=slug) for slug in f.TECHNOLOGY_FIELD_SLUGS]
    organisations = [
        f.OrganisationFactory(
            sectors=sectors[i : i + 1 + i % 3],
            technology_fields=fields[i : i + 1 + i % 2],
            description_en="Develops sensors for medical devices.",
        )
        for i in range(6)
    ]
    f.OrganisationFactory(self_registered=True)
    f.OrganisationFactory(rejected=True)
    foreign = f.OrganisationFactory(abroad=True, sectors=sectors[:1])

    api_key = f.PartnerApiKeyFactory(scopes=list(ApiScope.values), throttle_rate="1000000/min")
    cluster = f.ClusterFactory(managing_organisation=api_key.organisation, name="Silicon Saxony")
    cluster.sectors.set(sectors[:2])
    cluster.technology_fields.set(fields[:2])
    other_cluster = f.ClusterFactory()
    for i, organisation in enumerate(organisations[:4]):
        f.ClusterMembershipFactory(
            cluster=cluster, organisation=organisation, role=ClusterRole.MEMBER if i else ClusterRole.BOARD
        )
    f.ClusterMembershipFactory(cluster=cluster, organisation=organisations[4], until=datetime.date(2021, 12, 31))
    f.ClusterMembershipFactory(cluster=other_cluster, organisation=organisations[5])

    for i, organisation in enumerate(organisations[:3]):
        profile = f.PartneringProfileFactory(
            organisation=organisation,
            published=True,
            type=list(ProfileType)[i % len(ProfileType)],
            title_en="Cold chain logistics for clinical samples",
            keywords_en="logistics, cold chain",
            target_countries=["PL", "CZ"],
        )
        profile.sectors.set(sectors[:2])
        profile.technology_fields.set(fields[:1])
    f.PartneringProfileFactory(organisation=organisations[3])  # a draft

    contacts = [f.ContactFactory(organisation=organisation, title="Dr.") for organisation in organisations[:3]]
    for contact in contacts:
        f.ConsentRecordFactory(contact=contact, purpose=ConsentPurpose.PARTNER_SHARING)
    f.ConsentRecordFactory(contact=f.ContactFactory(organisation=organisations[3]))  # matchmaking only

    for i, organisation in enumerate(organisations[:3]):
        others = [o for o in organisations if o != organisation]
        for rank, partner in enumerate(others):
            f.MatchFactory(
                organisation=organisation, partner=partner, rank=rank, score=0.9 - rank / 10, reason_flags=i + 1
            )

    booth = f.JointBoothFactory()
    f.BoothRegistrationFactory(booth=booth, organisation=organisations[0], contact=contacts[0])
    delegation = f.DelegationFactory()
    f.DelegationParticipantFactory(delegation=delegation, organisation=organisations[1], contact=contacts[1])
    f.ProgrammeItemFactory(delegation=delegation)
    workshop = f.WorkshopFactory()
    f.WorkshopSessionFactory(workshop=workshop)
    f.WorkshopParticipantFactory(workshop=workshop, organisation=organisations[2])
    f.InvestmentMilestoneFactory(project=f.InvestmentProjectFactory(investor=foreign))
    f.ReportFactory()
    endpoint = factories_webhooks.WebhookEndpointFactory(api_key=api_key)
    factories_webhooks.WebhookDeliveryFactory(endpoint=endpoint)
    brokerage = factories_brokerage.BrokerageEventFactory()
    shared = factories_brokerage.MeetingRequestFactory(
        state="accepted",
        requester=factories_brokerage.ParticipantFactory(
            event=brokerage, organisation=organisations[0], share_meetings=True
        ),
        recipient=factories_brokerage.ParticipantFactory(
            event=brokerage, organisation=organisations[1], share_meetings=True
        ),
    )
    factories_brokerage.MeetingFactory(request=shared)

    return Seeded(
        headers={"Authorization": f"Api-Key {api_key.raw_key}"},
        references={
            # The partner's members first: registrations are for one of them.
            "organisation": [o.pk for o in organisations],
            "partner": [o.pk for o in organisations],
            "cluster": [cluster.pk, other_cluster.pk],
            "booth": [booth.pk],
            "fair": [booth.fair_id],
            "delegation": [delegation.pk],
            "contact": [c.pk for c in contacts],
            "endpoint": [endpoint.pk],
        },
        # The member lists have no list operation to read ids from; the key's own cluster first.
        fallback_ids={"/api/v1/member-lists/": [cluster.pk, other_cluster.pk]},
    )


def _as_id(value) -> int | None:
    """A generated value that could be an id: an integer, or digits (path parameters in the coverage phase)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    return None


def _pick(value, ids: list[int]):
    """An even generated id becomes one of ``ids`` (in the type it came in); an odd one stays, so unknown ids are
    still sent. Deterministic, so that Hypothesis can replay and shrink a failure."""
    number = _as_id(value)
    if number is None or number % 2 or not ids:
        return value
    chosen = ids[number // 2 % len(ids)]
    return str(chosen) if isinstance(value, str) else chosen


def use_seeded_ids(case, seeded: Seeded) -> None:
    """Point generated ids at seeded records half of the time, so that details, filters and writes are not only
    404s and 400s for records that do not exist."""
    match = ID_PATH.match(case.path)
    if match and case.path_parameters and "id" in case.path_parameters:
        case.path_parameters["id"] = _pick(case.path_parameters["id"], seeded.known_ids(match["collection"]))
    for values in (case.query, case.body):
        if isinstance(values, dict):
            for name, ids in seeded.references.items():
                if name in values:
                    values[name] = _pick(values[name], ids)


# --- known defects and accepted behaviour ---------------------------------------------------------------------
# What the checks flag and this test lets through, each only in exactly the shape found: any other failure of the
# same check on the same operation still fails. KNOWN_DEFECTS are bugs Schemathesis found, which the endpoints'
# owners fix (not this test): delete an entry once its bug is fixed. ACCEPTED is behaviour that is meant, which the
# schema cannot state. API_SCHEMA_STRICT=1 lets nothing through.


def _json(response):
    try:
        return response.json()
    except ValueError:
        return None


def _sent(case) -> dict:
    return {**(case.query or {}), **(case.body if isinstance(case.body, dict) else {})}


def _field_errors(response) -> set[str]:
    """The names a 400 answer of the form ``{"<field>": ["message", ...]}`` blames (empty if it is not one)."""
    body = _json(response)
    if response.status_code != 400 or not isinstance(body, dict) or "detail" in body:
        return set()
    return set(body) if all(isinstance(messages, list) for messages in body.values()) else set()


def _is_number(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    try:
        return isinstance(value, str) and Decimal(value).is_finite()
    except InvalidOperation:
        return False


def _an_invalid_filter_value_is_ignored(failure, case, response) -> bool:
    """Lenient, as django-filter and DRF's pagination are, where the schema promises a 400: an empty value is no
    filter (``?updated_since=``), a boolean filter ignores what is neither true nor false (``?is_active=null``), an
    integer filter takes any number (``?cluster=0.5`` matches nothing) and an invalid ``page_size`` gives the
    default page size. Of a repeated parameter (``?page=false&page=``) only the last value counts."""
    if not isinstance(failure, AcceptedNegativeData) or case.meta is None:
        return False
    data = case.meta.phase.data
    names = {m.parameter for m in getattr(data, "mutations", ()) if m.parameter} or {getattr(data, "parameter", None)}
    query = case.query or {}

    def ignored(name) -> bool:
        parameter = case.operation.query.get(name) if name in query else None
        if parameter is None:
            return False
        value, kind = query[name], (parameter.definition.get("schema") or {}).get("type")
        if isinstance(value, list) and len(value) > 1:
            value = value[-1:]  # a repeated parameter: Django reads the last one
        return (
            value in ("", [""], {}, [])
            or name == "page_size"
            or kind == "boolean"
            or (kind == "integer" and _is_number(value))
        )

    return all(ignored(name) for name in names)


def _decimal_pattern_admits_it(value) -> bool:
    """Defect of the schema: drf-spectacular's pattern for a decimal field (``^-?\\d{0,5}(?:\\.\\d{0,2})?$``) admits
    ``""``, ``"-"``, ``"."`` and negative numbers, and the field's minimum (0.01 m²) is not stated; the API answers
    400. Applied to a field a 400 names, among the reasons of the rule below."""
    if not isinstance(value, str) or re.fullmatch(r"-?\d*\.?\d*", value) is None:
        return False
    try:
        return Decimal(value) <= 0
    except InvalidOperation:
        return True


def _more_area_than_is_left(value, sent: dict) -> bool:
    """A booth registration asking for more area than the booth has free: how much is left is no part of the
    schema."""
    booth = sent.get("booth")
    if not _is_number(value) or not isinstance(booth, int) or isinstance(booth, bool):
        return False
    booth = JointBooth.objects.filter(pk=booth).first()
    return booth is not None and Decimal(str(value)) > booth.total_area_m2 - booth.occupancy()[1]


def _rejected_by_a_rule_the_schema_cannot_state(failure, case, response) -> bool:
    """A schema-valid request refused with 400 naming what is wrong, for a reason OpenAPI cannot state:
    - an id of a record that does not exist or that the key may not use (``?organisation=0``, a
      registration for an unknown booth): filters reject an unknown id rather than match nothing;
    - a write refused by a business rule (``non_field_errors``: already registered, deadline passed; a
      requested area larger than the booth has left);
    - a decimal that the schema's pattern admits but that is no positive number (a defect of the schema, above);
    - a member sync with a row that cannot be applied (a new organisation needs a name, kind and city)."""
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 400:
        return False
    body = _json(response)
    if case.path.endswith("/sync/") and isinstance(body, dict):
        return any(isinstance(row, dict) and row.get("action") == "error" for row in body.get("rows", []))
    blamed, sent = _field_errors(response), _sent(case)

    def explained(name: str) -> bool:
        value = sent.get(name)
        if name == "non_field_errors":
            return case.method.upper() != "GET"
        if name in REFERENCES:
            return isinstance(value, int) and not isinstance(value, bool)
        if name == "requested_area_m2" and _more_area_than_is_left(value, sent):
            return True
        return _decimal_pattern_admits_it(value)

    return bool(blamed) and all(explained(name) for name in blamed)


def _a_stale_if_match_is_refused(failure, case, response) -> bool:
    """A sync sent with an ``If-Match`` that is not the member list's current version is refused with the
    documented 412: the schema cannot say which versions are current."""
    headers = {name.lower() for name in (case.headers or {})}
    return isinstance(failure, RejectedPositiveData) and response.status_code == 412 and "if-match" in headers


KNOWN_DEFECTS = ()  # none open; add one (and its fix to the owners) when Schemathesis finds it
ACCEPTED = (
    _an_invalid_filter_value_is_ignored,
    _rejected_by_a_rule_the_schema_cannot_state,
    _a_stale_if_match_is_refused,
)


def _known(failure, case, response) -> bool:
    return not STRICT and any(rule(failure, case, response) for rule in KNOWN_DEFECTS + ACCEPTED)


# --- the tests ------------------------------------------------------------------------------------------------


@contextmanager
def requests_keep_the_connection():
    """Django closes "old" connections when a request starts and ends, which in a test closes the connection
    that holds the test transaction (PostgreSQL; SQLite's in-memory database is never closed). django.test.Client
    disconnects the handler while it sends a request (and connects it again after); Schemathesis' WSGI client
    calls the application directly, so it is done here."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def call_and_validate(case, seeded: Seeded, headers: dict[str, str]) -> None:
    """Send the case and run every default check on the answer (some send more requests), in a savepoint rolled
    back afterwards."""
    use_seeded_ids(case, seeded)
    with requests_keep_the_connection(), transaction.atomic():
        try:
            response = case.call(headers=headers)
            try:
                case.validate_response(response, headers=headers, transport_kwargs={"headers": headers})
            except FailureGroup as group:
                unknown = [failure for failure in group.exceptions if not _known(failure, case, response)]
                if unknown:
                    raise FailureGroup(unknown, group.message) from None
        finally:
            transaction.set_rollback(True)


@anonymous_schema.parametrize()
@hypothesis_settings(max_examples=10)
def test_anonymous(case, seeded):
    call_and_validate(case, seeded, headers={})


@schema.parametrize()
@hypothesis_settings(max_examples=25)
def test_partner_key_with_every_scope(case, seeded):
    call_and_validate(case, seeded, headers=seeded.headers)


def test_the_seeded_records_are_in_the_answers(seeded):
    """Without records the checks above would validate empty lists: every list the key may read holds some."""
    lists = [
        path
        for path, operations in schema.raw_schema["paths"].items()
        if "get" in operations and "{" not in path and "page" in str(operations["get"].get("parameters", ""))
    ]
    assert lists
    empty = [path for path in lists if not Client().get(path, headers=seeded.headers).json().get("results")]
    assert not empty, f"seed records for {empty} in tests/test_api_schema.py::seeded"


def test_the_schema_is_valid_openapi():
    """The served schema passes openapi-spec-validator, which checks what drf-spectacular's own validation (a test of
    its own runs ``spectacular --validate``) lets through, such as a default that does not fit its field's format:
    clients that generate code from the schema reject such a document."""
    from openapi_spec_validator import validate

    response = Client().get(SCHEMA_URL)

    assert response.status_code == 200
    validate(response.json())
