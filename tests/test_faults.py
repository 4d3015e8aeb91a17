"""Fault drills: the production stack in miniature (tests/faults.py: Redis and an SMTP server of
their own, gunicorn with the production settings, the outbox relay, a Celery worker, beat), with
Redis, the mail server or the worker pulled while real users click. Asserted: no 5xx, and
everything started during the fault happens after recovery, e-mails exactly once. The figures of
each drill go to test-artifacts/faults/<drill>.json.

They need PostgreSQL (several processes share the test database) and redis-server; CI sets
FAULTS_REQUIRED, where a missing piece is a failure instead of a skip."""

import datetime
import json
import os
import shutil
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from companies.choices import ProfileType
from fairs.models import BoothRegistration
from matchmaking.choices import GenerationState
from matchmaking.models.generations import MatchGeneration
from matchmaking.models.introductions import ContactRequest
from outbox.choices import MessageKind, MessageState
from outbox.models import OutboxMessage
from reports.choices import ReportState
from reports.models import Report
from tests import factories
from tests.faults import PG, REDIS_SERVER, Browser, Stack, collect_static, message_ids, subject, wait_for
from wfs_portal.schedules import ensure_periodic_tasks

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "faults"
PASSWORD = "Kühlkette-Leipzig-2031"

if not (PG and REDIS_SERVER):
    reason = "fault drills need PostgreSQL (DATABASE_URL) and redis-server"
    if os.environ.get("FAULTS_REQUIRED"):
        raise RuntimeError(reason)
    pytestmark = pytest.mark.skip(reason=reason)
else:
    pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    directory = tmp_path_factory.mktemp("static")
    collect_static(directory)
    return directory


@pytest.fixture
def stack(tmp_path, static_root, request):
    built = Stack(tmp_path, static_root)
    ensure_periodic_tasks()  # the test database was emptied by an earlier test
    yield built
    built.stop_all()
    # The services' logs, for whoever reads a failed drill.
    logs = ARTIFACTS / f"{request.node.name}-logs"
    shutil.rmtree(logs, ignore_errors=True)
    shutil.copytree(tmp_path / "logs", logs)


def _report(name: str, figures: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(figures, indent=2, default=str))
    print(f"\n{name}: {json.dumps(figures, default=str)}")


# --- the world of the drills ------------------------------------------------------------------------


def _person(organisation, email: str):
    user = factories.CompanyUserFactory(email=email)
    user.set_password(PASSWORD)
    user.save()
    factories.RepresentativeFactory(user=user, organisation=organisation, administrator=True)
    return user


def _world() -> dict:
    """Two verified companies with a representative each, partners with published profiles, an open
    joint booth, a partner network with an API key whose member A is, and a staff member."""
    alpha = factories.OrganisationFactory(name="Alpha Medizintechnik GmbH")
    beta = factories.OrganisationFactory(name="Beta Kühllogistik GmbH")
    # A need and the offer that meets it: beta is in alpha's list, whatever the other profiles say.
    for organisation, kind, title, summary in (
        (
            alpha,
            ProfileType.BUSINESS_REQUEST,
            "Kühltransport für Laborproben gesucht",
            "Wir suchen einen Kurier, der Blut- und Gewebeproben bei 2–8 °C zwischen unseren Laboren fährt.",
        ),
        (
            beta,
            ProfileType.BUSINESS_OFFER,
            "Kühlkettenlogistik für Laborproben",
            "Wir fahren temperaturempfindliche Proben bei 2–8 °C mit Datenlogger zwischen Kliniken und Laboren.",
        ),
    ):
        factories.PartneringProfileFactory(
            organisation=organisation, type=kind, published=True, title_de=title, summary_de=summary
        )
    for n in range(12):
        factories.PartneringProfileFactory(published=True, title_de=f"Sensorik und Automatisierung {n}")
    network = factories.OrganisationFactory(name="Cluster Gesundheitswirtschaft e. V.")
    factories.ClusterMembershipFactory(
        cluster=factories.ClusterFactory(managing_organisation=network), organisation=alpha
    )
    raw_key = factories.PartnerApiKeyFactory(
        organisation=network, scopes=["directory:read", "registrations:write"], throttle_rate="100000/min"
    ).raw_key
    staff = get_user_model().objects.create_superuser(
        username="leitung", email="leitung@wfs.example", password=PASSWORD
    )
    return {
        "alpha": alpha,
        "beta": beta,
        "rep_a": _person(alpha, "anna@alpha.example.de"),
        "rep_b": _person(beta, "ben@beta.example.de"),
        "booths": [factories.JointBoothFactory(capacity=20, total_area_m2=400) for _ in range(3)],
        "api_key": raw_key,
        "staff": staff,
    }


def _first_generation(stack: Stack, staff: Browser) -> MatchGeneration:
    """The matches before the drill: started by staff in the admin, computed by the real worker."""
    response = staff.post("/admin/matchmaking/matchgeneration/start/")
    assert response.status_code == 302, response.status_code
    return wait_for(
        lambda: MatchGeneration.objects.filter(state=GenerationState.ACTIVE).first(),
        timeout=180,
        interval=1,
        what="the first match generation (worker and relay up)",
    )


def _settled(since: datetime.datetime) -> bool:
    """Everything the outbox holds from ``since`` on is delivered or failed for good."""
    return (
        not OutboxMessage.objects.filter(created__gte=since)
        .exclude(state__in=[MessageState.SENT, MessageState.DEAD])
        .exists()
    )


def _emails_since(since):
    return OutboxMessage.objects.filter(kind=MessageKind.EMAIL, created__gte=since)


def _apply(browser: Browser, booth) -> int:
    return browser.submit(
        f"/portal/fairs/booths/{booth.pk}/apply/",
        {"requested_area_m2": "12", "de_minimis_declared": "on", "no_double_funding_declared": "on"},
    ).status_code


# --- Redis away ---------------------------------------------------------------------------------------


def test_redis_away_users_see_no_error_and_everything_happens_once_it_is_back(stack):
    world = _world()
    stack.start("redis", "smtp", "web", "relay", "worker")
    anna, ben, staff = (Browser(stack.url) for _ in range(3))
    assert anna.login_portal("anna@alpha.example.de", PASSWORD).status_code == 302
    assert ben.login_portal("ben@beta.example.de", PASSWORD).status_code == 302
    assert staff.login_admin("leitung", PASSWORD).status_code == 302
    first = _first_generation(stack, staff)
    wait_for(lambda: _settled(first.created), timeout=60, what="the outbox to settle before the fault")
    mails_before = len(stack.mails())

    # --- Redis goes away
    stack["redis"].stop()
    fault_started = timezone.now()
    newcomer, intruder, colleague = Browser(stack.url), Browser(stack.url), Browser(stack.url)
    actions = {
        "portal start page": anna.get("/portal/").status_code,
        "booth application": _apply(anna, world["booths"][0]),
        "profile change": anna.submit(
            f"/portal/organisations/{world['alpha'].pk}/edit/", {"city": "Chemnitz"}
        ).status_code,
        "introduction request": anna.submit(
            f"/portal/matches/{world['beta'].pk}/", {"message": "Wir suchen Kühltransporte für Proben."}
        ).status_code,
    }
    request = ContactRequest.objects.get(requester=world["alpha"], target=world["beta"])
    actions |= {
        "introduction accepted": ben.post(
            f"/portal/introductions/{request.pk}/decide/", {"decision": "accept"}
        ).status_code,
        "report requested in the admin": staff.submit(
            "/admin/reports/report/add/", {"kind": "annual", "year": str(timezone.localdate().year - 1)}
        ).status_code,
        "recompute started in the admin": staff.post("/admin/matchmaking/matchgeneration/start/").status_code,
        "portal login": newcomer.login_portal("anna@alpha.example.de", PASSWORD).status_code,
        "portal login, wrong password": intruder.login_portal("ben@beta.example.de", "falsch-falsch").status_code,
        "admin login": colleague.login_admin("leitung", PASSWORD).status_code,
        "admin organisation list": colleague.get("/admin/companies/organisation/").status_code,
    }
    api = {"Authorization": f"Api-Key {world['api_key']}"}
    import requests

    body = {"booth": world["booths"][1].pk, "organisation": world["alpha"].pk, "requested_area_m2": "9.00"}
    idempotency = {**api, "Idempotency-Key": str(uuid.uuid4())}
    actions |= {
        "API list": requests.get(f"{stack.url}/api/v1/organisations/", headers=api, timeout=30).status_code,
        "API registration": requests.post(
            f"{stack.url}/api/v1/booth-registrations/", json=body, headers=idempotency, timeout=30
        ).status_code,
        "API registration, retried": requests.post(
            f"{stack.url}/api/v1/booth-registrations/", json=body, headers=idempotency, timeout=30
        ).status_code,
    }
    started = time.monotonic()
    health = requests.get(f"{stack.url}/health/", timeout=10)
    health_seconds = time.monotonic() - started

    server_errors = {name: code for name, code in actions.items() if code >= 500}
    assert not server_errors, f"{server_errors}\n{stack.logs()}"
    assert actions["booth application"] == actions["profile change"] == 302
    assert actions["portal login"] == actions["admin login"] == 302
    assert actions["portal login, wrong password"] == 200
    assert actions["API registration"] == actions["API registration, retried"] == 201
    assert health.status_code == 503 and health_seconds < 2.5
    assert BoothRegistration.objects.filter(organisation=world["alpha"]).count() == 2
    report = Report.objects.get()
    waiting = OutboxMessage.objects.filter(created__gte=fault_started, state=MessageState.PENDING)
    assert waiting.filter(kind=MessageKind.TASK).exists(), "tasks wait for the broker"

    # --- Redis is back
    stack["redis"].start()
    back = time.monotonic()
    wait_for(
        lambda: _settled(fault_started) and Report.objects.get(pk=report.pk).state == ReportState.DONE,
        timeout=180,
        interval=0.5,
        what="the outbox and the report after Redis came back",
    )
    generation = wait_for(
        lambda: MatchGeneration.objects.filter(state=GenerationState.ACTIVE).exclude(pk=first.pk).first(),
        timeout=180,
        interval=0.5,
        what="the recompute started during the fault",
    )
    emails = _emails_since(fault_started)
    wait_for(lambda: len(stack.mails()) - mails_before >= emails.count(), timeout=60, what="the e-mails to arrive")
    recovered = time.monotonic() - back
    mails = stack.mails()[mails_before:]

    assert not emails.exclude(state=MessageState.SENT).exists()
    assert len(mails) == emails.count(), "every e-mail exactly once"
    assert len(set(message_ids(mails))) == len(mails)
    subjects = [subject(m) for m in mails]
    assert any("Alpha Medizintechnik GmbH" in s for s in subjects)  # the introduction reached Ben
    assert generation.created > fault_started
    _report(
        "redis-away",
        {
            "actions_during_fault": len(actions),
            "server_errors": len(server_errors),
            "answers": actions,
            "health_seconds": round(health_seconds, 2),
            "messages_written_during_fault": OutboxMessage.objects.filter(created__gte=fault_started).count(),
            "emails_delivered": len(mails),
            "emails_doubled": len(mails) - len(set(message_ids(mails))),
            "recovered_seconds": round(recovered, 1),
        },
    )


# --- the mail server away -------------------------------------------------------------------------


def test_the_mail_server_away_delays_emails_and_loses_or_doubles_none(stack):
    world = _world()
    stack.start("redis", "smtp", "web", "relay", "worker")
    anna, ben = Browser(stack.url), Browser(stack.url)
    assert anna.login_portal("anna@alpha.example.de", PASSWORD).status_code == 302
    assert ben.login_portal("ben@beta.example.de", PASSWORD).status_code == 302

    stack["smtp"].stop()
    fault_started = timezone.now()
    signup = Browser(stack.url)
    actions = {
        "booth application": _apply(anna, world["booths"][0]),
        "second booth application": _apply(anna, world["booths"][1]),
        "join request": ben.submit(
            f"/portal/organisations/{world['alpha'].pk}/join/", {"message": "Vertrieb Kühllogistik"}
        ).status_code,
        "sign-up": signup.submit(
            "/accounts/signup/",
            {"email": "neu@gamma.example.de", "password1": PASSWORD, "password2": PASSWORD},
        ).status_code,
    }
    assert all(code in (200, 302) for code in actions.values()), actions
    emails = _emails_since(fault_started)
    wait_for(
        lambda: emails.filter(last_error__gt="").count() == emails.count() > 0,
        timeout=30,
        what="the relay to try and find the mail server away",
    )
    assert not emails.filter(state=MessageState.DEAD).exists()
    assert all(m.attempts == 0 for m in emails), "an outage does not count against a message"
    outage_seconds = 10
    time.sleep(outage_seconds)  # the server stays away a while; the relay keeps trying

    stack["smtp"].start()
    back = time.monotonic()
    wait_for(lambda: _settled(fault_started), timeout=60, interval=0.3, what="the e-mails after the server came back")
    wait_for(lambda: len(stack.mails()) >= emails.count(), timeout=30, what="the e-mails in the mailbox")
    recovered = time.monotonic() - back
    mails = stack.mails()

    assert len(mails) == emails.count() >= 6
    assert len(set(message_ids(mails))) == len(mails), "no e-mail twice"
    assert "neu@gamma.example.de" in [m["To"] for m in mails], "the sign-up's confirmation came"
    _report(
        "mail-server-away",
        {
            "actions_during_fault": len(actions),
            "server_errors": sum(code >= 500 for code in actions.values()),
            "emails_written_during_fault": emails.count(),
            "emails_delivered": len(mails),
            "emails_doubled": len(mails) - len(set(message_ids(mails))),
            "outage_seconds": outage_seconds,
            "recovered_seconds": round(recovered, 1),
        },
    )


# --- a worker killed -----------------------------------------------------------------------------------


def test_a_worker_killed_mid_recompute_delays_it_by_minutes_not_an_hour(stack):
    """SIGKILL (no clean-up of any kind) while the corpus is being embedded, and again while the chunks
    are computed: each time the restarted worker, with the watchdog, finishes the recompute."""
    world = _world()
    for n in range(120):  # enough organisations for a dozen chunks
        factories.PartneringProfileFactory(published=True, title_de=f"Werkstofftechnik und Leichtbau {n}")
    stack.start("redis", "smtp", "web", "relay", "worker", "beat")
    staff = Browser(stack.url)
    assert staff.login_admin("leitung", PASSWORD).status_code == 302
    assert world

    assert staff.post("/admin/matchmaking/matchgeneration/start/").status_code == 302
    generation = MatchGeneration.objects.get()

    def kill_during(moment: str, under_way) -> float:
        wait_for(under_way, timeout=240, interval=0.02, what=f"the recompute's {moment}")
        stack["worker"].kill()
        killed = time.monotonic()
        generation.refresh_from_db()
        assert generation.state == GenerationState.BUILDING
        stack["worker"].start()
        return killed

    def preparing():
        generation.refresh_from_db()
        return generation.snapshot == "-"  # the corpus is being embedded

    def computing_chunks():
        generation.refresh_from_db()
        return 0 < generation.chunks_done < generation.chunks_total - 2

    killed = kill_during("preparation", preparing)
    wait_for(computing_chunks, timeout=240, interval=0.02, what="the chunks after the first kill")
    after_preparation = time.monotonic() - killed
    done_when_killed = generation.chunks_done
    killed = kill_during("chunks", computing_chunks)
    wait_for(
        lambda: MatchGeneration.objects.get(pk=generation.pk).state == GenerationState.ACTIVE,
        timeout=240,
        interval=0.5,
        what="the recompute to finish after the worker came back",
    )
    after_chunks = time.monotonic() - killed
    generation.refresh_from_db()

    assert after_preparation < 180 and after_chunks < 180
    # The preparation killed is resumed by the watchdog; the chunk killed is sent again either by it
    # or by the run itself (the next dispatch re-sends a chunk whose claim ran out), whichever comes first.
    assert generation.attempts >= 2, "the watchdog resumed the preparation"
    assert generation.chunks_done == generation.chunks_total
    _report(
        "worker-killed",
        {
            "chunks": generation.chunks_total,
            "killed_during_preparation_back_at_work_seconds": round(after_preparation, 1),
            "killed_after_chunks_done": done_when_killed,
            "killed_during_chunks_finished_seconds": round(after_chunks, 1),
        },
    )


def test_the_worker_outlives_redis_restarting_while_it_holds_a_task_with_a_countdown(stack):
    """kombu 5.7.0 ends the worker there (wfs_portal/celery.py works around it)."""
    from celery import Celery

    stack.start("redis", "worker")
    wait_for(lambda: "ready" in stack["worker"].tail(), timeout=60, what="the worker to be ready")
    producer = Celery()

    def send(**options):
        # An explicit connection: Celery would prefer the CELERY_BROKER_URL of the test process (CI).
        with producer.connection_for_write(stack.env["CELERY_BROKER_URL"]) as connection:
            producer.send_task("companies.tasks.partnering_profiles_expire", connection=connection, **options)

    send(countdown=60)
    wait_for(lambda: "received" in stack["worker"].tail(), timeout=30, what="the worker to hold the task")

    stack["redis"].stop()
    time.sleep(3)
    stack["redis"].start()
    send()

    wait_for(
        lambda: stack["worker"].tail(200).count("succeeded") >= 1,
        timeout=90,
        what=f"the worker to run a task after Redis came back:\n{stack['worker'].tail()}",
    )
    assert stack["worker"].running
    assert "Unrecoverable error" not in stack["worker"].tail(400)


# --- the API throttle across processes ----------------------------------------------------------------


def test_a_key_gets_exactly_its_limit_across_the_web_processes(stack):
    import requests

    network = factories.OrganisationFactory()
    raw_key = factories.PartnerApiKeyFactory(organisation=network, throttle_rate="40/min").raw_key
    stack.start("redis", "web")
    # The burst must fall into one window (one minute): not in its last seconds.
    if timezone.now().second > 45:
        time.sleep(61 - timezone.now().second)
    codes: list[int] = []
    url = f"{stack.url}/api/v1/technology-fields/"

    def client():
        session = requests.Session()
        for _ in range(8):
            codes.append(session.get(url, headers={"Authorization": f"Api-Key {raw_key}"}, timeout=30).status_code)

    threads = [threading.Thread(target=client) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert codes.count(200) == 40, codes
    assert codes.count(429) == 120
    _report("throttle", {"requests": len(codes), "allowed": codes.count(200), "limit": 40, "web_processes": 2})
