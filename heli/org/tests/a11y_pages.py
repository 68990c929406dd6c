"""The organisation's pages in the accessibility walk (heli/lib/tests/test_accessibility.py)."""

from __future__ import annotations

from heli.org.models import Unit
from heli.testing import DEMO_UNIT, AuditedPage


def the_unit() -> list[int]:
    return [Unit.objects.get(short_name=DEMO_UNIT).pk]


def ended_unit() -> list[int]:
    unit = Unit.objects.exclude(status="active").order_by("pk").first()
    assert unit is not None, "the demonstration has no merged or abolished unit"
    return [unit.pk]


def the_group() -> list[int]:
    membership = (
        Unit.objects.get(short_name=DEMO_UNIT).memberships.order_by("-group_year__year").first()
    )
    assert membership is not None, f"{DEMO_UNIT} is in no group"
    return [membership.group_year.group_id]


PAGES = [
    AuditedPage("org:unit_list"),
    AuditedPage("org:unit_list", query="q=%E5%B8%82", note="searched"),
    AuditedPage("org:unit_create"),
    AuditedPage("org:unit_detail", the_unit),
    AuditedPage("org:unit_detail", ended_unit, note="merged or abolished"),
    AuditedPage("org:unit_edit", the_unit),
    AuditedPage("org:party_org_edit", the_unit),
    AuditedPage("org:unit_end", the_unit),
    AuditedPage("org:group_list"),
    AuditedPage("org:group_detail", the_group),
    AuditedPage("org:leads"),
    AuditedPage("org:import"),
]

NOT_PAGES = {
    "org:leads_override": "a POST: a lead unit replaced, answered on the rotation page",
    "org:leads_generate": "a POST: the next year's rotation, answered on the rotation page",
    "org:leads_confirm": "a POST: confirms the rotation, answered on the rotation page",
    "org:import_template": "an Excel download: the import template",
}
