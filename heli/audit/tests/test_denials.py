"""Refusals are audited, while the person refused still sees a plain 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from heli.audit import events
from heli.audit.models import AuditEvent
from heli.org.models import Unit
from heli.testing import World

pytestmark = pytest.mark.django_db


def client_for(world: World, name: str) -> Client:
    client = Client(REMOTE_ADDR="10.9.0.5")
    client.force_login(world.user(name))
    return client


def denials() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=events.PERMISSION_DENIED).order_by("pk"))


def test_permission_denial_is_audited(world: World) -> None:
    client = client_for(world, "unit2_staff")
    other_unit = world.units[0]
    url = reverse("org:unit_detail", args=[other_unit.pk])
    assert client.get(url).status_code == 404
    [denial] = denials()
    assert denial.user_id == world.user("unit2_staff").pk
    assert denial.result == AuditEvent.Result.DENIED
    assert (denial.object_type, denial.object_id) == ("org.unit", str(other_unit.pk))
    assert denial.object_repr == other_unit.name
    assert denial.source_ip == "10.9.0.5"
    assert denial.detail == {"action": "view", "path": url, "method": "GET"}
    assert denial.committee_id == world.committee.pk


def _page(client: Client, url: str) -> tuple[int, str]:
    """The 404 page, less what each response carries of its own: the address asked for
    (the language switch returns to it) and the CSRF tokens, masked afresh every time."""
    response = client.get(url)
    body = response.content.decode().replace(url, "<address>")
    return response.status_code, re.sub(r"\b[A-Za-z0-9]{64}\b", "<token>", body)


def test_the_response_to_a_refusal_is_the_same_as_for_a_missing_record(world: World) -> None:
    client = client_for(world, "unit2_staff")
    refused = _page(client, reverse("org:unit_detail", args=[world.units[0].pk]))
    missing = _page(client, reverse("org:unit_detail", args=[999_999]))
    assert refused[0] == missing[0] == 404
    assert refused[1] == missing[1]


def test_missing_records_and_other_committees_records_are_not_denials(world: World) -> None:
    client = client_for(world, "unit2_staff")
    last = Unit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert client.get(reverse("org:unit_detail", args=[last + 100])).status_code == 404
    other = reverse("org:unit_detail", args=[world.other_unit.pk])
    assert client.get(other).status_code == 404
    assert denials() == []


def test_pages_refused_to_a_role_are_audited(world: World) -> None:
    client = client_for(world, "staff")
    assert client.get(reverse("org:leads")).status_code == 404
    assert client.post(reverse("org:leads_confirm"), {"year": 2030}).status_code == 404
    nobody = client_for(world, "nobody")
    assert nobody.get(reverse("org:unit_list")).status_code == 404
    assert nobody.get(reverse("org:group_list")).status_code == 404
    rows = denials()
    assert [(r.username, r.detail["action"], r.object_type, r.detail["method"]) for r in rows] == [
        ("staff", "manage_leads", "org.groupyear", "GET"),
        ("staff", "manage_leads", "org.groupyear", "POST"),
        ("nobody", "view", "org.unit", "GET"),
        ("nobody", "view", "org.group", "GET"),
    ]


def test_opening_a_group_the_person_may_not_see_is_a_denial(world: World) -> None:
    client = client_for(world, "unit2_staff")
    url = reverse("org:group_detail", args=[world.groups[0].pk])
    assert client.get(url).status_code == 404
    [denial] = denials()
    assert denial.object_type == "org.group" and denial.object_id == str(world.groups[0].pk)
