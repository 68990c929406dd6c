"""QuickSelect draws the same choice as Django's Select, escaped, without a template per option."""

from __future__ import annotations

import re

import pytest
from django import forms

from heli.lib.widgets import QuickSelect

CHOICES = [("", "All <units>"), ("1", "甲&乙"), ("2", "丙")]


class _Form(forms.Form):
    stock = forms.ChoiceField(
        choices=CHOICES, required=False, widget=forms.Select(attrs={"class": "x"})
    )
    quick = forms.ChoiceField(
        choices=CHOICES, required=False, widget=QuickSelect(attrs={"class": "x"})
    )


def _options(html: str) -> list[tuple[str, bool, str]]:
    return [
        (value, bool(selected), label)
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html
        )
    ]


@pytest.mark.parametrize("data", [None, {"stock": "1", "quick": "1"}, {"stock": "9", "quick": "9"}])
def test_quick_select_draws_the_options_of_the_stock_select(data: dict[str, str] | None) -> None:
    form = _Form(data)
    stock, quick = str(form["stock"]), str(form["quick"])
    assert _options(quick) == _options(stock)
    assert len(_options(quick)) == 3
    assert 'name="quick"' in quick and 'id="id_quick"' in quick and 'class="x"' in quick
    assert "&lt;units&gt;" in quick and "甲&amp;乙" in quick


def test_quick_select_refuses_option_groups() -> None:
    widget = QuickSelect(choices=[("group", [("1", "a")])])
    with pytest.raises(TypeError):
        widget.render("x", None)


def test_with_a_search_address_a_box_comes_before_the_select() -> None:
    widget = QuickSelect(
        attrs={"class": "x"},
        choices=[("", "全部"), ("2", "丙")],
        search_url="/units/?a=1&b=2",
        search_name="unit_q",
        search_label="找单位",
        search_attrs={"class": "box"},
    )
    widget.search_value = '"引号"'
    widget.more = "还有更多"
    html = widget.render("unit", "2", attrs={"id": "id_unit"})
    box, select = html.split("\n", 1)
    assert box.startswith("<input") and select.startswith("<select")
    assert 'name="unit_q"' in box and 'value="&quot;引号&quot;"' in box
    assert 'hx-get="/units/?a=1&amp;b=2"' in box and 'hx-target="#id_unit"' in box
    assert 'aria-controls="id_unit"' in box and 'class="box"' in box
    assert _options(select) == [("", False, "全部"), ("2", True, "丙")]
    assert '<option value="" disabled>还有更多</option>' in select


def test_without_a_search_address_only_the_select() -> None:
    html = QuickSelect(choices=CHOICES).render("x", "1")
    assert html.startswith("<select") and "<input" not in html
