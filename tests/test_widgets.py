"""QuickSelect writes the same select as Django's template-rendered one."""

import pytest
from django import forms
from django.test.html import parse_html

from wfs_portal.widgets import QuickSelect

CHOICES = [
    ("", "Alle"),
    ("C", "C · Verarbeitendes Gewerbe"),
    ("C 26", 'C 26 · Herstellung von "DV-Geräten" & <Elektronik>'),
    ("Gruppe", [("a", "Ä"), ("b", "B")]),
]


@pytest.mark.parametrize("value", [None, "", "C 26", "b", "unbekannt"])
@pytest.mark.parametrize("attrs", [None, {"id": "id_sector", "class": "wide", "required": True}])
def test_the_same_html_as_djangos_select(value, attrs):
    django_html = forms.Select(choices=CHOICES).render("sector", value, attrs)
    quick_html = QuickSelect(choices=CHOICES).render("sector", value, attrs)

    assert parse_html(quick_html) == parse_html(django_html)
    assert "&lt;Elektronik&gt;" in quick_html and "&quot;DV-Geräten&quot;" in quick_html


def test_a_filter_form_field_renders_with_its_choice_selected():
    class Form(forms.Form):
        kind = forms.ChoiceField(choices=[("company", "Unternehmen"), ("clinic", "Klinik")], widget=QuickSelect)

    html = str(Form({"kind": "clinic"})["kind"])
    assert '<option value="clinic" selected>Klinik</option>' in html
    assert 'name="kind"' in html and 'id="id_kind"' in html
