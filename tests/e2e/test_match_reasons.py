"""A match list in a real browser, as a research institute sees it: a partner that also looks for a
partner for a joint project on the same subject says so among its reasons, in German and English,
on a desktop and a phone; the score reads as a percentage."""

import pytest
from django.contrib.auth.hashers import make_password

from matchmaking.engine import reason_flags as flags
from tests import factories
from tests.e2e.test_portal_home import PASSWORD, PHONE, log_in, switch_language

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = {
    "de": "sucht ebenfalls einen Partner für ein gemeinsames Vorhaben zum selben Thema",
    "en": "also looks for a partner for a joint project on the same subject",
}


@pytest.fixture
def institute():
    representative = factories.RepresentativeFactory(
        administrator=True,
        user__password=make_password(PASSWORD),
        organisation__name="Institut für Batterieforschung Freiberg",
        organisation__kind="research",
    )
    factories.MatchFactory(
        organisation=representative.organisation,
        partner__name="Ústav materiálové chemie Brno",
        partner__kind="research",
        rank=0,
        score=0.8125,
        reason_flags=flags.CO_OPERATION,
    )
    return representative


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_co_operation_partner_says_why_in_the_match_list(new_page, shot, institute, language, size):
    page = new_page(**PHONE) if size == "phone" else new_page()
    log_in(page, institute)
    if language != "de":
        switch_language(page, language)
    page.goto("/portal/matches/")

    card = page.locator(".match-card", has_text="Ústav materiálové chemie Brno")
    assert card.count() == 1
    text = card.inner_text()
    assert REASON[language] in text
    assert "81 %" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    shot(page, f"match-reasons-co-operation-{language}-{size}")
