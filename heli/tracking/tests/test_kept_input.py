"""Nothing typed is lost: a task form the server refuses comes back as it was sent, with
the message next to the field — a refused file, a bad percentage, a missing reason, a
task that moved on meanwhile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from heli.files.models import Attachment
from heli.files.tests import samples
from heli.testing import World
from heli.tracking import actions
from heli.tracking.models import ProgressReport
from heli.tracking.tests.helpers import make_task
from heli.tracking.workflow import Status, Step

pytestmark = pytest.mark.django_db

# 600 characters of a report, lines and all.
REPORT = ("已召开机关党委会议专题研究，制定工作方案，明确责任分工和时间节点。\n" * 20)[:600]


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _report_form(response: Any) -> Any:
    return next(i.form for i in response.context["panel"] if i.key == "report")


def test_a_refused_file_keeps_the_600_characters_of_the_report(world: World, storage: Path) -> None:
    task = make_task(world)
    actions.receive_task(task, world.user("unit0_secretary"))
    response = _client(world, "unit0_secretary").post(
        reverse("tracking:task_report", args=[task.pk]),
        {"text": REPORT, "percent": "60", "file": samples.upload("程序.exe", b"MZ\x90\x00")},
    )
    assert response.status_code == 200
    form = _report_form(response)
    assert form.errors["file"] and "exe" in form.errors["file"][0]
    page = response.content.decode()
    # The text and the percentage, as typed; the file's message after the file field.
    textarea = page[page.index('name="text"') :]
    assert REPORT in textarea[: len(REPORT) + 400]
    assert 'name="percent" value="60"' in page
    file_input = page[page.index('name="file"') - 200 : page.index('name="file"') + 600]
    assert "is-invalid" in file_input and form.errors["file"][0] in file_input
    assert not ProgressReport.objects.exists() and not Attachment.objects.exists()


def test_a_bad_percentage_keeps_the_text(world: World) -> None:
    task = make_task(world)
    actions.receive_task(task, world.user("unit0_secretary"))
    response = _client(world, "unit0_secretary").post(
        reverse("tracking:task_report", args=[task.pk]), {"text": REPORT, "percent": "120"}
    )
    assert response.status_code == 200
    assert _report_form(response).errors["percent"] == ["进度应为0到100之间的整数（百分比）。"]
    assert REPORT.splitlines()[0] in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_a_report_on_a_task_closed_meanwhile_keeps_the_text_at_the_top(world: World) -> None:
    task = make_task(world)
    secretary, staff = world.user("unit0_secretary"), world.user("staff")
    actions.receive_task(task, secretary)
    actions.report_done(task, secretary, "已完成")
    actions.close_task(task, staff)
    response = _client(world, "unit0_secretary").post(
        reverse("tracking:task_report", args=[task.pk]), {"text": REPORT, "percent": "90"}
    )
    assert response.status_code == 200
    assert "report" not in {i.key for i in response.context["panel"]}
    [(form, kept)] = response.context["refusals"]
    assert kept == REPORT.strip()
    page = response.content.decode()
    assert "已销号的事项不能修改。" in page and "您填写的内容（未保存）" in page
    assert REPORT.splitlines()[0] in page


@pytest.mark.parametrize(
    ("step", "status", "typed", "field", "message"),
    [
        (Step.REPORT_DONE, Status.RECEIVED, {}, "reason", "请填写办结情况"),
        (Step.RETURN, Status.REPORTED_DONE, {}, "reason", "请填写退回重办的理由"),
        (Step.CLOSE, Status.REPORTED_DONE, {"reason": "经核实已完成"}, "confirm", "请勾选确认"),
    ],
)
def test_a_step_refused_comes_back_with_its_message_next_to_the_field(
    world: World, step: Step, status: Status, typed: dict[str, str], field: str, message: str
) -> None:
    task = make_task(world)
    secretary = world.user("unit0_secretary")
    actions.receive_task(task, secretary)
    if status == Status.REPORTED_DONE:
        actions.report_done(task, secretary, "已完成")
    who = "unit0_secretary" if step is Step.REPORT_DONE else "staff"
    response = _client(world, who).post(
        reverse("tracking:task_step", args=[task.pk, step.value]),
        {**typed, "version": task.version},
    )
    assert response.status_code == 200
    form = next(i.form for i in response.context["panel"] if i.key == step.value)
    assert message in form.errors[field][0]
    for value in typed.values():
        assert value in response.content.decode()
    task.refresh_from_db()
    assert task.status == status


def test_report_done_below_100_percent_says_so(world: World) -> None:
    task = make_task(world)
    secretary = world.user("unit0_secretary")
    actions.receive_task(task, secretary)
    actions.report_progress(task, text="过半", percent=60, by=secretary)
    response = _client(world, "unit0_secretary").get(
        reverse("tracking:task_detail", args=[task.pk])
    )
    done = next(i for i in response.context["panel"] if i.key == Step.REPORT_DONE)
    assert "目前反馈的进度为60%，尚未达到100%" in done.warning
    assert "目前反馈的进度为60%" in response.content.decode()


def test_a_report_sent_again_after_the_back_button_is_saved_once(world: World) -> None:
    """The page comes back with a new token (signed-in pages are never cached) and the
    text the browser kept: the same report a moment later is the same report."""
    task = make_task(world)
    actions.receive_task(task, world.user("unit0_secretary"))
    client = _client(world, "unit0_secretary")
    url = reverse("tracking:task_report", args=[task.pk])
    for _ in range(2):
        token = next(
            i.token
            for i in client.get(reverse("tracking:task_detail", args=[task.pk])).context["panel"]
            if i.key == "report"
        )
        response = client.post(url, {"text": REPORT, "percent": "40", "submission": token})
        assert response.status_code == 302
    assert ProgressReport.objects.filter(task=task).count() == 1
    # Another report (other words) is another report.
    client.post(url, {"text": "又召开了一次推进会。", "percent": "50"})
    assert ProgressReport.objects.filter(task=task).count() == 2
