"""The task page links only what its reader may open: no link leads to a 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from heli.testing import World
from heli.tracking.tests.helpers import make_task

pytestmark = pytest.mark.django_db


def test_a_sub_task_names_a_parent_its_unit_may_not_open_without_linking_it(world: World) -> None:
    parent = make_task(
        world, title="全市机关党建重点任务", lead_unit=world.units[2], cooperating_units=[]
    )
    child = make_task(
        world,
        title="本单位落实分解任务",
        parent=parent,
        lead_unit=world.units[0],
        cooperating_units=[],
    )
    parent_url = reverse("tracking:task_detail", args=[parent.pk])
    unit = Client()
    unit.force_login(world.user("unit0_secretary"))
    page = unit.get(reverse("tracking:task_detail", args=[child.pk])).content.decode()
    assert "全市机关党建重点任务"[:20] in page
    assert parent_url not in page
    assert unit.get(parent_url).status_code == 404

    staff = Client()
    staff.force_login(world.user("staff"))
    page = staff.get(reverse("tracking:task_detail", args=[child.pk])).content.decode()
    assert f'href="{parent_url}"' in page
