"""The transactional outbox: messages are written with the change that causes them, delivered after
the commit, postponed (never counted, never lost) while the mail server or the broker is away, tried
again with backoff when the message itself fails, set aside for staff after the last attempt, and
sent again from the admin."""

import datetime
import threading
import time

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from notifications.choices import StaffTopic
from notifications.models import StaffAlert
from outbox import claims, delivery, relay, services
from outbox.choices import MessageKind, MessageState
from outbox.models import OutboxMessage
from outbox.selectors import backlog
from tests import factories
from wfs_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db

EXPIRE = "companies.tasks.partnering_profiles_expire"


def _email(**kwargs) -> OutboxMessage:
    return services.email_enqueue(
        recipient=kwargs.pop("recipient", "anna@firma.example.de"),
        subject=kwargs.pop("subject", "Platz bestätigt"),
        body=kwargs.pop("body", "Ihr Platz ist bestätigt."),
        **kwargs,
    )


@pytest.fixture
def relay_only():
    """No delivery on commit: messages wait for the relay, as with a broker in production."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


# --- writing ----------------------------------------------------------------------------------------


def test_a_message_is_written_with_the_change_and_rolled_back_with_it(relay_only):
    with pytest.raises(RuntimeError), transaction.atomic():
        _email()
        services.task_enqueue(EXPIRE)
        raise RuntimeError("the change failed")

    assert not OutboxMessage.objects.exists()


def test_an_unknown_task_name_is_refused_when_it_is_written():
    with pytest.raises(ValueError, match="Unknown task"):
        services.task_enqueue("companies.tasks.no_such_task")


def test_task_arguments_must_be_json():
    with pytest.raises(TypeError):
        services.task_enqueue(EXPIRE, args=[object()])
    assert not OutboxMessage.objects.exists()


def test_the_same_key_makes_one_message(relay_only):
    first = _email(key="fairs.registration:1:confirmed:anna")
    second = _email(key="fairs.registration:1:confirmed:anna", subject="something else")

    assert second.pk == first.pk
    assert OutboxMessage.objects.count() == 1


def test_coalesced_tasks_wait_as_one_and_move_to_the_later_time(relay_only):
    first = services.task_enqueue(EXPIRE, coalesce="expire", delay=30)
    second = services.task_enqueue(EXPIRE, coalesce="expire", delay=60)

    assert second.pk == first.pk
    assert OutboxMessage.objects.get().available_at == second.available_at > first.available_at


def test_a_task_coalesced_while_the_first_is_being_delivered_makes_a_new_one(relay_only):
    first = services.task_enqueue(EXPIRE, coalesce="expire")
    assert claims.claim(MessageKind.TASK, limit=10) == [first]

    second = services.task_enqueue(EXPIRE, coalesce="expire")

    assert second.pk != first.pk  # the change came after the delivery began: it needs its own run


# --- delivering -------------------------------------------------------------------------------------


def test_without_a_broker_messages_are_delivered_after_the_commit(django_capture_on_commit_callbacks):
    profile = factories.PartneringProfileFactory(
        published=True, valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        _email()
        services.task_enqueue(EXPIRE)
        assert not mail.outbox, "nothing is delivered before the commit"

    assert [message.to for message in mail.outbox] == [["anna@firma.example.de"]]
    profile.refresh_from_db()
    assert profile.state == "expired"
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {MessageState.SENT}


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_task_due_later_runs_at_its_time_in_the_same_process(settings):
    settings.OUTBOX_DELIVER_LATER_IN_PROCESS = True
    first = services.task_enqueue(EXPIRE, coalesce="expire", delay=0.5)
    moved = services.task_enqueue(EXPIRE, coalesce="expire", delay=1.5)
    assert moved.pk == first.pk
    started = time.monotonic()

    time.sleep(0.9)
    first.refresh_from_db()
    assert first.state == MessageState.PENDING, "the first timer finds the message moved and leaves it"
    while first.state == MessageState.PENDING and time.monotonic() - started < 6:
        time.sleep(0.1)
        first.refresh_from_db()
    assert first.state == MessageState.SENT
    assert time.monotonic() - started >= 1.4


def test_an_email_carries_a_message_id_made_from_its_key(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = _email(key="k-1", language="en")

    sent = mail.outbox[0]
    assert sent.extra_headers["Message-ID"] == delivery.message_id(message)
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert sent.extra_headers["Content-Language"] == "en"


def test_a_mail_outage_postpones_without_counting_and_loses_nothing(relay_only, settings):
    settings.EMAIL_BACKEND = "tests.mail.UnreachableBackend"
    message = _email()

    result = relay.relay_pass()

    message.refresh_from_db()
    assert result.outages and not result.failed
    assert message.state == MessageState.PENDING and message.attempts == 0
    assert "Connection refused" in message.last_error
    assert message.available_at > timezone.now()  # tried again in a few seconds
    assert not relay.relay_pass().claimed  # not due yet

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxMessage.objects.update(available_at=timezone.now())
    relay.relay_pass()
    relay.relay_pass()

    assert len(mail.outbox) == 1  # exactly once
    assert OutboxMessage.objects.get().state == MessageState.SENT


def test_a_broker_outage_postpones_tasks_without_counting(relay_only, monkeypatch):
    dead = "redis://127.0.0.1:1/0"  # nothing listens there
    monkeypatch.setitem(celery_app.conf, "broker_url", dead)
    # Celery prefers the environment variable to its configuration (CI sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", dead)
    message = services.task_enqueue(EXPIRE)
    started = time.monotonic()
    result = relay.relay_pass()
    took = time.monotonic() - started
    message.refresh_from_db()
    assert result.outages and not result.failed
    assert message.state == MessageState.PENDING and message.attempts == 0
    assert took < 10, "one quick attempt, not a long retry loop"


def test_a_refused_address_is_tried_again_with_backoff(relay_only, settings):
    settings.EMAIL_BACKEND = "tests.mail.RefusingBackend"
    message = _email(recipient="gibt-es-nicht@firma.example.de")

    relay.relay_pass()

    message.refresh_from_db()
    assert message.state == MessageState.PENDING and message.attempts == 1
    assert "550" in message.last_error
    wait = (message.available_at - timezone.now()).total_seconds()
    assert settings.OUTBOX_RETRY_BASE_SECONDS * 0.9 <= wait <= settings.OUTBOX_RETRY_BASE_SECONDS * 1.2


def test_backoff_doubles_up_to_the_limit(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS, settings.OUTBOX_RETRY_MAX_SECONDS = 30, 3600
    waits = [claims.backoff_seconds(n) for n in (1, 2, 3, 10)]
    assert 30 <= waits[0] <= 33 and 60 <= waits[1] <= 66 and 120 <= waits[2] <= 132
    assert 3600 <= waits[3] <= 3960


def test_after_the_last_attempt_the_message_is_set_aside_and_staff_are_told(relay_only, settings):
    settings.EMAIL_BACKEND = "tests.mail.RefusingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 2
    admin = factories.UserFactory(is_staff=True, is_superuser=True, email="leitung@wfs.example")
    message = _email(recipient="gibt-es-nicht@firma.example.de")

    relay.relay_pass()
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
    result = relay.relay_pass()

    message.refresh_from_db()
    assert result.dead == 1
    assert message.state == MessageState.DEAD and message.attempts == 2
    alert = OutboxMessage.objects.get(topic="notifications.delivery_failed")
    assert alert.recipient == admin.email
    assert "gibt-es-nicht@firma.example.de" in alert.subject
    assert reverse("admin:outbox_outboxmessage_change", args=[message.pk]) in alert.body


def test_staff_alerts_go_to_the_groups_chosen_for_the_topic(relay_only, settings):
    settings.EMAIL_BACKEND = "tests.mail.RefusingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 1
    group = factories.GroupFactory(name="Portal-Betreuung")
    member = factories.UserFactory(is_staff=True, email="betreuung@wfs.example")
    member.groups.add(group)
    factories.UserFactory(is_staff=True, is_superuser=True, email="leitung@wfs.example")
    StaffAlert.objects.get(topic=StaffTopic.DELIVERY_FAILED).groups.add(group)
    _email(recipient="gibt-es-nicht@firma.example.de")

    relay.relay_pass()

    assert list(
        OutboxMessage.objects.filter(topic="notifications.delivery_failed").values_list("recipient", flat=True)
    ) == ["betreuung@wfs.example"]


def test_a_failed_alert_makes_no_alert_of_its_own(relay_only, settings):
    settings.EMAIL_BACKEND = "tests.mail.RefusingBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 1
    factories.UserFactory(is_staff=True, is_superuser=True, email="leitung@wfs.example")
    _email(recipient="gibt-es-nicht@firma.example.de")

    for _ in range(3):
        OutboxMessage.objects.filter(state=MessageState.PENDING).update(available_at=timezone.now())
        relay.relay_pass()

    assert OutboxMessage.objects.filter(topic="notifications.delivery_failed").count() == 1


def test_staff_send_a_failed_message_again_from_the_admin(relay_only, staff_client):
    message = factories.OutboxMessageFactory()

    response = staff_client.post(
        reverse("admin:outbox_outboxmessage_changelist"),
        {"action": "send_again", "_selected_action": [message.pk]},
        follow=True,
    )

    assert response.status_code == 200
    message.refresh_from_db()
    assert message.state == MessageState.PENDING and message.attempts == 0
    relay.relay_pass()
    assert [m.to for m in mail.outbox] == [[message.recipient]]


def test_a_delivered_message_cannot_be_sent_again():
    message = factories.OutboxMessageFactory(state=MessageState.SENT, sent_at=timezone.now())
    assert services.outbox_message_resend(message=message) is False


def test_a_claim_of_a_relay_that_died_runs_out_and_the_message_is_taken_again(relay_only, settings):
    message = _email()
    assert claims.claim(MessageKind.EMAIL, limit=10) == [message]
    assert claims.claim(MessageKind.EMAIL, limit=10) == []  # held by the first relay

    OutboxMessage.objects.filter(pk=message.pk).update(locked_until=timezone.now() - datetime.timedelta(seconds=1))

    assert claims.claim(MessageKind.EMAIL, limit=10) == [message]


def test_sign_in_links_are_hidden_from_staff_and_deleted_once_delivered(staff_client, relay_only):
    message = _email(body="https://portal.example/accounts/password/reset/key/abc-123/", sensitive=True)

    page = staff_client.get(reverse("admin:outbox_outboxmessage_change", args=[message.pk]))
    assert "abc-123" not in page.content.decode()

    relay.relay_pass()
    assert "abc-123" in mail.outbox[0].body
    assert OutboxMessage.objects.get(pk=message.pk).body == ""


def test_old_messages_are_purged_and_an_erased_address_is_forgotten(relay_only):
    old = factories.OutboxMessageFactory(state=MessageState.SENT, sent_at=timezone.now())
    OutboxMessage.objects.filter(pk=old.pk).update(created=timezone.now() - datetime.timedelta(days=31))
    recent = factories.OutboxMessageFactory(state=MessageState.SENT, sent_at=timezone.now())
    failed = factories.OutboxMessageFactory(state=MessageState.DEAD)

    assert services.outbox_purge(delivered_days=30, failed_days=180) == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, failed.pk}
    assert services.outbox_forget_address(address=failed.recipient.upper()) == 1


def test_the_backlog_counts_what_waits_and_what_failed(relay_only):
    _email()
    factories.OutboxMessageFactory()

    figures = backlog()

    assert (figures["waiting"], figures["due"], figures["failed"]) == (1, 1, 1)


def test_the_relay_command_delivers_one_batch(relay_only, capsys):
    _email()
    call_command("outbox_relay", "--once")
    assert "delivered 1" in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_the_relay_command_refuses_a_bad_batch_size():
    with pytest.raises(CommandError, match="--batch must be at least 1"):
        call_command("outbox_relay", "--once", "--batch", "0")


# --- the relay process ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite's in-memory test database refuses a write while the relay's thread "
    'reads the table ("database table is locked"), and a laptop without a broker needs no relay',
)
def test_the_relay_delivers_a_committed_message_at_once(relay_only):
    """The commit wakes the relay (PostgreSQL's NOTIFY): it delivers long before its 30 s idle wait."""
    stop = threading.Event()
    loop = relay.Relay(idle=30)
    thread = threading.Thread(target=loop.run_forever, args=(stop,), daemon=True)
    thread.start()
    try:
        time.sleep(0.5)  # listening
        started = time.monotonic()
        _email()
        while not mail.outbox and time.monotonic() - started < 10:
            time.sleep(0.02)
        took = time.monotonic() - started
    finally:
        stop.set()
        thread.join(timeout=10)
    assert len(mail.outbox) == 1
    assert took < 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks (SKIP LOCKED) need PostgreSQL")
def test_two_relays_never_claim_the_same_message(relay_only):
    for n in range(40):
        _email(recipient=f"person{n}@firma.example.de")
    claimed: list[list[int]] = []

    def take():
        try:
            claimed.append([m.pk for m in claims.claim(MessageKind.EMAIL, limit=25)])
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    first, second = claimed
    assert not set(first) & set(second)
    assert len(first) + len(second) == 40


@pytest.mark.django_db(transaction=True)
def test_the_relay_keeps_going_when_the_database_fails_a_pass(relay_only, monkeypatch):
    from django.db import OperationalError

    real_pass = relay.relay_pass
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_pass(**kwargs)

    monkeypatch.setattr(relay, "relay_pass", flaky)
    _email()
    stop = threading.Event()
    thread = threading.Thread(target=relay.Relay(idle=0.2).run_forever, args=(stop,), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not mail.outbox and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert calls["n"] >= 2
    assert len(mail.outbox) == 1
