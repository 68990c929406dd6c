"""The audit log's Excel export is laid out to be filed: its title, when, by whom and with
which filters it was made, a frozen header and print settings (read back with openpyxl)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from heli.audit import actions, events
from heli.audit.models import AuditEvent
from heli.lib import xlsx
from heli.testing import World

pytestmark = pytest.mark.django_db


def _export(world: World, query: str) -> Any:
    client = Client(REMOTE_ADDR="10.1.1.1")
    client.force_login(world.user("auditor"))
    response = client.post(reverse("audit:event_export", args=["xlsx"]), {"query": query})
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)).worksheets[0]


def test_the_audit_export_says_what_it_holds_and_prints_landscape(world: World) -> None:
    leader = world.user("leader")
    for _n in range(3):
        actions.record(events.RECORD_UPDATED, user=leader, object_repr="某单位")
    actions.record(events.LOGOUT, user=leader)
    ws = _export(world, f"event={events.RECORD_UPDATED}&username=leader")
    assert ws["A1"].value == _("Audit log") and ws["A1"].font.b
    line = ws["A2"].value
    assert _("Made by %(user)s") % {"user": world.user("auditor")} in line
    event_label = str(events.label(events.RECORD_UPDATED))
    for label, value in ((_("Event"), event_label), (_("User"), "leader")):
        assert _("%(label)s: %(value)s") % {"label": label, "value": value} in line
    rows = list(ws.iter_rows(min_row=xlsx.HEADER_ROW + 1, values_only=True))
    assert len(rows) == AuditEvent.objects.filter(event=events.RECORD_UPDATED).count() == 3
    assert ws.freeze_panes == "A4"
    assert ws.column_dimensions["B"].width == 19  # a whole time, seconds included
    assert ws.column_dimensions["J"].width == 40
    assert ws.print_title_rows == "$3:$3" and ws.print_title_cols == "$A:$A"
    assert ws.print_area == f"'{ws.title}'!$A$1:$J${xlsx.HEADER_ROW + 3}"
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth) == ("landscape", xlsx.A4, 1)
    assert ws.oddFooter.center.text == _("Page &P of &N")


def test_an_audit_export_of_everything_says_it_has_no_filters(world: World) -> None:
    actions.record(events.LOGOUT, user=world.user("leader"))
    ws = _export(world, "")
    assert _("none (everything you may see)") in ws["A2"].value
