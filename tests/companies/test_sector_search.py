"""The sector picker's search: the words companies use for their sector find the NACE classes, case-
and umlaut-insensitively, by word prefix; the page carries what the picker needs; and the browser's
folding (static/portal/picker.js) is companies.sector_search's."""

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from companies import sector_search
from companies.models.classifications import Sector
from tests import factories

pytestmark = pytest.mark.django_db

PICKER_JS = Path(__file__).resolve().parents[2] / "static" / "portal" / "picker.js"


def search(query: str) -> set[str]:
    """The codes the picker shows for ``query``, on the whole classification (German titles shown)."""
    sectors = list(Sector.objects.order_by("position"))
    rows = [
        (s.level, sector_search.terms([s.code, s.name_de]) | set(sector_search.keyword_terms(s.code).split()))
        for s in sectors
    ]
    return {sectors[i].code for i in sector_search.visible(query, rows)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Medizintechnik", {"32.50", "26.60"}),
        ("medical devices", {"32.50", "26.60"}),
        ("Logistik", {"49.20", "49.41", "52.10", "52.29", "53.20"}),
        ("logistics", {"49.41", "52.10"}),
        ("Kühl", {"52.10", "49.41"}),
        ("kuehl", {"52.10", "49.41"}),
        ("KUHL", {"52.10", "49.41"}),
        ("Kühlkette", {"52.10", "49.41"}),
        ("cold chain", {"52.10", "49.41"}),
        ("Software", {"62.01", "62.02", "58.29"}),
        ("Maschinenbau", {"28.11", "28.41", "28.99"}),
        ("mechanical engineering", {"28.15", "28.99"}),
        ("Automobil", {"29.10", "29.20", "29.32"}),
        ("Fahrzeugbau", {"29.10", "29.32"}),
        ("automotive", {"29.10", "29.31"}),
        ("Halbleiter", {"26.11", "26.12"}),
        ("Mikroelektronik", {"26.11"}),
        ("semiconductors", {"26.11"}),
        ("Biotechnologie", {"72.11", "21.10", "21.20"}),
        ("biotech", {"72.11"}),
        ("Energie", {"35.11", "35.22", "35.30"}),
        ("Wasser", {"36.00", "37.00", "38.11", "39.00"}),
        ("Lebensmittel", {"10.11", "10.71", "10.89"}),
        ("food", {"10.71"}),
        ("Textil", {"13.20", "13.96", "14.12"}),
        ("Bau", {"41.20", "42.11", "43.21"}),
        ("construction", {"41.20", "43.99"}),
        ("Chemie", {"20.14", "20.16"}),
        ("Luft- und Raumfahrt", {"30.30"}),
        ("aerospace", {"30.30"}),
        ("Schienenfahrzeuge", {"30.20"}),
        ("rolling stock", {"30.20"}),
        ("26.60", {"26.60"}),
        ("26.6", {"26.6", "26.60"}),
    ],
)
def test_the_words_companies_use_find_their_classes(query, expected):
    found = search(query)

    assert expected <= found, sorted(expected - found)


@pytest.mark.parametrize(
    ("query", "unwanted"),
    [
        ("Medizintechnik", {"10.71", "49.41", "86.10"}),
        ("Kühlkette", {"28.25", "10.51", "62.01"}),
        ("Halbleiter", {"26.20", "27.11"}),
        ("Schienenfahrzeuge", {"29.10", "30.30"}),
    ],
)
def test_a_term_finds_its_classes_only(query, unwanted):
    assert not search(query) & unwanted


def test_every_word_must_match_and_an_unknown_word_finds_nothing():
    # Road haulage has both; the warehouse (52.10) and the forwarder (52.29) one each.
    assert search("Kühlkette Spedition") == {"49.41"}
    assert search("Quantenschaum") == set()
    assert len(search("")) == Sector.objects.count()


def test_every_keyword_names_an_existing_code():
    codes = set(Sector.objects.values_list("code", flat=True))

    assert set(sector_search.keywords()) <= codes
    assert len(sector_search.keywords()) > 50


def test_keyword_terms_leave_out_what_the_row_shows_and_shorter_prefixes():
    terms = sector_search.keyword_terms("52.10", ["52.10", "Lagerei"]).split()

    assert "kuehlkette" in terms and "kuhlkette" in terms
    assert "lagerei" not in terms  # shown in the title already
    assert "lager" not in terms  # "lagerhaltung" matches everything "lager" would
    assert sector_search.keyword_terms("01.11") == ""


ROW = re.compile(r'<label data-picker-row class="level-(\d)"(?: data-terms="([^"]*)")?>[^>]*>\s*([^<]*)</label>')


def test_the_page_carries_what_the_picker_searches(client):
    """The rule on the rows as the registration page renders them: their text and data-terms."""
    client.force_login(factories.CompanyUserFactory())
    page = client.get(reverse("portal:organisation-register")).content.decode()
    rows = [(int(level), html.unescape(terms), html.unescape(text)) for level, terms, text in ROW.findall(page)]
    assert len(rows) == Sector.objects.count()

    def shown(query):
        indexed = [(level, sector_search.terms([text]) | set(terms.split())) for level, terms, text in rows]
        return {rows[i][2].split()[0] for i in sector_search.visible(query, indexed)}

    assert {"26.60", "32.50"} <= shown("Medizintechnik")
    assert {"49.41", "52.10"} <= shown("kuehl")
    assert shown("Medizintechnik") == search("Medizintechnik")


SAMPLES = [
    "Kühlkette",
    "KÜHL",
    "kuehl",
    "Straßengüterverkehr",
    "Luft- und Raumfahrt",
    "26.60 Herstellung von Bestrahlungs- und Elektrotherapiegeräten",
    "Café, crème brûlée",
    "3D-Druck; E-Mobilität",
    "a. n. g.",
    "Ölmühle Öhringen",
]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run static/portal/picker.js")
def test_the_browser_folds_as_the_server_does():
    script = (
        f"const picker = require({json.dumps(str(PICKER_JS))});"
        f"const samples = {json.dumps(SAMPLES)};"
        "console.log(JSON.stringify(samples.map(s => [picker.queryWords(s), picker.terms(s)])));"
    )
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True, timeout=30).stdout

    for sample, (words, terms) in zip(SAMPLES, json.loads(out), strict=True):
        assert words == sector_search.query_words(sample), sample
        assert set(terms) == sector_search.terms([sample]), sample
