"""create_webhook (the secret on the last line; a non-zero exit with a line for an unknown partner,
a bad URL, an unknown event) and webhook_ping --wait (through the delivery path, the outcome
printed)."""

import io

import pytest
from django.core.management import CommandError, call_command
from standardwebhooks.webhooks import Webhook

from tests.api import key_client
from tests.webhooks.conftest import endpoint_for
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner():
    return key_client("directory:read", "events:read").api_key.organisation


def test_create_webhook_prints_the_secret_on_its_last_line(partner, receiver):
    out = io.StringIO()
    call_command(
        "create_webhook",
        "--partner",
        partner.name,
        "--url",
        receiver.url,
        "--events",
        "organisation.updated,event.published",
        stdout=out,
    )
    secret = out.getvalue().strip().splitlines()[-1]
    endpoint = WebhookEndpoint.objects.get(api_key__organisation=partner)
    assert secret.startswith("whsec_") and endpoint.secret == secret
    assert endpoint.events == ["event.published", "organisation.updated"]


@pytest.mark.parametrize(
    "arguments, message",
    [
        (
            ["--partner", "Niemand GmbH", "--url", "https://x.example/h", "--events", "organisation.updated"],
            "No organisation",
        ),
        (["--url", "ftp://x.example/h", "--events", "organisation.updated"], "url"),
        (["--url", "http://x.example/h", "--events", "organisation.updated"], "https"),
        (["--url", "https://x.example/h", "--events", "organisation.updated,nonsense"], "nonsense"),
        (["--url", "https://x.example/h", "--events", "match.created"], "matches:read"),
    ],
)
def test_create_webhook_refuses_bad_input_and_writes_nothing(partner, arguments, message):
    if "--partner" not in arguments:
        arguments = ["--partner", partner.name, *arguments]
    with pytest.raises(CommandError, match=message):
        call_command("create_webhook", *arguments, stdout=io.StringIO())
    assert not WebhookEndpoint.objects.exists()


# Committed for real: the laptop's path, delivered in-process after each commit.
@pytest.mark.django_db(transaction=True)
def test_webhook_ping_waits_for_each_endpoint_and_prints_the_outcome(partner, receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0]
    receiver.answers = [500]
    _ok, secret = endpoint_for(receiver.url, "directory:read", events=["organisation.updated"], organisation=partner)
    out = io.StringIO()
    call_command("webhook_ping", "--partner", partner.name, "--wait", "5", stdout=out)

    assert "delivered (HTTP 200) after 2 attempt(s)" in out.getvalue()
    assert len(receiver.requests) == 2
    payload = Webhook(secret).verify(receiver.requests[1].body, receiver.requests[1].headers)
    assert payload["type"] == "webhook.ping" and payload["data"]["partner"] == partner.name


# Committed for real: the laptop's path, delivered in-process after each commit.
@pytest.mark.django_db(transaction=True)
def test_webhook_ping_exits_non_zero_when_an_endpoint_gives_up(partner, receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [0]
    receiver.answers = [500, 500]
    endpoint_for(receiver.url, "directory:read", events=["organisation.updated"], organisation=partner)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1"):
        call_command("webhook_ping", "--partner", partner.name, "--wait", "5", stdout=out)
    assert "given up (HTTP 500) after 2 attempt(s)" in out.getvalue()
    assert WebhookDelivery.objects.get().event == "webhook.ping"


# Committed for real: the laptop's path, delivered in-process after each commit.
@pytest.mark.django_db(transaction=True)
def test_webhook_ping_sends_a_waiting_retry_when_it_falls_due(partner, receiver, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [1]
    receiver.answers = [500]
    endpoint_for(receiver.url, "directory:read", events=["organisation.updated"], organisation=partner)
    out = io.StringIO()
    call_command("webhook_ping", "--partner", partner.name, "--wait", "8", stdout=out)
    assert "delivered (HTTP 200) after 2 attempt(s)" in out.getvalue()


def test_webhook_ping_without_endpoints(partner):
    with pytest.raises(CommandError, match="no switched-on webhook endpoint"):
        call_command("webhook_ping", "--partner", partner.name, "--wait", "1", stdout=io.StringIO())
