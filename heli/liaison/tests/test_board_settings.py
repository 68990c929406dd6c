"""The liaison settings page: who may change the rule and the settings, validation in
Chinese next to the field with what was typed kept, and an audit row per change."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from heli.audit.models import AuditEvent
from heli.liaison.coverage import settings_for
from heli.liaison.models import LiaisonSettings
from heli.org.models import Committee
from heli.testing import WORLD_USERS, World

pytestmark = [pytest.mark.django_db]

URL = reverse("liaison:settings")
# Leaders, and the staff of the Organization Department (it hosts the meeting office).
EDITORS = {"leader", "office"}

GOOD = {
    "min_contacts_per_year": "2",
    "warn_days": "45",
    "letter_reminder_days": "10",
    "letter_prefix": "京直工联",
    "issuer": "中共北京市委市直机关工作委员会",
}


@pytest.mark.parametrize("name", WORLD_USERS)
def test_who_may_change_the_settings(client: Client, world: World, name: str) -> None:
    client.force_login(world.user(name))
    response = client.get(URL)
    if name in EDITORS:
        assert response.status_code == 200
        assert client.post(URL, GOOD).status_code == 302
    elif name == "outsider":
        # A leader of another committee changes only that committee's settings.
        assert response.status_code == 200
        client.post(URL, GOOD)
        assert settings_for(world.committee).warn_days == 60
        assert settings_for(world.other_committee).warn_days == 45
    else:
        assert response.status_code == 404, name
        assert client.post(URL, GOOD).status_code == 404
        assert settings_for(world.committee).warn_days == 60
    board = client.get(reverse("liaison:board"))
    if name in EDITORS:
        assert 'href="/liaison/settings/"' in board.content.decode()


def test_a_change_is_saved_and_audited(client: Client, world: World) -> None:
    client.force_login(world.user("office"))
    response = client.post(URL, GOOD, follow=True)
    assert "沟通联系设置已保存。" in response.content.decode()
    world.committee.refresh_from_db()
    found = LiaisonSettings.objects.get(committee=world.committee)
    assert world.committee.min_contacts_per_year == 2
    assert (found.warn_days, found.letter_reminder_days) == (45, 10)
    assert (found.letter_prefix, found.issuer) == ("京直工联", GOOD["issuer"])
    event = AuditEvent.objects.get(event="settings.changed", object_type="liaison.liaisonsettings")
    assert event.user == world.user("office")
    assert event.committee_id == world.committee.pk
    assert event.detail["changed"]["min_contacts_per_year"] == {"before": 1, "after": 2}
    assert event.detail["changed"]["warn_days"] == {"before": 60, "after": 45}
    # Sent again unchanged: nothing to record.
    client.post(URL, GOOD)
    assert AuditEvent.objects.filter(event="settings.changed").count() == 1
    # The board applies the new rule at once.
    board = client.get(reverse("liaison:board"))
    assert board.context["full"].rule == 2 and board.context["full"].warn_days == 45


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("min_contacts_per_year", "0", "请填写 1 到 12 之间的整数。"),
        ("min_contacts_per_year", "13", "请填写 1 到 12 之间的整数。"),
        ("min_contacts_per_year", "两次", "请填写 1 到 12 之间的整数。"),
        ("warn_days", "181", "请填写 1 到 180 之间的整数。"),
        ("warn_days", "", "请填写 1 到 180 之间的整数。"),
        ("letter_reminder_days", "61", "请填写 1 到 60 之间的整数。"),
        ("letter_reminder_days", "-1", "请填写 1 到 60 之间的整数。"),
        ("letter_prefix", "", "请填写函件文号前缀，例如京直工函。"),
        ("letter_prefix", "京直工函〔2026〕", "只填前缀，不含年份括号和“号”，例如京直工函。"),
        ("letter_prefix", "函" * 21, "文号前缀不能超过 20 个字。"),
        ("issuer", "委" * 101, "发文机关不能超过 100 个字。"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_kept(
    client: Client, world: World, field: str, value: str, message: str
) -> None:
    client.force_login(world.user("leader"))
    data: dict[str, Any] = {**GOOD, field: value}
    response = client.post(URL, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field] == [message]
    html = response.content.decode()
    assert message in html
    assert "is-invalid" in html
    # What was typed is kept, the field in error and the others.
    assert form["letter_prefix"].value() == data["letter_prefix"]
    assert form["warn_days"].value() == data["warn_days"]
    # Nothing half-saved.
    assert Committee.objects.get(pk=world.committee.pk).min_contacts_per_year == 1
    assert settings_for(world.committee).warn_days == 60
    assert not AuditEvent.objects.filter(event="settings.changed").exists()
