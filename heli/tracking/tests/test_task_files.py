"""A task's files belong to the task: whoever may open the task may download them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from heli.accounts.policy import visible
from heli.files.models import Attachment
from heli.files.tests import samples
from heli.testing import World
from heli.tracking import actions
from heli.tracking.tests.helpers import make_task

pytestmark = pytest.mark.django_db


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def test_the_cooperating_unit_downloads_the_file_of_a_report(world: World, storage: Path) -> None:
    # units[0] leads, units[2] cooperates; units[2] has nothing else to do with units[0].
    task = make_task(world, cooperating_units=[world.units[2]])
    actions.receive_task(task, world.user("unit0_secretary"))
    response = _client(world, "unit0_secretary").post(
        reverse("tracking:task_report", args=[task.pk]),
        {
            "text": "已完成初稿，见附件。",
            "percent": "40",
            "file": samples.upload("初稿.pdf", samples.PDF),
        },
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.record_type, attachment.record_id) == ("tracking.task", task.pk)

    download = reverse("files:download", args=[attachment.pk])
    cooperating = _client(world, "unit2_staff")
    page = cooperating.get(reverse("tracking:task_detail", args=[task.pk]))
    assert page.status_code == 200
    assert download in page.content.decode()
    got = cooperating.get(download)
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == samples.PDF  # type: ignore[attr-defined]

    # Those who may not open the task may not download its file either.
    for name in ("sysadmin", "secadmin", "auditor", "outsider", "nobody"):
        assert _client(world, name).get(download).status_code == 404, name
        assert not visible(world.user(name), Attachment).exists(), name
