"""Fixtures shared by the whole suite: the fixed characters of CONVENTIONS.md and Celery set-up."""

from importlib import import_module

import pytest

from wfs_portal.celery import app as celery_app


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process unless a test is about the background behaviour itself; then it is
    marked ``celery_worker`` and gets a real worker (see tests/test_celery.py), and the outbox's
    relay runs beside it, as ``manage.py outbox_relay`` does in production."""
    if request.node.get_closest_marker("celery_worker"):
        request.getfixturevalue("outbox_relay")
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _reference_data(request):
    """A test with a real transaction starts with the migrated classification (NACE sectors and the
    technology fields), whichever test ran before it: the flush after a transactional test empties
    every table, the migrations' reference data too, and the next one would find none."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from companies.models.classifications import Sector

    if not Sector.objects.exists():
        import_module("companies.migrations.0002_load_reference_data").load(apps, None)


@pytest.fixture(autouse=True)
def _no_deliveries_later(settings):
    """A message due later is not delivered by a timer of the test process (it would fire in
    another test); the tests of that path switch it on."""
    settings.OUTBOX_DELIVER_LATER_IN_PROCESS = False


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: rate limits counted by one test (logins, the API
    throttle, used TOTP codes) must not refuse the next test's requests."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _search_vectors_forgotten():
    """The search's vectors are kept per process (matchmaking/search_vectors.py): a test must not
    find the rows of another test's rolled-back data by their ids."""
    from matchmaking import search_vectors

    search_vectors.forget()


@pytest.fixture
def outbox_relay():
    """The outbox's relay in a thread of the test process, delivering what the test commits."""
    import threading

    from outbox.relay import Relay

    stop = threading.Event()
    relay = Relay(idle=0.5)
    thread = threading.Thread(target=relay.run_forever, args=(stop,), name="outbox-relay", daemon=True)
    thread.start()
    yield relay
    stop.set()
    thread.join(timeout=15)


@pytest.fixture
def staff_user(django_user_model):
    """An agency staff member with every permission (the admin's everyday user). Tests log in with
    force_login, so no password is hashed (Argon2 costs a third of a second per test)."""
    return django_user_model.objects.create_superuser(username="staff", email="staff@wfs.example", password=None)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


# --- the portal's fixed characters: organisation A with its representative (who is logged in as
# client_a), and organisation B whose representative must get 404 on A's records. A module that
# needs a variant (an editor, a clinic) overrides the fixture.


@pytest.fixture
def organisation_a():
    from tests import factories

    return factories.OrganisationFactory(name="Alpha Medizintechnik GmbH")


@pytest.fixture
def organisation_b():
    from tests import factories

    return factories.OrganisationFactory(name="Beta Logistik GmbH")


@pytest.fixture
def representative_a(organisation_a):
    """An approved administrator of organisation A."""
    from tests import factories

    return factories.RepresentativeFactory(organisation=organisation_a, administrator=True)


@pytest.fixture
def representative_b(organisation_b):
    from tests import factories

    return factories.RepresentativeFactory(organisation=organisation_b, administrator=True)


@pytest.fixture
def client_a(client, representative_a):
    client.force_login(representative_a.user)
    return client
