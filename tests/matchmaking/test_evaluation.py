"""manage.py match_eval on the labelled files in tests/data."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

EVAL_FILE = Path(__file__).resolve().parent.parent / "data" / "matching_eval.json"


def test_evaluation_on_the_labelled_set():
    """The engine on the labelled set in tests/data (75 organisations, 36 expected pairs, most of
    them across languages and sectors): at least 0.8 recall@10, cross-language pairs found as
    well as same-language ones."""
    out = io.StringIO()
    call_command("match_eval", "--data", str(EVAL_FILE), "--k", "10", stdout=out)
    report = json.loads(out.getvalue())

    assert report["recall_at_k"] >= 0.8
    assert report["cross_language"]["recall_at_k"] >= 0.8
    assert report["same_language"]["recall_at_k"] >= 0.8
    assert report["pairs_found"] >= 0.9 * report["pairs_total"]


def test_evaluation_of_a_bad_file_says_what_is_wrong(tmp_path):
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"organisations": [{"id": "a"}], "expected": [["a", "zz"]]}))
    with pytest.raises(CommandError, match="unknown organisations: zz"):
        call_command("match_eval", "--data", str(bad))
