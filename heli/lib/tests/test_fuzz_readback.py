"""Fuzzing, read back: generated text stored through the forms shows unchanged wherever it
is shown — on the record's page, its edit form, its list, and the Excel export.

The companion of test_fuzz.py, which checks that no input makes a 500. Here every form
that stores text is posted with Hypothesis-generated text (any Unicode but NUL, which the
forms refuse, and lone surrogates, which no browser can send), then each page must hold it
HTML-escaped after the form's one documented normalisation: leading and trailing
whitespace stripped (``str.strip``, as Django's ``CharField`` does). A multi-line text is
shown with ``linebreaksbr``. An Excel cell holds the same text without the control
characters Excel cannot keep (openpyxl's ``ILLEGAL_CHARACTERS_RE``, and U+FFFE and
U+FFFF, which XML cannot hold), with line ends as XML reads them (CR LF and CR become LF).

Each value is wrapped in markers of its own (``«t7»…«/t7»``) inside the generated
whitespace, so that a short value such as ``0`` is not "found" in unrelated markup.
"""

from __future__ import annotations

import io
import itertools
from typing import Any

import pytest
from django.template.defaultfilters import linebreaksbr
from django.test import Client
from django.urls import resolve, reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from heli.org.models import Unit
from heli.testing import World
from heli.tracking.views import TASKS_PER_PAGE

# The tests' dates sit in one work year: they run on heli.testing.FROZEN_TODAY (mid-2026).
pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

# Any character a person can type or paste, control characters included; NUL is refused
# by every text field (Django's ProhibitNullCharactersValidator) and surrogates cannot be
# encoded in a request.
typed = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=60
)
# A text area's content: a few lines, ended the way some program or browser ends them.
typed_lines = st.tuples(
    st.lists(typed, min_size=1, max_size=4), st.sampled_from(["\n", "\r\n", "\r"])
).map(lambda parts: parts[1].join(parts[0]))
# What str.strip() removes: ASCII and Unicode spaces, line ends, the separators.
edges = st.text(alphabet=" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028\u3000", max_size=3)
counter = itertools.count()
# Typed before the generated values, so that every run meets them: each control character
# class, the noncharacters U+FFFE and U+FFFF, markup, a formula, every line end.
HARD = "\x01\x08\x0b\x0c\x1b\x1f\x7f\x85\ufffe\uffff\r\n\t<b>&'\"=1+1\u3000x\ry\nz"

# No shrinking: every example makes a dozen requests, and the markers already say which
# value of which field went wrong.
FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)


def marked(label: str, text: str, max_length: int) -> str:
    """``text`` between markers of its own, cut to fit the field."""
    n = next(counter)
    opening, closing = f"«{label}{n}»", f"«/{label}{n}»"
    return opening + text[: max_length - len(opening) - len(closing)] + closing


def draw_text(
    data: st.DataObject, label: str, max_length: int, *, lines: bool = False
) -> tuple[str, str]:
    """(what is typed, what is stored): generated text in markers, in generated spaces."""
    stored = marked(label, data.draw(typed_lines if lines else typed, label=label), max_length)
    return data.draw(edges) + stored + data.draw(edges), stored


def hard_text(label: str, max_length: int) -> tuple[str, str]:
    """(what is typed, what is stored) for the HARD characters."""
    stored = marked(label, HARD, max_length)
    return f" \u3000\r\n{stored}\t ", stored


def on_page(body: str, stored: str, *, lines: bool = False) -> bool:
    """Whether the page shows ``stored`` as text: escaped, and nowhere as markup."""
    shown = linebreaksbr(stored, autoescape=True) if lines else escape(stored)
    return shown in body and (escape(stored) == stored or stored not in body)


def in_sheet(stored: str) -> str:
    """The text an Excel cell holds for ``stored``.

    Without the characters the file's XML cannot hold: the control characters of
    ``ILLEGAL_CHARACTERS_RE`` and the noncharacters U+FFFE and U+FFFF.
    """
    text = ILLEGAL_CHARACTERS_RE.sub("", stored).replace("\ufffe", "").replace("\uffff", "")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def signed_in(world: World, who: str) -> Client:
    # A server error is an answer to look at (the exports' known failure), not a raise.
    client = Client(raise_request_exception=False)
    client.force_login(world.user(who))
    return client


def saved(response: Any) -> int:
    """The id of the record a form redirected to; fails with the form's errors otherwise."""
    if response.status_code != 302:
        form = response.context["form"] if response.context else None
        raise AssertionError(form.errors if form is not None else response.status_code)
    return int(resolve(response["Location"]).kwargs["pk"])


def page(client: Client, url: str, query: dict[str, str] | None = None) -> str:
    response = client.get(url, query or {})
    assert response.status_code == 200, url
    return response.content.decode()


def sheet_rows(client: Client, url: str) -> list[tuple[Any, ...]]:
    """The first sheet of an export, as values (it must be written and open again)."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def task_export(client: Client) -> dict[int, dict[str, Any]]:
    """The task list export, a row per task id (found by its task number, 2026-0123),
    each cell under its header's name."""
    from heli.tracking.models import Task
    from heli.tracking.numbers import task_label

    ids = {task_label(t): t.pk for t in Task.objects.all()}
    rows = sheet_rows(client, reverse("tracking:task_export"))
    header = next(list(r) for r in rows if _("No.") in r and _("Title") in r)
    number = header.index(_("No."))
    return {
        ids[r[number]]: dict(zip(header, r, strict=True))
        for r in rows[rows.index(tuple(header)) + 1 :]
        if r[number] in ids
    }


UNIT_TEXTS = (("name", 100), ("short_name", 50), ("code", 30), ("address", 200), ("notes", 400))


def test_unit_and_party_org_texts_read_back_on_their_pages_and_in_the_export(
    world: World,
) -> None:
    office = signed_in(world, "office")
    staff = signed_in(world, "staff")
    unit0 = world.units[0]
    stored_name: dict[str, str] = {}

    def round_trip(texts: dict[str, tuple[str, str]], party: tuple[str, str], edit: bool) -> None:
        """Add a unit (or edit units[0]) with ``texts``, then its party body; read them back."""
        typed_values = {field: texts[field][0] for field, _n in UNIT_TEXTS}
        stored = {field: texts[field][1] for field, _n in UNIT_TEXTS}
        form = {**typed_values, "leading_body": Unit.LeadingBody.PARTY_GROUP, "sort_order": 3}
        if edit:
            url = reverse("org:unit_edit", args=[unit0.pk])
            form["version"] = office.get(url).context["form"].initial["version"]
            assert saved(office.post(url, form)) == unit0.pk
            pk = unit0.pk
            stored_name.update(name=stored["name"], short_name=stored["short_name"])
        else:
            url = reverse("org:unit_create")
            form["submission"] = office.get(url).context["token"]
            pk = saved(office.post(url, form))
        detail = page(office, reverse("org:unit_detail", args=[pk]))
        for field in ("name", "short_name", "code", "address"):
            assert on_page(detail, stored[field]), (field, stored[field])
        edit_page = page(office, reverse("org:unit_edit", args=[pk]))
        for field in stored:
            assert on_page(edit_page, stored[field]), (field, stored[field])
        listing = page(office, reverse("org:unit_list"), {"q": stored["name"][:8]})
        assert on_page(listing, stored["name"])

        party_url = reverse("org:party_org_edit", args=[pk])
        initial = office.get(party_url).context["form"].initial
        posted = {"kind": initial["kind"], "name": party[0], "version": initial["version"]}
        assert saved(office.post(party_url, posted)) == pk
        assert on_page(page(office, reverse("org:unit_detail", args=[pk])), party[1])
        assert on_page(page(office, party_url), party[1])

    round_trip(
        {field: hard_text(field[0], n) for field, n in UNIT_TEXTS}, hard_text("p", 150), False
    )

    @FUZZ
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        texts = {
            field: draw_text(data, field[0], n, lines=field == "notes") for field, n in UNIT_TEXTS
        }
        edit = data.draw(st.booleans(), label="edit units[0]")
        round_trip(texts, draw_text(data, "p", 150), edit)

    fuzz()
    # units[0]'s names as the battle map's exports write them: the task list's lead-unit
    # column, and the wall chart's row (short name first).
    from heli.tracking.tests.helpers import make_task

    unit0.refresh_from_db()
    assert unit0.name == stored_name.get("name", unit0.name)
    task = make_task(world)
    rows = task_export(staff)
    assert rows[task.pk][_("Lead unit")] == in_sheet(unit0.name)
    labels = [row[0] for row in sheet_rows(staff, reverse("tracking:wallchart_export"))]
    assert in_sheet(unit0.short_name or unit0.name) in labels


def _task_form(world: World, typed_values: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        **typed_values,
        "lead_unit": world.units[0].pk,
        "cooperating_units": [world.units[1].pk],
        "department": world.department.pk,
        "assigned_at": "2026-03-02",
        "deadline": "2026-12-31",
        "priority": "normal",
        **extra,
    }


TASK_TEXTS = (("title", 200), ("description", 400), ("basis", 200))
MULTI_LINE = ("description", "report", "reason")


def test_task_texts_read_back_on_the_task_pages_and_in_the_export(world: World) -> None:
    staff = signed_in(world, "staff")
    lead = signed_in(world, "unit0_secretary")
    titles: dict[int, str] = {}

    def round_trip(texts: dict[str, tuple[str, str]], edits: dict[str, tuple[str, str]]) -> None:
        """Assign a task with ``texts``, edit it to ``edits``, report; read it all back."""
        typed_values = {field: texts[field][0] for field, _n in TASK_TEXTS}
        create = reverse("tracking:task_create")
        token = staff.get(create).context["token"]
        pk = saved(staff.post(create, _task_form(world, typed_values, submission=token)))
        stored = {field: texts[field][1] for field, _n in TASK_TEXTS}
        if edits:
            typed_values = {field: edits[field][0] for field, _n in TASK_TEXTS}
            stored = {field: edits[field][1] for field, _n in TASK_TEXTS}
            edit = reverse("tracking:task_edit", args=[pk])
            version = staff.get(edit).context["form"].initial["version"]
            assert saved(staff.post(edit, _task_form(world, typed_values, version=version))) == pk
        titles[pk] = stored["title"]
        detail_url = reverse("tracking:task_detail", args=[pk])
        detail = page(staff, detail_url)
        assert on_page(detail, stored["title"])
        assert on_page(detail, stored["basis"])
        assert on_page(detail, stored["description"], lines=True)
        edit_page = page(staff, reverse("tracking:task_edit", args=[pk]))
        for field in stored:
            assert on_page(edit_page, stored[field]), field
        # The list runs by deadline, then id: the newest task is on the last page.
        last_page = (len(titles) - 1) // TASKS_PER_PAGE + 1
        listing = page(staff, reverse("tracking:task_list"), {"page": str(last_page)})
        assert on_page(listing, stored["title"])

        # The lead unit signs for it, reports, asks for more time: both texts show.
        assert lead.post(reverse("tracking:task_step", args=[pk, "receive"])).status_code == 302
        response = lead.post(
            reverse("tracking:task_report", args=[pk]),
            {"text": texts["report"][0], "percent": "30"},
        )
        assert response.status_code == 302 and response["Location"] == detail_url
        assert on_page(page(lead, detail_url), texts["report"][1], lines=True)
        response = lead.post(
            reverse("tracking:extension_request", args=[pk]),
            {"requested_deadline": "2027-06-30", "reason": texts["reason"][0]},
        )
        assert response.status_code == 302 and response["Location"] == detail_url
        assert on_page(page(staff, detail_url), texts["reason"][1])

    sizes = dict(TASK_TEXTS, report=400, reason=400)
    round_trip({field: hard_text("h", n) for field, n in sizes.items()}, {})

    @FUZZ
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        def draw(label: str) -> dict[str, tuple[str, str]]:
            return {
                field: draw_text(data, label + field[0], n, lines=field in MULTI_LINE)
                for field, n in sizes.items()
            }

        texts = draw("")
        round_trip(texts, draw("e") if data.draw(st.booleans(), label="edit") else {})

    fuzz()
    rows = task_export(staff)
    assert {pk: rows[pk][_("Title")] for pk in titles} == {
        pk: in_sheet(title) for pk, title in titles.items()
    }
