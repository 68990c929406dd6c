"""The auditor's screen: who may open it, what it finds, what it exports."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from heli.accounts.models import Role
from heli.audit import actions, chain, events
from heli.audit.models import AuditEvent
from heli.audit.tests.helpers import clock
from heli.testing import WORLD_USERS, World, grant, make_user

pytestmark = pytest.mark.django_db

LIST = "/audit/"
EVERYONE_BUT_THE_AUDITOR = tuple(name for name in WORLD_USERS if name != "auditor")


def client_for(world: World, name: str) -> Client:
    client = Client(REMOTE_ADDR="10.1.1.1")
    client.force_login(world.user(name))
    return client


def export(client: Client, fmt: str, query: str = "") -> Any:
    return client.post(reverse("audit:event_export", args=[fmt]), {"query": query})


def test_only_the_auditor_sees_the_audit_log(world: World) -> None:
    row = actions.record(events.LOGOUT, user=world.user("leader"))
    pages = (LIST, reverse("audit:event_detail", args=[row.pk]))
    for name in EVERYONE_BUT_THE_AUDITOR:
        client = client_for(world, name)
        for url in pages:
            assert client.get(url).status_code == 404, (name, url)
        assert export(client, "xlsx").status_code == 404, name
        assert export(client, "csv").status_code == 404, name
    auditor = client_for(world, "auditor")
    for url in pages:
        assert auditor.get(url).status_code == 200, url
    anonymous = Client()
    for url in pages:
        response = anonymous.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = export(anonymous, "xlsx")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_refused_visits_to_the_audit_log_are_themselves_audited(world: World) -> None:
    client_for(world, "secadmin").get(LIST)
    denial = AuditEvent.objects.filter(event=events.PERMISSION_DENIED).get()
    assert (denial.username, denial.object_type, denial.detail["path"]) == (
        "secadmin",
        "audit.auditevent",
        LIST,
    )


def test_no_one_can_change_an_audit_row_through_the_policy(world: World) -> None:
    from heli.accounts.policy import Action, can, visible

    row = actions.record(events.LOGOUT, user=world.user("leader"))
    for name in (*EVERYONE_BUT_THE_AUDITOR, "auditor"):
        user = world.user(name)
        for action in Action:
            if action is not Action.VIEW:
                assert not can(user, action, row), (name, action)
                assert not can(user, action, AuditEvent), (name, action)
        sees = visible(user, AuditEvent).filter(pk=row.pk).exists()
        assert sees is (name == "auditor"), name
        assert can(user, Action.VIEW, row) is (name == "auditor"), name


def test_the_auditor_sees_its_committee_and_the_platform_not_another_committee(
    world: World,
) -> None:
    other_auditor = make_user(world.other_committee, "other_auditor")
    grant(other_auditor, Role.AUDITOR)
    ours = actions.record(events.LOGOUT, user=world.user("leader"))
    theirs = actions.record(events.LOGOUT, user=world.user("outsider"))
    platform = actions.record(events.LOGIN_FAILURE, detail={"username": "ghost"}, result="failure")
    client = client_for(world, "auditor")
    assert client.get(reverse("audit:event_detail", args=[theirs.pk])).status_code == 404
    body = client.get(LIST).content.decode()
    assert f"/audit/{ours.pk}/" in body and f"/audit/{platform.pk}/" in body
    assert f"/audit/{theirs.pk}/" not in body
    other = Client()
    other.force_login(other_auditor)
    assert other.get(reverse("audit:event_detail", args=[ours.pk])).status_code == 404
    assert other.get(reverse("audit:event_detail", args=[theirs.pk])).status_code == 200


def test_the_menu_shows_the_audit_log_to_the_auditor_only(world: World) -> None:
    for name in ("auditor", "secadmin", "sysadmin", "leader", "unit0_staff"):
        body = client_for(world, name).get("/").content.decode()
        assert ('href="/audit/"' in body) is (name == "auditor"), name


def test_the_list_is_newest_first_in_chinese_and_opens_each_record(world: World) -> None:
    actions.record(events.LOGIN_SUCCESS, user=world.user("leader"))
    last = actions.record(events.LOGOUT, user=world.user("leader"))
    client = client_for(world, "auditor")
    response = client.get(LIST)
    body = response.content.decode()
    assert response.status_code == 200
    assert str(_("Audit log")) in body
    assert body.index(f"/audit/{last.pk}/") < body.index(f"/audit/{last.pk - 1}/")
    detail = client.get(reverse("audit:event_detail", args=[last.pk])).content.decode()
    assert last.mac in detail and "leader" in detail


@pytest.mark.frozen_clock  # "today" and "yesterday" stay one day apart, away from midnight
def test_the_list_filters_by_every_field(world: World, monkeypatch) -> None:
    leader, staff = world.user("leader"), world.user("staff")
    long_ago = timezone.now() - datetime.timedelta(days=30)
    with clock(long_ago, monkeypatch):
        old = actions.record(events.LOGOUT, user=leader)
    unit = world.units[1]
    failed = actions.record(
        events.LOGIN_FAILURE, user=staff, result="failure", detail={"username": "staff"}
    )
    edited = actions.record(events.RECORD_UPDATED, user=staff, obj=unit)
    from django.test import RequestFactory

    request = RequestFactory().get("/", REMOTE_ADDR="192.168.7.40")
    request.user = leader
    remote = actions.record(events.LOGOUT, request=request)

    client = client_for(world, "auditor")

    def found(query: str) -> set[int]:
        body = client.get(f"{LIST}?{query}").content.decode()
        return {pk for pk in (old.pk, failed.pk, edited.pk, remote.pk) if f"/audit/{pk}/" in body}

    today = timezone.localdate().isoformat()
    assert found("") == {old.pk, failed.pk, edited.pk, remote.pk}
    assert found(f"date_from={today}") == {failed.pk, edited.pk, remote.pk}
    assert found(f"date_to={(timezone.localdate() - datetime.timedelta(days=1)).isoformat()}") == {
        old.pk
    }
    assert found("username=STAF") == {failed.pk, edited.pk}
    assert found(f"event={events.LOGOUT}") == {old.pk, remote.pk}
    assert found("result=failure") == {failed.pk}
    assert found("object_type=org.unit") == {edited.pk}
    assert found(f"q={unit.name[-2:]}") == {edited.pk}
    assert found("source_ip=192.168.7.40") == {remote.pk}
    assert found("source_ip=192.168.") == {remote.pk}


def test_a_wrong_filter_says_what_is_wrong(world: World) -> None:
    client = client_for(world, "auditor")
    body = client.get(f"{LIST}?date_from=2026-05-02&date_to=2026-05-01").content.decode()
    wrong_dates = _("The end date is before the start date. Swap them or change one.")
    assert escape(str(wrong_dates)) in body
    body = client.get(f"{LIST}?source_ip=10.1.1.1;drop").content.decode()
    wrong_address = _("Enter an address such as 10.1.2.3, or its beginning such as 10.1.")
    assert escape(str(wrong_address)) in body


def test_audit_export_is_itself_audited(world: World) -> None:
    leader = world.user("leader")
    actions.record(events.LOGOUT, user=leader)
    actions.record(events.RECORD_UPDATED, user=leader, object_repr='=HYPERLINK("http://x")')
    client = client_for(world, "auditor")
    query = f"event={events.RECORD_UPDATED}"
    visible_rows = AuditEvent.objects.filter(event=events.RECORD_UPDATED).count()

    response = export(client, "xlsx", query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    sheet: Any = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(min_row=3, values_only=True))  # title and filters above
    assert values[0][:3] == (str(_("No.")), str(_("Time")), str(_("User")))
    assert len(values) == 1 + visible_rows
    cell = next(v for v in values if v[8] and "HYPERLINK" in str(v[8]))
    assert cell[8] == '=HYPERLINK("http://x")'  # kept as text, never run as a formula
    assert all(c.data_type == "s" for c in sheet[2 + len(values)] if isinstance(c.value, str))

    [xlsx_row] = AuditEvent.objects.filter(event=events.EXPORT)
    assert (xlsx_row.username, xlsx_row.source_ip, xlsx_row.result) == (
        "auditor",
        "10.1.1.1",
        "success",
    )
    assert xlsx_row.detail["format"] == "xlsx" and xlsx_row.detail["rows"] == visible_rows
    assert xlsx_row.detail["filters"] == {"event": events.RECORD_UPDATED}

    response = export(client, "csv", query)
    content = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert content.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))
    assert table[0][0] == str(_("No.")) and len(table) == 1 + visible_rows
    assert '\'=HYPERLINK("http://x")' in [r[8] for r in table]
    csv_row = AuditEvent.objects.filter(event=events.EXPORT).order_by("-pk").first()
    assert csv_row is not None and csv_row.detail["format"] == "csv"
    # The exports did not export themselves, and the chain holds.
    assert all(r[4] != str(events.label(events.EXPORT)) for r in table[1:])
    assert chain.verify().ok


def test_an_export_of_a_wrong_search_exports_nothing(world: World) -> None:
    client = client_for(world, "auditor")
    response = export(client, "xlsx", "date_from=2026-05-02&date_to=2026-05-01")
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(event=events.EXPORT).exists()
    assert client.post(reverse("audit:event_export", args=["pdf"])).status_code == 404


def test_an_export_above_the_limit_is_refused(world: World, monkeypatch) -> None:
    from heli.audit import views

    monkeypatch.setattr(views, "EXPORT_MAX_ROWS", 3)
    client = client_for(world, "auditor")
    response = export(client, "csv")
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(event=events.EXPORT).exists()
    body = client.get(response["Location"]).content.decode()
    from heli.accounts.policy import visible

    message = _(
        "The search found %(total)s records; an export holds at most %(max)s. "
        "Narrow the time range or add a filter, then export again."
    ) % {"total": visible(world.user("auditor"), AuditEvent).count(), "max": 3}
    assert escape(message) in body


def _queries(world: World, n_rows: int) -> dict[str, int]:
    leader = world.user("leader")
    for i in range(n_rows):
        actions.record(events.RECORD_UPDATED, user=leader, object_repr=f"记录{i}", obj=None)
    client = client_for(world, "auditor")
    last = AuditEvent.objects.order_by("-pk").first()
    assert last is not None
    urls = {
        "list": LIST,
        "page 2": f"{LIST}?page=2",
        "filtered": f"{LIST}?username=lead&event={events.RECORD_UPDATED}&q=记录&result=success",
        "detail": reverse("audit:event_detail", args=[last.pk]),
    }
    counts = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(ctx.captured_queries)
    return counts


def test_the_audit_list_runs_a_fixed_number_of_queries(world: World) -> None:
    small = _queries(world, 60)
    large = _queries(world, 600)
    assert small == large, (small, large)
    assert max(small.values()) <= 10, small
