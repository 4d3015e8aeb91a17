"""The staff admin's screens as staff read them: the match computations and matches (durations,
ranks, scores, reasons, profiles by title), the record history (labels, local dates, names, the
change reasons in the reader's language), and the change forms' layout (the countries widget, the
booth registrations' state column). Widths on a real screen: tests/e2e/test_admin_screens.py."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.text import capfirst
from django_countries.fields import Country
from simple_history.models import DeletedObject

from companies.choices import VerificationState
from companies.models.organisations import Organisation
from companies.services.organisations import organisation_verify
from delegations.models import Delegation
from fairs.models import BoothRegistration, JointBooth, TradeFair
from matchmaking.engine import reason_flags as flags
from matchmaking.models.matches import Match
from matchmaking.reasons import render_one
from tests import factories
from wfs_portal import history
from wfs_portal.admin import duration_text
from wfs_portal.choices import RegistrationState

pytestmark = pytest.mark.django_db


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# --- durations -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seconds, expected",
    [
        (5.539037, "5 s"),
        (0.4, "0 s"),
        (120, "2 min"),
        (192.5, "3 min 12 s"),
        (3600, "1 h"),
        (3840, "1 h 4 min"),
        (26 * 3600 + 59, "26 h"),
    ],
)
@pytest.mark.parametrize("language", ["de", "en"])
def test_a_duration_reads_in_hours_minutes_and_seconds(seconds, expected, language):
    with translation.override(language):
        assert duration_text(datetime.timedelta(seconds=seconds)) == expected


def test_no_duration_is_a_dash():
    assert duration_text(None) == "—"


# --- match computations ----------------------------------------------------------------------------


def test_the_generation_list_shows_the_duration_as_a_person_reads_it(staff_client):
    started = timezone.now() - datetime.timedelta(hours=1)
    factories.MatchGenerationFactory(started_at=started, finished_at=started + datetime.timedelta(seconds=192.5))

    page = staff_client.get(reverse("admin:matchmaking_matchgeneration_changelist")).content.decode()

    assert "3 min 12 s" in page
    assert "0:03:12" not in page


def test_an_empty_value_reads_as_a_dash_in_every_list(staff_client):
    factories.MatchGenerationFactory(started_at=None, finished_at=None)

    page = staff_client.get(reverse("admin:matchmaking_matchgeneration_changelist")).content.decode()

    assert ">—</td>" in page
    assert ">-</td>" not in page


def test_the_start_button_stands_among_the_list_tools(staff_client):
    page = staff_client.get(reverse("admin:matchmaking_matchgeneration_changelist")).content.decode()

    tools = re.search(r'<ul class="object-tools">(.*?)</ul>', page, re.S)
    assert tools, page
    start = reverse("admin:matchmaking_matchgeneration_start")
    assert f'action="{start}"' in tools.group(1)
    assert "export_link" in tools.group(1)  # beside import-export's "Export", not under it


# --- matches -------------------------------------------------------------------------------------


def _readonly(response) -> dict[str, str]:
    """{field name: shown value} of a view-only admin page."""
    return {
        field.field["name"]: str(field.contents())
        for fieldset in response.context["adminform"]
        for line in fieldset
        for field in line
    }


@pytest.fixture
def lists():
    """Two organisations' lists, the one of "Zeta" created first (so it has the lower id): "Zeta"'s
    second place scores higher than its first (the re-ranking for diversity), "Alpha"'s first
    place is pinned."""
    zeta = factories.OrganisationFactory(name="Zeta Sensorik GmbH")
    alpha = factories.OrganisationFactory(name="Alpha Logistik GmbH")
    partners = factories.OrganisationFactory.create_batch(2)
    return {
        "zeta": [
            factories.MatchFactory(organisation=zeta, partner=partners[0], rank=0, score=0.5),
            factories.MatchFactory(organisation=zeta, partner=partners[1], rank=1, score=0.6345807313919067),
        ],
        "alpha": [
            factories.MatchFactory(
                organisation=alpha,
                partner=partners[1],
                rank=0,
                score=0.21,
                pinned=True,
                reason_flags=flags.PINNED,
            ),
            factories.MatchFactory(organisation=alpha, partner=partners[0], rank=1, score=0.8),
        ],
    }


def test_the_match_list_is_ordered_by_organisation_name_then_rank(staff_client, lists):
    response = staff_client.get(reverse("admin:matchmaking_match_changelist"))

    assert list(response.context["cl"].result_list) == [*lists["alpha"], *lists["zeta"]]


def test_the_match_list_shows_ranks_from_one_and_scores_in_percent(staff_client, lists):
    page = staff_client.get(reverse("admin:matchmaking_match_changelist")).content.decode()

    ranks = re.findall(r'<td class="field-rank_display">(\d+)', page)
    assert ranks == ["1", "2", "1", "2"]
    assert re.findall(r'<td class="field-score_percent">([^<]*)</td>', page) == ["21 %", "80 %", "50 %", "63 %"]
    assert "0,6345" not in page and "0.6345" not in page


def test_a_pinned_partner_is_marked_as_pinned_in_its_rank(staff_client, lists):
    page = staff_client.get(reverse("admin:matchmaking_match_changelist")).content.decode()

    cells = re.findall(r'<td class="field-rank_display">(.*?)</td>', page, re.S)
    assert 'class="match-pinned"' in cells[0]
    assert not any('class="match-pinned"' in cell for cell in cells[1:])


def test_the_match_list_explains_why_its_order_differs_from_the_scores(staff_client, lists, settings):
    settings.MATCHING = {"diversity": 0.08}
    page = staff_client.get(reverse("admin:matchmaking_match_changelist")).content.decode()

    assert 'class="help match-order"' in page
    # The diversity margin of the settings' parameters, in percentage points.
    assert re.search(r"\b8\b", page.split('class="help match-order"')[1].split("</p>")[0])


def test_without_a_diversity_margin_the_match_list_says_only_pins_break_the_order(staff_client, lists):
    """The learned score comes without a diversity margin: pinned partners first, then by score."""
    page = staff_client.get(reverse("admin:matchmaking_match_changelist")).content.decode()
    help_text = page.split('class="help match-order"')[1].split("</p>")[0]

    assert "in der Reihenfolge ihres Scores" in help_text
    assert "Prozentpunkte" not in help_text


def test_the_score_filter_names_percentages(staff_client, lists):
    page = staff_client.get(reverse("admin:matchmaking_match_changelist")).content.decode()

    assert "≥ 70 %" in page
    assert "≥ 0.7" not in page


def test_the_match_export_reads_as_the_list(staff_client, lists):
    """ "Export selected": ranks from 1, scores in percent, names escaped, the reasons in words."""
    alpha = lists["alpha"]
    alpha[0].organisation.__class__.objects.filter(pk=alpha[0].organisation_id).update(name="=HYPERLINK(1)")
    selected = [m.pk for m in alpha]

    response = staff_client.post(
        reverse("admin:matchmaking_match_changelist"), {"action": "export_admin_action", "_selected_action": selected}
    )

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    with translation.override("de"):
        pinned_reason = render_one(alpha[0])
    assert list(rows[0])[:6] == ["Organisation", "Rang", "Partner", "Score (%)", "Von der WFS angeheftet", "Gründe"]
    assert [(r["Organisation"], r["Rang"], r["Score (%)"], r["Von der WFS angeheftet"]) for r in rows] == [
        ("'=HYPERLINK(1)", "1", "21", "Ja"),
        ("'=HYPERLINK(1)", "2", "80", "Nein"),
    ]
    assert rows[0]["Gründe"] == pinned_reason


def test_the_match_page_names_profiles_by_title_and_reasons_in_words(staff_client):
    organisation = factories.OrganisationFactory(name="Klinikum Nord")
    partner = factories.OrganisationFactory(name="Kühlkette Dresden GmbH")
    request = factories.PartneringProfileFactory(
        organisation=organisation, title_de="Transport klinischer Proben gesucht"
    )
    offer = factories.PartneringProfileFactory(organisation=partner, title_de="Kühlkettenkurier für Laborproben")
    logistik = factories.TechnologyFieldFactory(slug="logistik")
    match = factories.MatchFactory(
        organisation=organisation,
        partner=partner,
        rank=0,
        score=0.6345807313919067,
        reason_flags=flags.PARTNER_OFFERS | flags.CROSS_SECTOR,
        shared_fields=1 << 5,  # "logistik" in matchmaking.engine.vocabulary.FIELDS
        request_profile_ref=request.pk,
        offer_profile_ref=offer.pk,
    )

    response = staff_client.get(_url(Match, "change", match.pk))

    shown = _readonly(response)
    assert "Transport klinischer Proben gesucht" in shown["request_profile"]
    assert "Kühlkettenkurier für Laborproben" in shown["offer_profile"]
    assert reverse("admin:companies_partneringprofile_change", args=[offer.pk]) in shown["offer_profile"]
    assert shown["reasons_text"] == render_one(match, "de")
    assert shown["shared_fields_text"] == logistik.name
    assert (shown["rank_display"], shown["score_percent"]) == ("1", "63 %")
    page = response.content.decode()
    assert "0,6345" not in page and "0.63" not in page  # the heading and breadcrumbs too
    assert "63 %" in page.split("<h2>")[1].split("</h2>")[0]


def test_a_match_page_with_a_profile_deleted_since_still_loads(staff_client):
    match = factories.MatchFactory(request_profile_ref=987654, offer_profile_ref=0)

    response = staff_client.get(_url(Match, "change", match.pk))

    assert response.status_code == 200
    shown = _readonly(response)
    assert "987654" not in shown["request_profile"]
    assert shown["offer_profile"] == "—"


# --- history -------------------------------------------------------------------------------------


@pytest.fixture
def verified_organisation(staff_user):
    staff_user.first_name, staff_user.last_name = "Petra", "Lehmann"
    staff_user.save()
    organisation = factories.OrganisationFactory(self_registered=True)
    organisation_verify(organisation=organisation, user=staff_user)
    organisation.refresh_from_db()
    return organisation


def _changes(response) -> dict[str, dict]:
    """{field label: change} of the newest history entry."""
    newest = response.context["page_obj"].object_list[0]
    return {change["field"]: change for change in newest.history_delta_changes}


def test_history_shows_choice_labels_local_dates_and_names(staff_client, verified_organisation):
    response = staff_client.get(_url(Organisation, "history", verified_organisation.pk))  # German

    assert response.status_code == 200
    with translation.override("de"):
        changes = _changes(response)
        state = changes[capfirst(Organisation._meta.get_field("verification_state").verbose_name)]
        assert (state["old"], state["new"]) == (
            str(VerificationState.SELF_REGISTERED.label),
            str(VerificationState.VERIFIED.label),
        )
        verified_at = changes[capfirst(Organisation._meta.get_field("verified_at").verbose_name)]
        local = formats.date_format(timezone.localtime(verified_organisation.verified_at), "DATETIME_FORMAT")
        assert (verified_at["old"], verified_at["new"]) == ("—", local)
        verified_by = changes[capfirst(Organisation._meta.get_field("verified_by").verbose_name)]
        assert (verified_by["old"], verified_by["new"]) == ("—", "Petra Lehmann")
    page = response.content.decode()
    for internal in ("self_registered", "None", "pk=", "+00:00", "Deleted"):
        assert internal not in page
    assert "Petra Lehmann" in page


def _reasons(page: str) -> list[str]:
    """The reason column of the history page, newest first."""
    body = page.split('id="change-history"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return [
        re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[4].strip() for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.mark.parametrize("language, label", [("de", "verifiziert"), ("en", "verified")])
def test_history_shows_the_change_reasons_label_in_the_readers_language(
    staff_client, verified_organisation, language, label
):
    assert verified_organisation.history.latest().history_change_reason == "companies.organisation.verified"

    staff_client.cookies["django_language"] = language
    page = staff_client.get(_url(Organisation, "history", verified_organisation.pk)).content.decode()

    assert _reasons(page)[0] == label


def test_history_shows_a_reason_stored_before_the_codes_as_stored(staff_client, verified_organisation):
    verified_organisation.history.filter(history_change_reason__isnull=False).update(
        history_change_reason="geprüft laut Telefonat"
    )

    page = staff_client.get(_url(Organisation, "history", verified_organisation.pk)).content.decode()

    assert _reasons(page)[0] == "geprüft laut Telefonat"


def test_history_page_has_no_style_attributes(staff_client, verified_organisation):
    page = staff_client.get(_url(Organisation, "history", verified_organisation.pk)).content.decode()
    table = page[page.index('id="change-history"') :]

    assert "style=" not in table


def test_history_of_an_erased_author_shows_a_dash(staff_client, verified_organisation):
    verified_organisation.history.update(history_user=None)

    page = staff_client.get(_url(Organisation, "history", verified_organisation.pk)).content.decode()

    body = page.split('id="change-history"')[1].split("<tbody>")[1].split("</tbody>")[0]
    changed_by = [
        re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[3].strip() for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]
    assert changed_by == ["—", "—"]


def test_a_known_change_reason_is_translated_an_unknown_one_shown_as_stored():
    with translation.override("en"):
        assert history.change_reason_text("companies.organisation.logo_changed_in_portal") == (
            "logo changed in the portal"
        )
        assert history.change_reason_text("matchmaking.override.pinned") == "partner pinned"
        assert history.change_reason_text("a reason nobody listed") == "a reason nobody listed"
        assert history.change_reason_text("wfs_portal.api.key_write Ab12Cd (Cluster X)") == (
            "through API key Ab12Cd (Cluster X)"
        )
        assert history.change_reason_text(None) == "—"
        assert history.change_reason_text("") == "—"


def test_values_of_every_kind_read_as_text():
    user_model = get_user_model()
    organisation = Organisation._meta
    with translation.override("en"):
        assert history.value_text(organisation.get_field("matchmaking_opt_out"), True) == "Yes"
        assert history.value_text(organisation.get_field("founded"), None) == "—"
        assert history.value_text(organisation.get_field("country"), Country("VN")) == "Vietnam"
        assert history.value_text(Delegation._meta.get_field("countries"), [Country("VN"), Country("TH")]) == (
            "Vietnam, Thailand"
        )
        assert history.value_text(organisation.get_field("verified_by"), DeletedObject(user_model, None)) == "—"
        assert history.value_text(organisation.get_field("verified_by"), DeletedObject(user_model, 7)) == (
            "User (deleted)"
        )
        field = organisation.get_field("technology_fields")
        logistik = factories.TechnologyFieldFactory(slug="logistik")
        assert history.value_text(field, [{"technologyfield": logistik}]) == logistik.name
        assert history.value_text(field, []) == "—"
    with translation.override("de"):
        area = JointBooth._meta.get_field("total_area_m2")
        assert history.value_text(area, Decimal("1228.50")) == "1.228,50"
        assert history.value_text(Organisation._meta.get_field("founded"), 2014) == "2014"
        assert history.value_text(Organisation._meta.get_field("logo"), "logos/2026/alpha.png") == "alpha.png"
        assert history.value_text(TradeFair._meta.get_field("start_date"), datetime.date(2026, 1, 26)) == (
            formats.date_format(datetime.date(2026, 1, 26), "DATE_FORMAT")
        )


# --- change forms ----------------------------------------------------------------------------------


def test_the_delegation_countries_are_picked_in_the_filter_widget(staff_client):
    delegation = factories.DelegationFactory()

    page = staff_client.get(_url(Delegation, "change", delegation.pk)).content.decode()

    select = re.search(r'<select [^>]*name="countries"[^>]*>', page).group(0)
    assert 'class="selectfilter"' in select
    assert "admin/js/SelectFilter2.js" in page
    assert '<div class="filtered-select">' in page


def test_the_joint_booth_page_marks_first_time_exhibitors_in_the_state_column(staff_client):
    booth = factories.JointBoothFactory()
    factories.BoothRegistrationFactory(booth=booth, state=RegistrationState.CONFIRMED)

    response = staff_client.get(_url(JointBooth, "change", booth.pk))

    page = response.content.decode()
    assert 'class="first-time-exhibitor"' in page
    with translation.override("de"):
        assert str(RegistrationState.CONFIRMED.label) in page


def test_the_joint_booth_inline_on_the_fair_page_is_stacked(staff_client):
    booth = factories.JointBoothFactory()

    page = staff_client.get(_url(TradeFair, "change", booth.fair.pk)).content.decode()

    assert 'id="booths-group"' in page
    group = page[page.index('id="booths-group"') :]
    assert "tabular" not in group[: group.index("booths-0")]


def test_contacts_inline_leaves_the_academic_title_to_the_persons_page(staff_client):
    contact = factories.ContactFactory()

    page = staff_client.get(_url(Organisation, "change", contact.organisation.pk)).content.decode()

    assert 'name="contacts-0-first_name"' in page
    assert 'name="contacts-0-title"' not in page


def _save_booth_page(staff_client, registration, *, area: str, **changes):
    """Open the joint booth's page, send it back with the registration's area as typed (and other
    fields of the booth changed); returns the page as shown and the answer."""
    booth = registration.booth
    page = staff_client.get(_url(JointBooth, "change", booth.pk))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name != "fair"}
    data["fair"] = str(booth.fair.pk)
    data.update(changes)
    data.update(
        {
            "registrations-TOTAL_FORMS": "1",
            "registrations-INITIAL_FORMS": "1",
            "registrations-MIN_NUM_FORMS": "0",
            "registrations-MAX_NUM_FORMS": "1000",
            "registrations-0-id": str(registration.pk),
            "registrations-0-booth": str(booth.pk),
            "registrations-0-organisation": str(registration.organisation.pk),
            "registrations-0-contact": str(registration.contact.pk),
            "registrations-0-requested_area_m2": area,
            "registrations-0-with_stand_construction": "on",
        }
    )
    return page, staff_client.post(_url(JointBooth, "change", booth.pk), data)


def test_booth_registrations_keep_their_state_when_the_booth_is_saved(staff_client):
    registration = factories.BoothRegistrationFactory(state=RegistrationState.CONFIRMED)

    _page, response = _save_booth_page(staff_client, registration, area="14.00")

    assert response.status_code == 302, response.context and response.context["errors"]
    registration.refresh_from_db()
    assert registration.state == RegistrationState.CONFIRMED
    assert str(registration.requested_area_m2) == "14.00"
    assert BoothRegistration.objects.count() == 1


@pytest.mark.parametrize(("typed", "stored"), [("14,5", "14.50"), ("14.5", "14.50"), ("1.014,5", "1014.50")])
def test_decimals_are_shown_and_typed_in_the_readers_format(staff_client, typed, stored):
    registration = factories.BoothRegistrationFactory(requested_area_m2=Decimal("12.00"))

    # German; "1.500" is German for fifteen hundred.
    page, response = _save_booth_page(staff_client, registration, area=typed, total_area_m2="1.500")

    html = page.content.decode()
    assert 'name="registrations-0-requested_area_m2" value="12,00"' in html
    assert 'inputmode="decimal"' in html
    assert response.status_code == 302, response.context and response.context["errors"]
    registration.refresh_from_db()
    assert str(registration.requested_area_m2) == stored
    registration.booth.refresh_from_db()
    assert registration.booth.total_area_m2 == Decimal("1500")


def test_a_past_version_can_be_looked_at_but_not_saved_back(staff_client, verified_organisation):
    """Reverting would write back a verification state without the service (SIMPLE_HISTORY_REVERT_DISABLED)."""
    first = verified_organisation.history.earliest("history_date")
    version = reverse("admin:companies_organisation_simple_history", args=[verified_organisation.pk, first.history_id])

    history_page = staff_client.get(_url(Organisation, "history", verified_organisation.pk)).content.decode()
    shown = staff_client.get(version)
    refused = staff_client.post(version, {"name": "Zurückgesetzt GmbH"})

    assert version not in history_page
    assert f"Verlauf: {escape(verified_organisation.name)}" in history_page
    assert shown.status_code == 200
    assert f"Frühere Fassung: {escape(verified_organisation.name)}" in shown.content.decode()
    assert refused.status_code == 403
    verified_organisation.refresh_from_db()
    assert verified_organisation.verification_state == VerificationState.VERIFIED
