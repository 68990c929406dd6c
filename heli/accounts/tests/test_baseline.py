"""The level-3 baseline of the security policy cannot be weakened, by any path.

Each value is refused by the database (a check constraint), by the action the page
uses, and by the page itself; and docs/security.md states the values the code enforces.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.test import Client
from django.urls import reverse

from heli.accounts import actions
from heli.accounts.models import SecurityPolicy
from heli.accounts.tests.conftest import audited
from heli.audit import events
from heli.testing import World

pytestmark = pytest.mark.django_db

POLICY = reverse("accounts:security_policy")

# Each baseline value, and the first value past it on the weak side.
WEAKER = {
    "min_length": 7,
    "min_classes": 2,
    "history": 4,
    "max_age_days": 91,
    "idle_minutes": 31,
    "absolute_hours": 13,
    "otp_required_for_admins": False,
}


def test_every_editable_value_has_a_baseline_here() -> None:
    assert set(WEAKER) == set(SecurityPolicy.EDITABLE)


@pytest.mark.parametrize("field", list(WEAKER))
def test_the_database_refuses_each_weaker_value(world: World, field: str) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SecurityPolicy.objects.create(committee=world.committee, **{field: WEAKER[field]})
    SecurityPolicy.objects.create(committee=world.committee)
    # Past the model's validation too: a bulk update goes straight to the database.
    with pytest.raises(IntegrityError), transaction.atomic():
        SecurityPolicy.objects.filter(committee=world.committee).update(**{field: WEAKER[field]})


@pytest.mark.parametrize("field", list(WEAKER))
def test_the_policy_action_refuses_each_weaker_value(world: World, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.set_security_policy(world.user("secadmin"), world.committee, {field: WEAKER[field]})
    assert field in refused.value.error_dict
    assert not SecurityPolicy.objects.filter(committee=world.committee).exists()
    assert not audited(events.SETTINGS_CHANGED)


def test_the_policy_post_cannot_switch_off_two_step_verification_for_administrators(
    client: Client, world: World
) -> None:
    client.force_login(world.user("secadmin"))
    page = client.get(POLICY).content.decode()
    box = re.search(r"<input[^>]*name=\"otp_required_for_admins\"[^>]*>", page)
    assert box is not None and "disabled" in box.group(0) and "checked" in box.group(0)
    # The box left out (what an unticked checkbox sends), and sent as "off".
    for posted in ({}, {"otp_required_for_admins": ""}, {"otp_required_for_admins": "false"}):
        data = {
            "min_length": 10,
            "min_classes": 3,
            "history": 5,
            "max_age_days": 90,
            "idle_minutes": 30,
            "absolute_hours": 12,
            **posted,
        }
        assert client.post(POLICY, data).status_code == 302
        policy = SecurityPolicy.objects.get(committee=world.committee)
        assert policy.otp_required_for_admins is True and policy.min_length == 10
    rows = audited(events.SETTINGS_CHANGED)
    assert len(rows) == 1 and set(rows[0].detail["changed"]) == {"min_length"}


def _baseline(field: str) -> int:
    """The weakest value the model allows: the bound of its validators on the weak side."""
    model_field = SecurityPolicy._meta.get_field(field)
    assert isinstance(model_field, models.Field)
    bounds = {
        type(v).__name__: int(v.limit_value)
        for v in model_field.validators
        if isinstance(v, MinValueValidator | MaxValueValidator)
    }
    low, high = bounds["MinValueValidator"], bounds["MaxValueValidator"]
    return low if int(WEAKER[field]) < low else high


def test_the_security_document_states_the_baseline_the_code_enforces() -> None:
    text = (Path(settings.BASE_DIR) / "docs" / "security.md").read_text(encoding="utf-8")
    chinese = {3: "三", 4: "四"}
    for phrase in (
        f"口令至少 {_baseline('min_length')} 位",
        f"四类字符中至少{chinese[_baseline('min_classes')]}类",
        f"不得与最近 {_baseline('history')} 次相同",
        f"{_baseline('max_age_days')} 天过期",
        f"空闲 {_baseline('idle_minutes')} 分钟",
        f"单次登录最长 {_baseline('absolute_hours')} 小时",
        "三员必须启用动态口令，安全策略不能关闭（数据库约束",
    ):
        assert phrase in text, phrase
    assert SecurityPolicy._meta.get_field("otp_required_for_admins").default is True
