"""What the meetings add to the shared pages, as every role: the menu section and its
entries, the two home cards (each at most four queries, nothing for those not concerned,
each count opening exactly its list), the panel on a group's page, and the settings page."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from heli.accounts.policy import forget_scope
from heli.audit.models import AuditEvent
from heli.lib.ui import menu_for, record_panels
from heli.meetings import meetings_ui
from heli.meetings.models import JointMeeting, MeetingSettings, Topic
from heli.meetings.tests.factories import make_meeting, make_topic, when
from heli.testing import WORLD_USERS, World

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

S = JointMeeting.Status


def _request(world: World, name: str) -> Any:
    request = RequestFactory().get("/")
    request.user = world.user(name)
    forget_scope(request.user)
    return request


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _menu(world: World, name: str) -> list[str]:
    labels = []
    for block in menu_for(world.user(name), "/meetings/"):
        labels += [link.url for link in block.links]
    return labels


def test_the_menu_offers_each_role_its_entries(world: World) -> None:
    listed, plan, settings = (
        reverse("meetings:meeting_list"),
        reverse("meetings:meeting_new"),
        reverse("meetings:settings"),
    )
    for name in WORLD_USERS:
        links = _menu(world, name)
        sees = name not in {"sysadmin", "secadmin", "auditor", "nobody", "outsider"}
        assert (listed in links) == (sees or name == "outsider"), name
        assert (plan in links) == (name in {"office", "unit0_secretary"}), name
        assert (settings in links) == (name in {"office", "leader", "outsider"}), name


def test_the_waiting_card_counts_what_waits_for_each_step(world: World) -> None:
    topic = make_topic(world, status=Topic.Status.ACCEPTED)
    make_meeting(world, topics=[topic])  # a plan to approve
    make_meeting(world)  # planned without a topic: nothing to approve yet
    make_meeting(world, status=S.PLAN_APPROVED)  # a notice to send
    held = make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 6, 10))  # to mark held
    make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 7, 10))  # not yet
    make_meeting(world, group_year=world.group_years[1], status=S.PLAN_APPROVED)

    def counts(name: str) -> dict[str, int] | None:
        request = _request(world, name)
        with CaptureQueriesContext(connection) as queries:
            card = meetings_ui.waiting_card(request)
        assert len(queries) <= 4, (name, len(queries))
        return {c["key"]: c["count"] for c in card["counts"]} if card else None

    assert counts("office") == {"approve": 1, "notice": 2, "held": 1}
    assert counts("leader") == {"approve": 1}
    assert counts("unit0_secretary") == {"notice": 1, "held": 1}
    for name in ("staff", "unit0_staff", "unit2_secretary", "auditor", "sysadmin", "nobody"):
        assert counts(name) is None, name
    # Each count opens exactly the meetings it counts.
    client = _client(world, "unit0_secretary")
    page = client.get(reverse("meetings:meeting_list") + "?waiting=held")
    assert [m.pk for m in page.context["page"]] == [held.pk]
    assert page.context["waiting"] == "held"


def test_the_upcoming_card_shows_the_groups_next_meetings(world: World) -> None:
    soon = make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 7, 1))
    make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 9, 1))  # beyond 60 days
    make_meeting(world, status=S.CANCELLED, starts_at=when(2026, 7, 2))
    make_meeting(world, status=S.HELD, starts_at=when(2026, 6, 1))
    theirs = make_meeting(world, group_year=world.group_years[1], starts_at=when(2026, 7, 3))

    def shown(name: str) -> list[int] | None:
        request = _request(world, name)
        with CaptureQueriesContext(connection) as queries:
            card = meetings_ui.upcoming_card(request)
        assert len(queries) <= 4, (name, len(queries))
        return [m.pk for m in card["meetings"]] if card else None

    for name in ("unit0_secretary", "unit0_staff", "unit0_leadership"):
        assert shown(name) == [soon.pk], name
    assert shown("unit2_staff") == [theirs.pk]
    # The liaison leader of group 1.
    assert shown("leader") == [soon.pk]
    for name in ("office", "staff", "sysadmin", "auditor", "nobody", "outsider"):
        assert shown(name) is None, name


def test_the_home_page_shows_the_cards(world: World) -> None:
    make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 7, 1))
    make_meeting(world, status=S.PLAN_APPROVED, starts_at=when(2026, 7, 5))
    secretary = _client(world, "unit0_secretary").get(reverse("home")).content.decode()
    assert 'id="home-meetings-upcoming"' in secretary and 'data-waiting="notice"' in secretary
    auditor = _client(world, "auditor").get(reverse("home")).content.decode()
    assert "home-meetings" not in auditor


def test_the_group_page_lists_its_meetings_of_the_year(world: World) -> None:
    meeting = make_meeting(world, starts_at=when(2026, 7, 1))
    make_meeting(world, group_year=world.group_years[1])
    group = world.groups[0]
    for name in WORLD_USERS:
        panels = [
            p
            for p in record_panels(_request(world, name), group)
            if p.code == "meetings.group_meetings"
        ]
        if name in {"sysadmin", "secadmin", "auditor", "nobody", "outsider"}:
            assert panels == [], name
            continue
        assert len(panels) == 1, name
        shown = [m.pk for m in panels[0].context["meetings"]]
        # unit2's people see no meeting of group 1.
        assert shown == ([] if name.startswith("unit2") else [meeting.pk]), name
        assert bool(panels[0].context["plan_url"]) == (name in {"office", "unit0_secretary"}), name
    page = _client(world, "office").get(reverse("org:group_detail", args=[group.pk]))
    assert page.status_code == 200
    assert f'href="{meeting.get_absolute_url()}"' in page.content.decode()


# --- Settings ----------------------------------------------------------------------------------


def _settings_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "min_meetings_per_year": "3",
        "notice_lead_days": "10",
        "confirm_reminder_days": "3",
        "minutes_reminder_days": "21",
        "min_gap_days": "45",
        "issuer": "  测试市直机关工委联席会议办公室 ",
    }
    data.update(overrides)
    return data


def test_the_settings_are_changed_by_the_office_and_the_leaders(world: World) -> None:
    for name in WORLD_USERS:
        status = _client(world, name).get(reverse("meetings:settings")).status_code
        expected = 200 if name in {"office", "leader", "outsider"} else 403
        assert status == expected, name
    client = _client(world, "office")
    assert client.post(reverse("meetings:settings"), _settings_data()).status_code == 302
    found = MeetingSettings.of(world.committee)
    world.committee.refresh_from_db()
    assert (found.notice_lead_days, found.confirm_reminder_days) == (10, 3)
    assert (found.minutes_reminder_days, found.min_gap_days) == (21, 45)
    assert found.issuer == "测试市直机关工委联席会议办公室"
    assert world.committee.min_meetings_per_year == 3
    event = AuditEvent.objects.get(event="settings.changed")
    assert event.detail["changed"]["notice_lead_days"] == {"before": 7, "after": 10}
    # The same values again change nothing and write nothing.
    client.post(reverse("meetings:settings"), _settings_data())
    assert AuditEvent.objects.filter(event="settings.changed").count() == 1
    # The outsider's page is their own committee's, untouched.
    assert MeetingSettings.of(world.other_committee).notice_lead_days == 7


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("notice_lead_days", "0"),
        ("notice_lead_days", "61"),
        ("confirm_reminder_days", "x"),
        ("minutes_reminder_days", ""),
        ("min_gap_days", "-1"),
        ("min_meetings_per_year", "13"),
        ("issuer", "工" * 101),
    ],
)
def test_bad_settings_come_back_with_the_message_next_to_the_field(
    world: World, field: str, value: str
) -> None:
    client = _client(world, "leader")
    response = client.post(reverse("meetings:settings"), _settings_data(**{field: value}))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    kept = "45" if field != "min_gap_days" else "21"
    assert f'value="{kept}"' in response.content.decode()
    assert MeetingSettings.of(world.committee).notice_lead_days == 7
