"""The staff admin's screens in a real browser: the match computation's start button can be clicked
(nothing lies over it), the change pages with many inline rows fit a 1400 px screen, and the
delegation's countries are picked in the filter widget. Screenshots in German and English, on the
desktop and a phone, go to test-artifacts/e2e/admin-screens-*.png."""

import datetime

import pytest

from delegations.models import Delegation
from matchmaking.engine import reason_flags as flags
from matchmaking.models.generations import MatchGeneration
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, fits
from wfs_portal.choices import RegistrationState

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def busy_records():
    """An organisation, a joint booth and a delegation with as many inline rows as the demo data's
    fullest ones, and long names in them."""
    organisation = factories.OrganisationFactory(name="Süßebier Semiconductors GmbH & Co. KG")
    for index in range(4):
        factories.ContactFactory(
            organisation=organisation,
            title="Prof. Dr.",
            position="Leitung Internationale Geschäftsentwicklung",
            email=f"person-{index}.mit-langem-namen@suessebier-semiconductors.example",
        )
        factories.PartneringProfileFactory(
            organisation=organisation, title_en="Miniaturised gas sensors for clinical ventilation"
        )
    for cluster in factories.ClusterFactory.create_batch(2):
        factories.ClusterMembershipFactory(organisation=organisation, cluster=cluster)
    factories.RepresentativeFactory(organisation=organisation, administrator=True)

    booth = factories.JointBoothFactory()
    for index in range(8):
        factories.BoothRegistrationFactory(
            booth=booth,
            organisation__name=f"Medizintechnik Oberlausitz Nummer {index} GmbH & Co. KG",
            state=RegistrationState.CONFIRMED if index % 2 else RegistrationState.APPLIED,
            de_minimis_declared=True,
        )

    delegation = factories.DelegationFactory(countries=["PL", "CZ"])
    for index in range(6):
        factories.DelegationParticipantFactory(
            delegation=delegation, organisation__name=f"Logistikzentrum Mitteldeutschland {index} GmbH"
        )
    for day in range(3):
        factories.ProgrammeItemFactory(
            delegation=delegation,
            starts_at=datetime.datetime.combine(
                delegation.start_date + datetime.timedelta(days=day), datetime.time(9), tzinfo=datetime.UTC
            ),
            title="Empfang in der Deutschen Auslandshandelskammer mit Länderbriefing",
            place="Residenz des Botschafters, Warschau",
        )
    return {"organisation": organisation, "booth": booth, "delegation": delegation}


def test_the_start_button_of_the_match_computations_can_be_clicked(staff_page, shot, monkeypatch):
    # The click is what is tested, not a computation (tests/companies/test_matching.py runs one).
    started = []

    def start(*, user):
        started.append(user)
        return factories.MatchGenerationFactory(requested_by=user)

    monkeypatch.setattr("matchmaking.admin.generations.match_generation_start", start)
    for language in ("de", "en"):
        for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page = staff_page(language=language, **size)
            page.goto("/admin/matchmaking/matchgeneration/")
            button = page.locator("form.match-start button")
            box = button.bounding_box()
            # Nothing lies over the button's middle (it lay under "Export" and took clicks on 45 px).
            on_top = page.evaluate(
                "([x, y]) => document.elementFromPoint(x, y).closest('form.match-start') !== null",
                [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
            )
            assert on_top
            shot(page, f"admin-screens-match-generations-{language}-{name}")
            button.click()
            page.wait_for_url("**/admin/matchmaking/matchgeneration/")
            assert page.locator(".messagelist .success, .messagelist .info").count() == 1
    assert len(started) == 4
    assert MatchGeneration.objects.count() == 4


@pytest.mark.parametrize("record", ["organisation", "booth", "delegation"])
def test_change_pages_with_many_inline_rows_fit_a_1400_px_screen(staff_page, shot, busy_records, record):
    obj = busy_records[record]
    path = f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"
    for language in ("de", "en"):
        page = staff_page(language=language, **DESKTOP)
        page.goto(path, wait_until="networkidle")

        assert page.locator(".inline-group").count() > 0
        scroll_width, viewport = fits(page)
        assert scroll_width <= 1400, f"{path} is {scroll_width} px wide ({language})"
        shot(page, f"admin-screens-{record}-{language}-desktop")

        phone = staff_page(language=language, **PHONE)
        phone.goto(path, wait_until="networkidle")
        scroll_width, viewport = fits(phone)
        assert scroll_width <= viewport, f"{path} is {scroll_width} px wide on a phone ({language})"
        shot(phone, f"admin-screens-{record}-{language}-phone")


def test_the_delegation_countries_are_found_by_typing(staff_page, shot, busy_records):
    delegation = busy_records["delegation"]
    page = staff_page(**DESKTOP)
    problems = []
    page.on("console", lambda message: "Content Security Policy" in message.text and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"/admin/delegations/delegation/{delegation.pk}/change/", wait_until="networkidle")

    # The filter narrows the list as one types (it listens to key presses, not to a pasted value).
    page.locator("#id_countries_input").press_sequentially("Vietn")
    assert page.locator("#id_countries_from option").all_inner_texts() == ["Vietnam"]
    page.select_option("#id_countries_from", "VN")
    page.click("#id_countries_add")
    shot(page, "admin-screens-delegation-countries")
    page.click("input[name=_continue]")
    page.wait_for_load_state()

    delegation = Delegation.objects.get(pk=delegation.pk)
    assert sorted(country.code for country in delegation.countries) == ["CZ", "PL", "VN"]
    assert not problems  # the widget's scripts are the admin's static files: nothing for the policy to block


def test_the_match_list_explains_its_order_and_names_a_co_operation(staff_page, shot):
    """The learned score comes without a diversity margin: the help says pins come first, then the
    score; a co-operation of two institutes is named among the reasons, in the reader's language."""
    factories.MatchFactory(
        organisation__name="Institut für Batterieforschung Freiberg",
        partner__name="Ústav materiálové chemie Brno",
        rank=0,
        score=0.8125,
        reason_flags=flags.CO_OPERATION,
    )
    words = {
        "de": ("in der Reihenfolge ihres Scores", "sucht ebenfalls einen Partner für ein gemeinsames Vorhaben"),
        "en": ("in the order of their score", "also looks for a partner for a joint project"),
    }
    for language, (order, reason) in words.items():
        for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page = staff_page(language=language, **size)
            page.goto("/admin/matchmaking/match/")
            assert order in page.locator("p.match-order").inner_text()
            row = page.locator("#result_list tbody tr").first.inner_text()
            assert reason in row and "81 %" in row, row
            shot(page, f"admin-screens-match-list-{language}-{name}")
