"""The calendar address page and the feed at a secret address, fetched without a session."""

from __future__ import annotations

import datetime
import hashlib
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from heli.audit import events
from heli.audit.models import AuditEvent
from heli.lib.ui import menu_for
from heli.meetings import ics
from heli.meetings.models import CalendarFeed, JointMeeting
from heli.meetings.tests.factories import make_meeting
from heli.testing import WORLD_USERS, World

pytestmark = pytest.mark.django_db
S = JointMeeting.Status
SETTINGS = "meetings:feed_settings"
# Everyone who sees meetings has an address of their own (the outsider in its committee).
HAS_PAGE = {
    "leader",
    "staff",
    "office",
    "unit0_leadership",
    "unit0_secretary",
    "unit0_staff",
    "unit2_secretary",
    "unit2_staff",
    "outsider",
}


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _make(client: Client, **data: str) -> tuple[Any, str]:
    """Make (or replace) the address; the page shows it once: its token."""
    response = client.post(reverse("meetings:feed_create"), data)
    found = re.search(r'id="feed-address" type="text" value="([^"]+)"', response.content.decode())
    return response, found.group(1) if found else ""


def _path(url: str) -> str:
    return url.removeprefix("http://testserver")


@pytest.mark.parametrize("name", WORLD_USERS)
def test_the_page_is_for_people_who_see_meetings(world: World, name: str) -> None:
    response = _client(world, name).get(reverse(SETTINGS))
    assert response.status_code == (200 if name in HAS_PAGE else 404), name
    labels = [link.url for block in menu_for(world.user(name), "/") for link in block.links]
    assert (reverse(SETTINGS) in labels) == (name in HAS_PAGE), name


def test_a_person_makes_an_address_and_a_calendar_program_reads_it(world: World) -> None:
    meeting = make_meeting(world, status=S.NOTICE_SENT)
    client = _client(world, "unit0_secretary")
    response, url = _make(client)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 43
    feed = CalendarFeed.objects.get(user=world.user("unit0_secretary"))
    # Only the token's hash is kept, nowhere the token itself.
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert not AuditEvent.objects.filter(detail__icontains=token).exists()
    assert feed.expires_at - timezone.now() > datetime.timedelta(days=364)
    assert AuditEvent.objects.filter(
        event=events.RECORD_CREATED, object_type="meetings.calendarfeed"
    ).exists()
    # A calendar program: no session, no login redirect.
    answer = Client().get(_path(url))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/calendar; charset=utf-8"
    assert answer["Cache-Control"] == "private, max-age=300"
    (event,) = Calendar.from_ical(answer.content).walk("VEVENT")
    assert str(event["UID"]) == meeting.ics_uid
    assert str(event["URL"]).endswith(f"/meetings/{meeting.pk}/")
    # Its use is written down, at most once an hour.
    feed.refresh_from_db()
    first = feed.last_used_at
    assert first is not None
    assert Client().get(_path(url)).status_code == 200
    feed.refresh_from_db()
    assert feed.last_used_at == first
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=first - datetime.timedelta(hours=2))
    Client().get(_path(url))
    feed.refresh_from_db()
    assert feed.last_used_at is not None and feed.last_used_at > first
    # The page now says when the address works until, without showing it again.
    page = client.get(reverse(SETTINGS)).content.decode()
    assert 'data-state="live"' in page and token not in page


def test_replacing_the_address_asks_first_and_ends_the_old_one(world: World) -> None:
    client = _client(world, "unit0_staff")
    _first, old = _make(client)
    refused, shown = _make(client)
    assert refused.status_code == 400 and not shown
    assert refused.context["replace_form"].errors["confirm"]
    assert Client().get(_path(old)).status_code == 200
    replaced, new = _make(client, **{"replace-confirm": "on"})
    assert replaced.status_code == 200 and new and new != old
    gone = Client().get(_path(old))
    assert gone.status_code == 410
    assert gone["Content-Type"] == "text/plain; charset=utf-8"
    assert "我的日历订阅地址" in gone.content.decode()
    assert Client().get(_path(new)).status_code == 200
    assert CalendarFeed.objects.filter(user=world.user("unit0_staff")).count() == 2


def test_a_revoked_address_is_refused(world: World) -> None:
    client = _client(world, "leader")
    _response, url = _make(client)
    revoke = reverse("meetings:feed_revoke")
    refused = client.post(revoke, {})
    assert refused.status_code == 400
    assert Client().get(_path(url)).status_code == 200
    assert client.post(revoke, {"revoke-confirm": "on"}).status_code == 302
    assert Client().get(_path(url)).status_code == 410
    feed = CalendarFeed.objects.get(user=world.user("leader"))
    assert feed.revoked_at is not None
    assert AuditEvent.objects.filter(
        event=events.RECORD_UPDATED, object_type="meetings.calendarfeed", object_id=str(feed.pk)
    ).exists()
    page = client.get(reverse(SETTINGS)).content.decode()
    assert 'data-state="none"' in page


def test_an_expired_address_is_refused_and_a_new_one_can_be_made(world: World) -> None:
    client = _client(world, "office")
    _response, url = _make(client)
    CalendarFeed.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert Client().get(_path(url)).status_code == 410
    page = client.get(reverse(SETTINGS)).content.decode()
    assert 'data-state="expired"' in page
    # No confirmation needed: the old address works no more anyway.
    again, new = _make(client)
    assert again.status_code == 200 and new
    assert Client().get(_path(new)).status_code == 200


def test_an_unknown_address_is_a_404_with_a_word_on_what_to_do(world: World) -> None:
    response = Client().get(reverse("meetings:feed", args=["x" * 43]))
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "生成新的地址" in response.content.decode()


def test_the_address_of_a_disabled_account_works_no_more(world: World) -> None:
    feed, token = ics.new_feed(world.user("unit2_staff"))
    url = reverse("meetings:feed", args=[token])
    assert Client().get(url).status_code == 200
    world.user("unit2_staff").is_active = False
    world.user("unit2_staff").save(update_fields=["is_active"])
    assert Client().get(url).status_code == 404


def test_one_live_address_per_person(world: World) -> None:
    user = world.user("unit0_staff")
    ics.new_feed(user)
    ics.new_feed(user)
    assert CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).count() == 1
    assert ics.revoke_feed(user) is True
    assert ics.revoke_feed(user) is False
