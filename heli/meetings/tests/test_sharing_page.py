"""The shared-practice page (互相学习): what each person finds there, its filters, and a
fixed number of queries whatever the number of shared meetings."""

from __future__ import annotations

import secrets

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from heli.files.models import Attachment
from heli.lib.ui import menu_for
from heli.meetings import sharing
from heli.meetings.models import AgendaItem, AgendaKind, Decision, JointMeeting
from heli.meetings.tests.factories import S, make_meeting, make_topic, when
from heli.org.models import GroupYear
from heli.testing import WORLD_USERS, World

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

URL = reverse("meetings:shared")
NOTE = "交叉检查、现场反馈、限期整改的互查方式，值得各组参考。"
# Most queries the page may take, whatever it lists.
CEILING = 14


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _file(world: World, record: object, name: str) -> Attachment:
    return Attachment.objects.create(
        committee=world.committee,
        record_type=record._meta.label_lower,  # type: ignore[attr-defined]
        record_id=record.pk,  # type: ignore[attr-defined]
        uploaded_by=world.user("office"),
        original_name=name,
        stored_name=secrets.token_hex(16),
        size=10,
        sha256="0" * 64,
        kind=Attachment.Kind.PDF,
        content_type="application/pdf",
    )


def _shared_meeting(
    world: World,
    *,
    kind: str = AgendaKind.INSPECT,
    group_year: GroupYear | None = None,
    title: str = "互查党支部“三会一课”台账",
    note: str = NOTE,
) -> JointMeeting:
    gy = group_year or world.group_years[0]
    topic = make_topic(world, kind=kind, title=title, year=gy.year)
    meeting = make_meeting(
        world,
        group_year=gy,
        status=S.MINUTES_APPROVED,
        topics=[topic],
        starts_at=when(gy.year, 3 + JointMeeting.objects.count() % 9),
    )
    item = AgendaItem.objects.get(meeting=meeting)
    item.outcome, item.outcome_text = AgendaItem.Outcome.DECIDED, "交叉检查发现个别党支部记录简单。"
    item.save(update_fields=["outcome", "outcome_text"])
    Decision.objects.create(
        committee=world.committee,
        meeting=meeting,
        agenda_item=item,
        group=meeting.group,
        year=meeting.year,
        serial=Decision.objects.filter(group=meeting.group, year=meeting.year).count() + 1,
        title="对照整改党支部台账",
        content="相关单位对照整改。",
        lead_unit=meeting.host,
        department=world.department,
        deadline=meeting.starts_at.date(),
        created_by=world.user("office"),
    )
    _file(world, meeting, f"会议材料{meeting.pk}.pdf")
    _file(world, item, f"交流发言{meeting.pk}.pdf")
    sharing.share_meeting(meeting, world.user("office"), note)
    return JointMeeting.objects.get(pk=meeting.pk)


def _shown(response: object) -> set[int]:
    import re

    content = response.content.decode()  # type: ignore[attr-defined]
    return {int(pk) for pk in re.findall(r'data-meeting="(\d+)"', content)}


EXPECTED = {
    "leader": 200,
    "staff": 200,
    "office": 200,
    "sysadmin": 403,
    "secadmin": 403,
    "auditor": 403,
    "unit0_leadership": 200,
    "unit0_secretary": 200,
    "unit0_staff": 200,
    "unit2_secretary": 200,
    "unit2_staff": 200,
    "outsider": 200,
    "nobody": 403,
}


@pytest.mark.parametrize("name", WORLD_USERS)
def test_who_opens_the_page_and_what_they_find(world: World, name: str) -> None:
    shared = _shared_meeting(world)
    unshared = make_meeting(world, status=S.MINUTES_APPROVED)
    response = _client(world, name).get(URL)
    assert response.status_code == EXPECTED[name]
    if response.status_code != 200:
        return
    found = _shown(response)
    assert unshared.pk not in found
    # Another committee's leader opens the page but finds none of this committee's.
    assert found == (set() if name == "outsider" else {shared.pk})


def test_a_unit_of_another_group_reads_the_note_topics_outcomes_decisions_and_files(
    world: World,
) -> None:
    meeting = _shared_meeting(world)
    with translation.override("en"):
        response = _client(world, "unit2_staff").get(URL)
    content = response.content.decode()
    assert NOTE in content
    assert "互查党支部“三会一课”台账" in content
    assert "交叉检查发现个别党支部记录简单。" in content
    decision = Decision.objects.get(meeting=meeting)
    assert reverse("meetings:decision_detail", args=[decision.pk]) in content
    assert meeting.get_absolute_url() in content
    for attachment in Attachment.objects.filter(record_id__in=[meeting.pk]):
        if attachment.record_type == "meetings.jointmeeting":
            assert reverse("files:download", args=[attachment.pk]) in content
    assert f"交流发言{meeting.pk}.pdf" in content


def test_the_year_filter_opens_on_the_current_year(world: World) -> None:
    this_year = _shared_meeting(world)
    last = GroupYear.objects.create(
        committee=world.committee, group=world.groups[0], year=world.group_years[0].year - 1
    )
    from heli.org.models import GroupMembership

    GroupMembership.objects.create(
        committee=world.committee,
        group_year=last,
        unit=world.units[0],
        year=last.year,
        is_lead=True,
    )
    old = _shared_meeting(world, group_year=last, title="观摩示范党支部建设")
    client = _client(world, "unit2_staff")
    assert _shown(client.get(URL)) == {this_year.pk}
    assert _shown(client.get(URL, {"year": str(last.year)})) == {old.pk}
    assert _shown(client.get(URL, {"year": "all"})) == {this_year.pk, old.pk}
    # A year that is not offered falls back to the current year, without an error page.
    assert _shown(client.get(URL, {"year": "1999"})) == {this_year.pk}
    assert _shown(client.get(URL, {"year": "abc", "group": "x", "kind": "y"})) == {this_year.pk}


def test_filters_by_group_and_kind_and_arranges_by_kind(world: World) -> None:
    first = _shared_meeting(world, kind=AgendaKind.INSPECT)
    second_group = _shared_meeting(
        world,
        group_year=world.group_years[1],
        kind=AgendaKind.STUDY,
        title="传达学习市委全会精神",
    )
    client = _client(world, "office")
    assert _shown(client.get(URL)) == {first.pk, second_group.pk}
    assert _shown(client.get(URL, {"group": world.groups[1].pk})) == {second_group.pk}
    assert _shown(client.get(URL, {"kind": AgendaKind.INSPECT})) == {first.pk}
    by_group = client.get(URL).content.decode()
    assert f'id="shared-group-{world.groups[0].pk}"' in by_group
    assert f'id="shared-group-{world.groups[1].pk}"' in by_group
    by_kind = client.get(URL, {"by": "kind"}).content.decode()
    assert 'id="shared-kind-inspect"' in by_kind and 'id="shared-kind-study"' in by_kind
    assert 'id="shared-kind-views"' not in by_kind  # no meeting of that kind


def test_nothing_shared_says_so(world: World) -> None:
    response = _client(world, "unit0_staff").get(URL)
    assert response.status_code == 200
    assert b'id="shared-empty"' in response.content


def test_the_menu_lists_the_page_for_who_may_open_it(world: World) -> None:
    def listed(name: str) -> bool:
        return any(
            link.url == URL for block in menu_for(world.user(name), "/") for link in block.links
        )

    assert listed("office") and listed("unit2_staff") and listed("leader")
    assert not listed("sysadmin") and not listed("auditor") and not listed("nobody")


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"year": "all"})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["office", "unit2_staff"])
def test_the_page_runs_a_fixed_number_of_queries(world: World, name: str) -> None:
    _shared_meeting(world)
    _shared_meeting(world, group_year=world.group_years[1], title="观摩示范党支部建设")
    client = _client(world, name)
    client.get(URL)  # the session and the scope settle
    few = _queries(client)
    for n in range(6):
        _shared_meeting(
            world,
            group_year=world.group_years[n % 2],
            kind=(AgendaKind.STUDY, AgendaKind.VIEWS, AgendaKind.ISSUES)[n % 3],
            title=f"交流议题{n}",
        )
    many = _queries(client)
    assert len(_shown(client.get(URL, {"year": "all"}))) == 8
    assert many == few <= CEILING
