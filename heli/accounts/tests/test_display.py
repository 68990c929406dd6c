"""显示设置: each person's larger text (适老化), kept on the account across sessions."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from heli.accounts.models import User
from heli.accounts.tests.conftest import audited, sign_in
from heli.audit import events
from heli.testing import PASSWORD, World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_hashing")]

DISPLAY = reverse("accounts:display")
HTML_TAG = re.compile(r"<html[^>]*>")


def html_tag(client: Client, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    found = HTML_TAG.search(response.content.decode())
    assert found is not None
    return found[0]


def large(tag: str) -> bool:
    return "heli-large-text" in tag


def signed_in(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def test_the_page_shows_the_setting_and_is_linked_from_the_account_menu(world: World) -> None:
    client = signed_in(world, "staff")
    home = client.get("/").content.decode()
    assert f'href="{DISPLAY}"' in home
    page = client.get(DISPLAY)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="large_text"' in body
    assert "checked" not in body.split('name="large_text"')[1].split(">")[0]
    assert 'name="csrfmiddlewaretoken"' in body


def test_turning_larger_text_on_puts_the_class_on_every_page(world: World) -> None:
    client = signed_in(world, "staff")
    assert not large(html_tag(client))
    response = client.post(DISPLAY, {"large_text": "on"}, follow=True)
    assert response.redirect_chain == [(DISPLAY, 302)]
    assert "大字体显示已开启" in response.content.decode() or "Larger text is on" in (
        response.content.decode()
    )
    assert User.objects.get(pk=world.user("staff").pk).large_text is True
    assert large(html_tag(client))
    assert large(html_tag(client, reverse("tracking:task_list")))
    assert large(html_tag(client, reverse("org:unit_list")))
    # The form now shows it on.
    form = client.get(DISPLAY).content.decode()
    assert "checked" in form.split('name="large_text"')[1].split(">")[0]
    # And off again: an unticked box posts nothing.
    client.post(DISPLAY, {})
    assert User.objects.get(pk=world.user("staff").pk).large_text is False
    assert not large(html_tag(client))


def test_the_setting_holds_after_signing_out_and_in_again(world: World) -> None:
    client = Client()
    assert sign_in(client, "leader", PASSWORD).status_code == 302
    client.post(DISPLAY, {"large_text": "on"})
    client.post(reverse("accounts:logout"))
    # Signed out: the sign-in page is the anonymous one, in normal text.
    assert not large(html_tag(client, reverse("accounts:login")))
    fresh = Client()  # another browser, another session
    assert sign_in(fresh, "leader", PASSWORD).status_code == 302
    assert large(html_tag(fresh))


def test_only_that_person_gets_larger_text(world: World) -> None:
    staff, leader = signed_in(world, "staff"), signed_in(world, "leader")
    staff.post(DISPLAY, {"large_text": "on"})
    assert large(html_tag(staff))
    assert not large(html_tag(leader))
    assert not User.objects.exclude(pk=world.user("staff").pk).filter(large_text=True).exists()


def test_a_change_is_audited_and_saving_the_same_value_is_not(world: World) -> None:
    client = signed_in(world, "unit0_staff")
    person = world.user("unit0_staff")
    client.post(DISPLAY, {"large_text": "on"})
    client.post(DISPLAY, {"large_text": "on"})
    rows = audited(events.ACCOUNT_UPDATED, object_id=str(person.pk))
    assert len(rows) == 1
    assert rows[0].user_id == person.pk
    assert rows[0].detail["changes"] == {"large_text": [False, True]}


def test_a_get_changes_nothing_and_a_post_needs_the_csrf_token(world: World) -> None:
    person = world.user("staff")
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    assert client.get(DISPLAY, {"large_text": "on"}).status_code == 200
    assert client.post(DISPLAY, {"large_text": "on"}).status_code == 403
    person.refresh_from_db()
    assert person.large_text is False
    # With the token from the page, the same post goes through.
    page = client.get(DISPLAY).content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    response = client.post(DISPLAY, {"large_text": "on", "csrfmiddlewaretoken": found[1]})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.large_text is True
    assert signed_in(world, "staff").put(DISPLAY).status_code == 405


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, world: World) -> None:
    for response in (client.get(DISPLAY), client.post(DISPLAY, {"large_text": "on"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert not User.objects.filter(large_text=True).exists()


@pytest.mark.parametrize(
    "name",
    ["leader", "staff", "office", "sysadmin", "secadmin", "auditor", "unit2_secretary", "nobody"],
)
def test_every_signed_in_person_may_change_their_own(world: World, name: str) -> None:
    client = signed_in(world, name)
    assert client.post(DISPLAY, {"large_text": "on"}).status_code == 302
    assert User.objects.get(username=name).large_text is True
