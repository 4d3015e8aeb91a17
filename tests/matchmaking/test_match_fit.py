"""manage.py match_fit: the held-out table on a labelled file, the weights it writes and what the
engine makes of them, the verdicts in the database as labels, and clear errors."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from companies.choices import ProfileType
from matchmaking.engine import learned
from matchmaking.engine.params import Params
from tests.factories import MatchFeedbackFactory, OrganisationFactory, PartneringProfileFactory

DATA = Path(__file__).resolve().parent.parent / "data"
EASY = DATA / "matching_eval.json"


def _run(*args) -> str:
    out = io.StringIO()
    call_command("match_fit", *args, stdout=out)
    return out.getvalue()


def test_the_table_compares_the_held_out_lists_with_every_single_signal_and_writes_usable_weights(tmp_path):
    """On the easy and the first hard set (the files the shipped weights are fitted on) the learned
    score beats every single signal on held-out lists, so the weights are written, and they are the
    shipped ones."""
    target = tmp_path / "weights.json"
    out = _run("--write", str(target))
    assert "learned (held out)" in out and "embedding_best alone" in out and "hand-set" in out
    assert f"Weights written to {target}." in out
    weights = json.loads(target.read_text(encoding="utf-8"))
    learned.check(weights)
    shipped = learned.shipped_weights()
    assert weights["fitted_on"] == shipped["fitted_on"]
    for name, value in shipped["coefficients"].items():  # the same up to the last digits of the arithmetic
        assert weights["coefficients"][name] == pytest.approx(value, abs=1e-3), name
    assert weights["intercept"] == pytest.approx(shipped["intercept"], abs=1e-3)
    assert Params.from_mapping({"weights": weights}).list_floor == weights["min_score"]


def test_weights_that_rank_worse_than_a_single_signal_are_not_written(tmp_path):
    """Fitted on the small easy set alone, the held-out recall falls below the embeddings' alone."""
    target = tmp_path / "weights.json"
    with pytest.raises(CommandError, match="Not written"):
        _run("--data", str(EASY), "--folds", "3", "--write", str(target))
    assert not target.exists()


def test_the_json_report_holds_the_figures_of_each_variant():
    report = json.loads(_run("--data", str(EASY), "--folds", "3", "--json"))
    figures = report["sets"][str(EASY)]
    assert {"learned (held out)", "hand-set", "text alone", "embedding_best alone"} <= set(figures)
    for variant in figures.values():
        assert 0 <= variant["recall_at_k"] <= 1 and 0 <= variant["mrr"] <= variant["recall_at_k"] + 1e-9
    assert set(report["weights"]["coefficients"]) == set(learned.FEATURES)


@pytest.mark.django_db
def test_verdicts_in_the_database_are_fitted_on_too():
    clinic = OrganisationFactory(name="clinic", description_de="", description_en="")
    courier = OrganisationFactory(name="courier", description_de="", description_en="")
    printer = OrganisationFactory(name="printer", description_de="", description_en="")
    for organisation, kind, title in (
        (clinic, ProfileType.BUSINESS_REQUEST, "Transport of clinical samples wanted"),
        (courier, ProfileType.BUSINESS_OFFER, "Cold chain courier for laboratory samples"),
        (printer, ProfileType.BUSINESS_OFFER, "Printing of brochures and catalogues"),
    ):
        PartneringProfileFactory(organisation=organisation, type=kind, published=True, title_en=title, title_de="")
    MatchFeedbackFactory(organisation=clinic, partner=courier, verdict="interesting")
    MatchFeedbackFactory(organisation=clinic, partner=printer, verdict="not_relevant")

    report = json.loads(_run("--data", str(EASY), "--folds", "3", "--feedback", "--json"))
    assert report["weights"]["fitted_on"]["sets"] == [EASY.name, "feedback"]


def test_bad_arguments_and_files_say_what_is_wrong(tmp_path):
    with pytest.raises(CommandError, match="--folds must be at least 2"):
        _run("--data", str(EASY), "--folds", "1")
    with pytest.raises(CommandError, match="No such file"):
        _run("--data", str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"organisations": [{"id": "a"}], "expected": [["a", "zz"]]}))
    with pytest.raises(CommandError, match="unknown organisations: zz"):
        _run("--data", str(bad))
