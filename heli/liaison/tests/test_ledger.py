"""The contact ledger (沟通联系台账) in Excel: the filing layout, read back with openpyxl;
only the contacts the person may see; the contact list's filters; safe cells; audited;
a fixed number of queries."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from heli.audit import events
from heli.audit.models import AuditEvent
from heli.liaison import ledger
from heli.liaison.models import (
    Contact,
    ContactPerson,
    ContactUnit,
    Form,
    Letter,
    LetterReceipt,
    Subject,
)
from heli.lib import xlsx
from heli.lib.exports import EXPORTS
from heli.lib.search import source_for
from heli.org.models import Unit
from heli.testing import World
from heli.tracking import actions
from heli.tracking.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

YEAR = 2026
FIRST_ROW = xlsx.HEADER_ROW + 1
URL = "liaison:ledger_xlsx"
HOSTILE = "=cmd|' /C calc'!A0"


def make_contact(
    world: World,
    units: list[Unit],
    *,
    title: str,
    form: str = Form.VISIT,
    day: datetime.date = datetime.date(YEAR, 3, 1),
    subjects: tuple[str, ...] = (Subject.DUTIES,),
    summary: str = "听取机关党建工作情况汇报。",
    year: int = YEAR,
    committee: Any = None,
) -> Contact:
    committee = committee or world.committee
    contact = Contact.objects.create(
        committee=committee,
        year=year,
        form=form,
        subjects=list(subjects),
        date=day,
        title=title,
        summary=summary,
        created_by=world.user("staff"),
    )
    ContactUnit.objects.bulk_create(
        ContactUnit(committee=committee, contact=contact, unit=u) for u in units
    )
    return contact


def make_letter(world: World, contact: Contact, serial: int, signed: list[Unit]) -> Letter:
    letter = Letter.objects.create(
        committee=contact.committee,
        contact=contact,
        year=contact.year,
        serial=serial,
        number=f"京直工函〔{contact.year}〕{serial}号",
        title=contact.title,
        body="请结合实际认真研究，书面反馈意见。",
        signer="测试市直机关工委",
        sent_at=timezone.now(),
        sent_by=world.user("staff"),
    )
    for unit in contact.units.all():
        LetterReceipt.objects.create(
            committee=contact.committee,
            letter=letter,
            unit=unit,
            signed_at=timezone.now() if unit in signed else None,
        )
    return letter


@pytest.fixture
def contacts(world: World) -> dict[str, Contact]:
    u = world.units
    symposium = make_contact(
        world,
        [u[0], u[2], u[1]],
        title="第一组机关党建工作座谈会",
        form=Form.SYMPOSIUM,
        day=datetime.date(YEAR, 4, 10),
        subjects=(Subject.PROBLEMS, Subject.DECISIONS),
    )
    ContactPerson.objects.create(
        committee=world.committee,
        contact=symposium,
        side=ContactPerson.Side.COMMITTEE,
        name="李领导",
        post="副书记",
        user=world.user("leader"),
    )
    ContactPerson.objects.create(
        committee=world.committee,
        contact=symposium,
        side=ContactPerson.Side.UNIT,
        unit=u[2],
        name="张书记",
        post="机关党委书记",
    )
    letter = make_contact(
        world,
        [u[0], u[1]],
        title="关于征求对年度党建工作要点意见的函",
        form=Form.LETTER,
        day=datetime.date(YEAR, 2, 20),
        subjects=(Subject.VIEWS,),
    )
    make_letter(world, letter, 1, signed=[u[0]])
    hostile = make_contact(
        world,
        [u[2]],
        title=HOSTILE,
        day=datetime.date(YEAR, 5, 6),
        summary="走访\x07了解\x1b情况\ufffe",
    )
    last_year = make_contact(
        world, [u[0]], title="上年度走访", day=datetime.date(YEAR - 1, 9, 1), year=YEAR - 1
    )
    elsewhere = make_contact(
        world, [world.other_unit], title="外区走访", committee=world.other_committee
    )
    return {
        "symposium": symposium,
        "letter": letter,
        "hostile": hostile,
        "last_year": last_year,
        "elsewhere": elsewhere,
    }


def _book(response: Any) -> Any:
    assert response.status_code == 200
    assert response["Content-Type"] == xlsx.CONTENT_TYPE
    return load_workbook(io.BytesIO(response.content))


def _rows(ws: Any) -> list[tuple[Any, ...]]:
    return list(ws.iter_rows(min_row=FIRST_ROW, values_only=True))


def _titles(ws: Any) -> list[str]:
    return [r[6] for r in _rows(ws)]


def _ledger(client: Client, **params: Any) -> Any:
    return _book(client.get(reverse(URL), {"year": YEAR, **params})).worksheets[0]


def test_the_ledger_is_laid_out_to_be_filed(
    client: Client, world: World, contacts: dict[str, Contact]
) -> None:
    staff = world.user("staff")
    client.force_login(staff)
    ws = _ledger(client)
    headers = [str(c.header) for c in ledger.columns()]
    assert headers[:3] == [_("Item no."), _("Date"), _("Units")]
    title = ledger.ledger_title(world.committee.name, YEAR)
    last = ws.cell(row=xlsx.HEADER_ROW, column=len(headers)).column_letter
    assert ws["A1"].value == title
    assert ws["A1"].font.b
    assert f"A1:{last}1" in {str(r) for r in ws.merged_cells.ranges}
    line = ws["A2"].value
    assert _("Made on %(time)s") % {"time": "2026-06-15 10:00"} in line
    assert _("Made by %(user)s") % {"user": staff} in line
    assert _("%(label)s: %(value)s") % {"label": _("Year"), "value": YEAR} in line
    assert [c.value for c in ws[xlsx.HEADER_ROW]] == headers
    assert all(c.font.b and c.border.bottom.style == "thin" for c in ws[xlsx.HEADER_ROW])
    for index, column in enumerate(ledger.columns(), start=1):
        assert ws.column_dimensions[get_column_letter(index)].width == column.width
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$3:$3"
    assert ws.print_title_cols == "$A:$A"
    assert ws.print_area == f"'{ws.title}'!$A$1:${last}${xlsx.HEADER_ROW + 3}"
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == (
        "landscape",
        xlsx.A4,
        1,
        0,
    )
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.oddHeader.center.text == title
    assert ws.oddFooter.center.text == _("Page &P of &N")
    for row in ws.iter_rows(min_row=FIRST_ROW):
        assert all(c.border.left.style == "thin" for c in row)


def test_rows_are_the_years_contacts_in_date_order_with_their_parts(
    client: Client, world: World, contacts: dict[str, Contact]
) -> None:
    client.force_login(world.user("staff"))
    rows = _rows(_ledger(client))
    assert [r[0] for r in rows] == [1, 2, 3]
    assert [r[6] for r in rows] == [
        contacts["letter"].title,
        contacts["symposium"].title,
        HOSTILE,
    ]
    letter, symposium, _visit = rows
    assert letter[1].date() == datetime.date(YEAR, 2, 20)
    assert letter[3] == str(Form.LETTER.label)
    assert letter[11] == f"京直工函〔{YEAR}〕1号"
    assert letter[12] == "1/2"
    # Units in their registry order, not the order they were added.
    assert symposium[2] == "测试单位0、测试单位1、测试单位2"
    assert symposium[4] == _("Face to face")
    assert symposium[5] == f"{Subject.DECISIONS.label}；{Subject.PROBLEMS.label}"
    assert symposium[7] == "李领导（副书记）"
    assert symposium[8] == "测试单位2：张书记（机关党委书记）"
    assert symposium[10] == _("No matters")
    assert symposium[11] in (None, "")


def test_a_unit_sees_only_contacts_that_reached_it_and_its_own_receipt(
    client: Client, world: World, contacts: dict[str, Contact]
) -> None:
    client.force_login(world.user("unit2_staff"))
    titles = _titles(_ledger(client))
    assert titles == [contacts["symposium"].title, HOSTILE]
    client.force_login(world.user("unit0_staff"))
    rows = _rows(_ledger(client))
    assert [r[6] for r in rows] == [contacts["letter"].title, contacts["symposium"].title]
    assert rows[0][12] == "1/1"  # its own receipt only
    assert "外区走访" not in _titles(_ledger(client))


@pytest.mark.parametrize("name", ["sysadmin", "secadmin", "auditor", "nobody"])
def test_who_may_not_read_contacts_gets_a_404(
    client: Client, world: World, contacts: dict[str, Contact], name: str
) -> None:
    client.force_login(world.user(name))
    assert client.get(reverse(URL)).status_code == 404


def test_the_filters_of_the_contact_list_apply_and_are_named(
    client: Client, world: World, contacts: dict[str, Contact]
) -> None:
    client.force_login(world.user("staff"))
    u = world.units
    assert _titles(_ledger(client, form=Form.LETTER)) == [contacts["letter"].title]
    assert _titles(_ledger(client, form="face")) == [contacts["symposium"].title, HOSTILE]
    assert _titles(_ledger(client, subject=Subject.PROBLEMS)) == [contacts["symposium"].title]
    assert _titles(_ledger(client, unit=u[1].pk)) == [
        contacts["letter"].title,
        contacts["symposium"].title,
    ]
    assert _titles(_ledger(client, group=world.groups[1].pk)) == [
        contacts["symposium"].title,
        HOSTILE,
    ]
    assert _titles(_ledger(client, q="座谈")) == [contacts["symposium"].title]
    ws = _ledger(client, year=YEAR - 1)
    assert _titles(ws) == ["上年度走访"]
    assert ws["A1"].value == ledger.ledger_title(world.committee.name, YEAR - 1)
    line = _ledger(client, unit=u[1].pk, form=Form.LETTER)["A2"].value
    assert _("%(label)s: %(value)s") % {"label": _("Unit"), "value": u[1].name} in line
    assert _("%(label)s: %(value)s") % {"label": _("Form"), "value": Form.LETTER.label} in line


def test_a_forged_or_foreign_unit_lists_nothing_as_the_contact_list_does(
    client: Client, world: World, contacts: dict[str, Contact]
) -> None:
    client.force_login(world.user("staff"))
    query = {"year": YEAR, "unit": world.other_unit.pk}
    ws = _ledger(client, **query)
    assert _rows(ws) == []
    assert world.other_unit.name not in ws["A2"].value
    listed = client.get(reverse("liaison:contact_list"), query)
    assert listed.status_code == 200
    assert listed.context["page"].paginator.count == 0


def test_the_rows_are_the_contact_lists_rows(
    client: Client, world: World, contacts: dict[str, Contact]
) -> None:
    client.force_login(world.user("unit0_staff"))
    queries: list[dict[str, str | int]] = [
        {},
        {"year": YEAR},
        {"year": YEAR, "form": "face"},
        {"unit": world.units[0].pk},
    ]
    for query in queries:
        listed = client.get(reverse("liaison:contact_list"), query)
        shown = {c.pk for c in listed.context["page"].object_list}
        ws = _book(client.get(reverse(URL), query)).worksheets[0]
        titles = {Contact.objects.get(pk=pk).title for pk in shown}
        assert set(_titles(ws)) == titles, query
    ws = _book(client.get(reverse(URL), {"unit": world.units[0].pk})).worksheets[0]
    assert ws["A1"].value == ledger.ledger_title(world.committee.name, None)
    assert "上年度走访" in _titles(ws)


def test_hostile_text_stays_text_and_control_characters_are_dropped(
    client: Client, world: World, contacts: dict[str, Contact]
) -> None:
    client.force_login(world.user("staff"))
    ws = _ledger(client)
    row = list(ws.iter_rows(min_row=FIRST_ROW + 2))[0]
    assert row[6].value == HOSTILE
    assert row[6].data_type == "s"
    assert row[9].value == "走访了解情况"


def test_matters_show_with_their_state_and_when_all_are_handled(
    client: Client, world: World, contacts: dict[str, Contact]
) -> None:
    staff = world.user("staff")
    symposium = contacts["symposium"]
    deadline = datetime.date(YEAR, 9, 30)
    first = actions.create_task_from(
        symposium,
        title="理顺机关党委与人事部门职责分工",
        lead_unit=world.units[2],
        department=world.department,
        deadline=deadline,
        by=staff,
    )
    actions.create_task_from(
        symposium,
        title="补齐党务干部配备",
        lead_unit=world.units[0],
        department=world.department,
        deadline=deadline,
        by=staff,
    )
    client.force_login(staff)
    matters = _rows(_ledger(client))[1][10]
    assert matters.splitlines() == [
        _("%(count)s matters:") % {"count": 2},
        f"1. 理顺机关党委与人事部门职责分工（{Task.Status.ASSIGNED.label}）",
        f"2. 补齐党务干部配备（{Task.Status.ASSIGNED.label}）",
    ]
    # A unit counts the matters it sees (its own).
    client.force_login(world.user("unit2_staff"))
    assert _rows(_ledger(client))[0][10].splitlines()[1].startswith("1. 理顺")
    Task.objects.filter(source_id=symposium.pk).update(
        status=Task.Status.CLOSED, closed_at=timezone.now(), closed_by=staff
    )
    Contact.objects.filter(pk=symposium.pk).update(matters_handled_at=timezone.now())
    client.force_login(staff)
    matters = _rows(_ledger(client))[1][10]
    assert matters.splitlines()[-1] == _("All handled")
    assert first.title in matters


def test_the_export_is_audited_with_its_rows_and_filters(
    client: Client, world: World, contacts: dict[str, Contact]
) -> None:
    client.force_login(world.user("staff"))
    _ledger(client, form=Form.VISIT)
    event = AuditEvent.objects.filter(event=events.EXPORT).latest("pk")
    assert event.object_type == "liaison.contact"
    assert event.detail["format"] == "xlsx"
    assert event.detail["rows"] == 1
    assert event.detail["year"] == YEAR
    assert event.detail["filters"]["form"] == [Form.VISIT]


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(URL), {"year": YEAR})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_ledger_reads_a_fixed_number_of_queries(client: Client, world: World) -> None:
    client.force_login(world.user("staff"))

    made = Contact.objects.count

    def add(n: int) -> None:
        for i in range(made(), made() + n):
            contact = make_contact(
                world,
                world.units[: 1 + i % 4],
                title=f"走访{i}",
                form=Form.LETTER if i % 2 else Form.VISIT,
            )
            ContactPerson.objects.create(
                committee=world.committee,
                contact=contact,
                side=ContactPerson.Side.UNIT,
                unit=world.units[0],
                name=f"人员{i}",
            )
            if i % 2:
                make_letter(world, contact, 100 + i, signed=world.units[:1])
            actions.create_task_from(
                contact,
                title=f"事项{i}",
                lead_unit=world.units[0],
                department=world.department,
                deadline=datetime.date(YEAR, 12, 1),
                by=world.user("staff"),
            )

    add(3)
    small = _queries(client)
    add(27)
    assert _queries(client) == small
    assert small <= 16


def test_the_ledger_is_an_export_and_contacts_are_search_documents(
    world: World, contacts: dict[str, Contact]
) -> None:
    kind = EXPORTS.get("liaison.ledger")
    assert kind is not None
    assert kind.url() == reverse(URL)
    assert kind.shown_to(world.user("staff")) and kind.shown_to(world.user("unit0_staff"))
    assert not kind.shown_to(world.user("auditor"))
    source = source_for("liaison.contact")
    assert source is not None
    documents = {d.pk: d for d in source.documents(world.committee.pk)}
    assert set(documents) == {
        contacts[k].pk for k in ("symposium", "letter", "hostile", "last_year")
    }
    letter = documents[contacts["letter"].pk]
    assert letter.title == contacts["letter"].title
    assert f"京直工函〔{YEAR}〕1号" in letter.body and "测试单位1" in letter.body
    assert letter.url == contacts["letter"].get_absolute_url()
    assert source.document(contacts["symposium"]).date == datetime.date(YEAR, 4, 10)


def test_the_contact_list_offers_the_ledger_with_its_filters(
    client: Client, world: World, contacts: dict[str, Contact]
) -> None:
    client.force_login(world.user("staff"))
    page = client.get(reverse("liaison:contact_list") + f"?year={YEAR}&form=letter")
    html = page.content.decode()
    start = html.index('id="ledger-button"')
    link = html[html.rindex("<a", 0, start) : html.index(">", start)]
    href = link[link.index('href="') + 6 :].split('"')[0].replace("&amp;", "&")
    assert href.startswith(reverse(URL) + "?")
    assert _titles(_book(client.get(href)).worksheets[0]) == [contacts["letter"].title]
