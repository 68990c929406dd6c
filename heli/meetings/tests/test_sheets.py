"""The attendance sheet (签到表) as a workbook laid out to be filed."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from heli.audit import events
from heli.audit.models import AuditEvent
from heli.lib import xlsx
from heli.meetings import documents, sheets
from heli.meetings.models import Attendance, JointMeeting
from heli.meetings.tests.factories import make_meeting
from heli.testing import World

pytestmark = pytest.mark.django_db
S = JointMeeting.Status


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _sheet(world: World, meeting: JointMeeting, name: str = "office") -> Any:
    response = _client(world, name).get(reverse("meetings:attendance_xlsx", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == xlsx.CONTENT_TYPE
    return load_workbook(io.BytesIO(response.content)).worksheets[0]


def _held(world: World) -> JointMeeting:
    meeting = make_meeting(world, status=S.HELD)
    seats = {s.unit_id: s for s in meeting.attendance.all()}
    Attendance.objects.filter(pk=seats[world.units[0].pk].pk).update(
        reply="attending", presence="present", signed_via="qr"
    )
    Attendance.objects.filter(pk=seats[world.units[1].pk].pk).update(
        reply="substitute",
        substitute_name="钱副书记",
        substitute_post="机关党委副书记",
        reply_note="书记出差",
        presence="substitute",
    )
    return meeting


def test_the_sheet_has_its_title_the_made_line_and_one_row_per_seat(world: World) -> None:
    meeting = _held(world)
    ws = _sheet(world, meeting)
    assert ws["A1"].value == sheets.sheet_title(meeting) and ws["A1"].font.b
    line = ws["A2"].value
    assert documents.meeting_time(meeting) in line and "工委三楼会议室" in line
    assert _("Made by %(user)s") % {"user": str(world.user("office"))} in line
    assert [c.value for c in ws[xlsx.HEADER_ROW]] == [str(c.header) for c in sheets.columns()]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert len(rows) == 3  # the liaison leader and the two member units
    leader, unit0, unit1 = rows
    assert leader[0] == 1 and leader[2] == "李领导\n工委领导（联系本组）"
    assert unit0[:3] == [2, "测试单位0", "unit0_secretary\n机关党委书记"]
    assert unit0[5] == str(Attendance.Presence.PRESENT.label)
    assert unit1[1] == "测试单位1"
    assert unit1[3] == str(Attendance.Reply.SUBSTITUTE.label)
    assert unit1[4] == "钱副书记\n机关党委副书记"
    assert unit1[7] == "书记出差"
    # The signature column is left empty for signing on paper, and the rows are tall
    # enough to sign in.
    assert [row[6] for row in rows] == [None, None, None]
    assert all(ws.row_dimensions[n].height >= sheets.SIGNING_HEIGHT for n in (4, 5, 6))
    assert all(c.border.left.style == "thin" for c in ws[5])


def test_the_sheet_is_sized_frozen_and_prints_landscape_fitted_to_width(world: World) -> None:
    ws = _sheet(world, make_meeting(world, status=S.NOTICE_SENT))
    widths = [ws.column_dimensions[chr(ord("A") + i)].width for i in range(8)]
    assert widths == [c.width for c in sheets.columns()]
    assert ws.column_dimensions["G"].width == sheets.SIGNATURE_WIDTH
    assert ws.freeze_panes == "A4"
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize) == ("landscape", xlsx.A4)
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$3"
    assert ws.print_area.endswith("$A$1:$H$6")
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:H1", "A2:H2"}
    # Before the meeting nobody has signed in: the sign-in column is blank for paper.
    assert [ws.cell(row=n, column=6).value for n in (4, 5, 6)] == [None, None, None]


def test_the_sheet_download_is_audited(world: World) -> None:
    meeting = make_meeting(world, status=S.NOTICE_SENT)
    _sheet(world, meeting, "unit0_secretary")
    found = AuditEvent.objects.get(event=events.EXPORT, object_id=str(meeting.pk))
    assert found.detail["format"] == "xlsx" and found.detail["rows"] == 3


@pytest.mark.parametrize("status", [S.PLANNED, S.PLAN_APPROVED, S.CANCELLED])
def test_no_sheet_before_the_notice_or_for_a_cancelled_meeting(world: World, status: str) -> None:
    meeting = make_meeting(world, status=status)
    response = _client(world, "office").get(reverse("meetings:attendance_xlsx", args=[meeting.pk]))
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url()


def test_a_unit_outside_the_group_gets_no_sheet(world: World) -> None:
    meeting = make_meeting(world, status=S.NOTICE_SENT)
    url = reverse("meetings:attendance_xlsx", args=[meeting.pk])
    for name in ("unit2_secretary", "unit2_staff", "outsider", "sysadmin", "nobody"):
        assert _client(world, name).get(url).status_code == 404, name
