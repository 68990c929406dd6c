"""Session limits: 30 minutes idle, 12 hours in all (the committee may shorten both)."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from heli.accounts import sessions
from heli.accounts.models import SecurityPolicy
from heli.accounts.tests.conftest import sign_in
from heli.testing import PASSWORD, World

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def age_session(client: Client, *, idle: float = 0, signed_in: float | None = None) -> str:
    """Move the session's recorded times back, as if that many seconds had passed."""
    session = client.session
    now = time.time()
    session[sessions.SEEN_AT] = now - idle
    if signed_in is not None:
        session[sessions.SIGNED_IN_AT] = now - signed_in
    session.save()
    return str(session.session_key)


def idle_message(minutes: int) -> str:
    with translation.override("zh-hans"):
        return gettext(
            "You were signed out after %(minutes)d minutes without activity. Please sign in again."
        ) % {"minutes": minutes}


def test_idle_session_ends_after_thirty_minutes(client: Client, world: World) -> None:
    client.force_login(world.user("leader"))
    age_session(client, idle=29 * 60)
    assert client.get(reverse("home")).status_code == 200
    key = age_session(client, idle=30 * 60 + 1)
    response = client.get(reverse("org:unit_list"))
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/org/units/"
    assert not Session.objects.filter(session_key=key).exists()
    page = client.get(response["Location"])
    assert idle_message(30) in page.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_session_ends_after_twelve_hours(client: Client, world: World) -> None:
    client.force_login(world.user("leader"))
    age_session(client, signed_in=12 * 3600 - 60)
    assert client.get(reverse("home")).status_code == 200
    key = age_session(client, signed_in=12 * 3600 + 1)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not Session.objects.filter(session_key=key).exists()


def test_session_limits_follow_the_committee_policy(client: Client, world: World) -> None:
    SecurityPolicy.objects.create(committee=world.committee, idle_minutes=10, absolute_hours=2)
    client.force_login(world.user("leader"))
    age_session(client, idle=11 * 60)
    assert client.get(reverse("home")).status_code == 302
    client.force_login(world.user("leader"))
    age_session(client, signed_in=2 * 3600 + 1)
    assert client.get(reverse("home")).status_code == 302
    # The other committee keeps 30 minutes.
    client.force_login(world.user("outsider"))
    age_session(client, idle=11 * 60)
    assert client.get(reverse("home")).status_code == 200


def test_activity_is_written_at_most_once_a_minute(client: Client, world: World) -> None:
    client.force_login(world.user("leader"))
    age_session(client, idle=30)
    seen = client.session[sessions.SEEN_AT]
    client.get(reverse("home"))
    assert client.session[sessions.SEEN_AT] == seen
    age_session(client, idle=90)
    client.get(reverse("home"))
    assert time.time() - client.session[sessions.SEEN_AT] < 5


def test_signing_in_stamps_the_session_and_its_cookie_ends_with_the_browser(
    client: Client, world: World
) -> None:
    response = sign_in(client, "leader", PASSWORD)
    assert response.status_code == 302
    session = client.session
    assert time.time() - session[sessions.SIGNED_IN_AT] < 5
    assert time.time() - session[sessions.SEEN_AT] < 5
    cookie = response.cookies["sessionid"]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert cookie["httponly"]


def test_a_session_without_stamps_starts_its_limits_now(client: Client, world: World) -> None:
    client.force_login(world.user("leader"))
    session = client.session
    del session[sessions.SIGNED_IN_AT]
    session.save()
    assert client.get(reverse("home")).status_code == 200
    assert time.time() - client.session[sessions.SIGNED_IN_AT] < 5


def test_htmx_request_after_the_limit_goes_to_the_sign_in_page(
    client: Client, world: World
) -> None:
    client.force_login(world.user("leader"))
    age_session(client, idle=31 * 60)
    response = client.get(reverse("org:unit_list"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == LOGIN
