"""The sector picker in a real browser: typing filters the NACE list by code, title and the words
companies use (static/portal/picker.js)."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.test import Client

from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _classification():
    """The NACE classification comes from a data migration, which a transactional test that ran
    before has flushed: load it again the same way. (serialized_rollback would restore it too, but
    clashes with the content types that flush recreates.)"""
    from companies.models.classifications import Sector

    if not Sector.objects.exists():
        importlib.import_module("companies.migrations.0002_load_reference_data").load(django_apps, None)


def shown_codes(page) -> set[str]:
    return set(
        page.eval_on_selector_all(
            "[data-picker-row]", "rows => rows.filter(r => !r.hidden).map(r => r.textContent.trim().split(' ')[0])"
        )
    )


def test_typing_filters_by_keyword_without_umlauts(new_page, live_server, shot):
    client = Client()
    client.force_login(factories.CompanyUserFactory())
    page = new_page()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto("/portal/organisations/register/")
    total = len(shown_codes(page))

    page.fill("[data-picker-filter]", "kuehl")
    cold = shown_codes(page)
    page.fill("[data-picker-filter]", "Medizintechnik")
    medical = shown_codes(page)
    shot(page, "sector-picker-medizintechnik")
    page.fill("[data-picker-filter]", "Maschinenbau")
    machinery = shown_codes(page)
    page.fill("[data-picker-filter]", "")

    assert {"52.10", "49.41"} <= cold and len(cold) < 10
    assert medical == {"26.60", "32.50"}
    assert {"28", "28.41", "28.99"} <= machinery  # the division's keyword finds its classes
    assert len(shown_codes(page)) == total > 900
