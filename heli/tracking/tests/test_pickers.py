"""The assign form's pickers: the parent task found by searching among the tasks the
person may see, the cooperating units ticked by group and refused when forged, the form
sent back without script as it was typed, and each endpoint's queries fixed."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from heli.org.models import Department, Group, GroupMembership, GroupYear, Unit
from heli.testing import World, build_sized_committee, make_unit
from heli.tracking import actions
from heli.tracking.models import Task
from heli.tracking.tests.helpers import add_sized_tasks, make_task, task_data

pytestmark = pytest.mark.django_db

SEARCH = reverse("tracking:picker_parents")
CHOSEN = reverse("tracking:picker_parent_chosen")
GROUPS = reverse("tracking:picker_groups")
CREATE = reverse("tracking:task_create")


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _found(client: Client, q: str, **extra: Any) -> list[str]:
    response = client.get(SEARCH, {"parent_q": q, **extra})
    assert response.status_code == 200
    results = response.context["results"]
    return [t.title for t in results] if results is not None else []


def _other_committee_task(world: World) -> Task:
    """A task of the other committee, assigned by its own leader."""
    department = Department.objects.create(committee=world.other_committee, name="区宣传部")
    return actions.create_task(
        world.other_committee,
        task_data(
            world,
            title="外区机关党建工作要点",
            lead_unit=world.other_unit,
            cooperating_units=[],
            department=department,
        ),
        world.user("outsider"),
    )


def _abolish(unit: Unit) -> None:
    Unit.objects.filter(pk=unit.pk).update(
        status=Unit.Status.ABOLISHED, status_date=timezone.localdate()
    )


def _form(world: World, **overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "title": "开展支部标准化建设",
        "lead_unit": world.units[2].pk,
        "department": world.department.pk,
        "assigned_at": today.isoformat(),
        "deadline": (today + datetime.timedelta(days=60)).isoformat(),
        "priority": "normal",
        **overrides,
    }


# --- The parent task, found by searching ---------------------------------------------------


def test_the_parent_is_found_by_title_number_lead_unit_and_year(world: World) -> None:
    first = make_task(world, title="落实机关党建工作要点", cooperating_units=[])
    make_task(world, title="开展主题党日活动", lead_unit=world.units[3], cooperating_units=[])
    earlier = make_task(
        world,
        title="开展机关作风建设年活动",
        assigned_at=datetime.date(2025, 3, 2),
        deadline=datetime.date(2025, 6, 30),
    )
    client = _client(world, "staff")
    assert _found(client, "党建") == ["落实机关党建工作要点"]
    assert first.number is not None and earlier.number is not None
    assert _found(client, f"{first.year}-{first.number:04d}") == ["落实机关党建工作要点"]
    assert _found(client, "测试单位3") == ["开展主题党日活动"]
    assert _found(client, "2025") == ["开展机关作风建设年活动"]
    # Every word counts; newest year first.
    assert _found(client, "开展 2026") == ["开展主题党日活动"]
    assert _found(client, "开展") == ["开展主题党日活动", "开展机关作风建设年活动"]
    assert _found(client, "没有这个事项") == []
    # Nothing typed, nothing listed (not the whole committee).
    assert client.get(SEARCH, {"parent_q": "  "}).context["results"] is None


def test_closed_withdrawn_and_sub_tasks_are_not_offered_as_parents(world: World) -> None:
    staff, secretary = world.user("staff"), world.user("unit0_secretary")
    parent = make_task(world, title="党建要点（总）", cooperating_units=[])
    make_task(world, title="党建要点（子）", parent=parent, cooperating_units=[])
    closed = make_task(world, title="党建要点（已销号）", cooperating_units=[])
    actions.receive_task(closed, secretary)
    actions.report_done(closed, secretary, "已完成")
    actions.close_task(closed, staff)
    withdrawn = make_task(world, title="党建要点（已撤销）", cooperating_units=[])
    actions.withdraw_task(withdrawn, staff, "交办有误")
    assert _found(_client(world, "staff"), "党建要点") == ["党建要点（总）"]
    # Editing a task, the task itself is not offered as its own parent.
    assert _found(_client(world, "staff"), "党建要点", exclude=parent.pk) == []


def test_the_search_finds_only_the_tasks_the_person_sees(world: World) -> None:
    ours = make_task(world, title="机关党建工作要点", cooperating_units=[])
    theirs = _other_committee_task(world)
    for name in ("staff", "leader", "office"):
        assert _found(_client(world, name), "党建工作要点") == ["机关党建工作要点"], name
    # The other committee's leader assigns there, and finds only its own tasks.
    outsider = _client(world, "outsider")
    assert _found(outsider, "党建工作要点") == ["外区机关党建工作要点"]
    # Nor can either pick the other's task by its id.
    chosen = outsider.get(CHOSEN, {"parent": ours.pk})
    assert chosen.context["parent"] is None
    assert 'name="parent" id="id_parent" value=""' in chosen.content.decode()
    assert "该事项不能作为上级事项" in chosen.content.decode()
    mine = _client(world, "staff").get(CHOSEN, {"parent": ours.pk})
    assert mine.context["parent"] == ours
    assert f'name="parent" id="id_parent" value="{ours.pk}"' in mine.content.decode()
    assert _client(world, "staff").get(CHOSEN, {"parent": theirs.pk}).context["parent"] is None


@pytest.mark.parametrize(
    "name", ["sysadmin", "secadmin", "auditor", "unit0_secretary", "unit2_staff", "nobody"]
)
def test_people_who_do_not_assign_tasks_get_404_from_every_picker(world: World, name: str) -> None:
    task = make_task(world, title="机关党建工作要点")
    client = _client(world, name)
    assert client.get(SEARCH, {"parent_q": "党建"}).status_code == 404
    assert client.get(CHOSEN, {"parent": task.pk}).status_code == 404
    assert client.get(GROUPS, {"assigned_at": "2026-03-02"}).status_code == 404


def test_the_form_refuses_a_parent_it_does_not_offer(world: World) -> None:
    theirs = _other_committee_task(world)
    staff = world.user("staff")
    closed = make_task(world, title="已销号事项", cooperating_units=[])
    actions.receive_task(closed, world.user("unit0_secretary"))
    actions.report_done(closed, world.user("unit0_secretary"), "已完成")
    actions.close_task(closed, staff)
    client = _client(world, "staff")
    for forged in (theirs.pk, closed.pk, 999999, "abc"):
        response = client.post(CREATE, _form(world, parent=forged, parent_q="党建"))
        assert response.status_code == 200, forged
        page = response.content.decode()
        assert "该事项不能作为上级事项：它不是您可查看的未办结事项。请重新搜索。" in page
        # The chosen-task box holds nothing; what was typed stays.
        assert 'name="parent" id="id_parent" value=""' in page
        assert 'value="开展支部标准化建设"' in page and 'name="parent_q" value="党建"' in page
    assert not Task.objects.filter(title="开展支部标准化建设").exists()


# --- The cooperating units -----------------------------------------------------------------


def test_forged_or_ended_cooperating_units_are_refused_next_to_the_field(world: World) -> None:
    ended = make_unit(world.committee, "已撤销单位", 9)
    _abolish(ended)
    client = _client(world, "staff")
    for forged, shown in ((world.other_unit.pk, world.other_unit.pk), (ended.pk, ended.pk)):
        response = client.post(CREATE, _form(world, cooperating_units=[world.units[1].pk, forged]))
        assert response.status_code == 200
        errors = response.context["form"].errors["cooperating_units"]
        assert errors == [f"请从列表中选择配合单位：编号{shown}不是本工委现有的单位。"]
        page = response.content.decode()
        picker = page[page.index('id="coop-picker"') :]
        assert errors[0] in picker[: picker.index("督办处室")]
        # The unit ticked before stays ticked; the forged one is on no list.
        assert f'value="{world.units[1].pk}" id="id_cooperating_units_{world.units[1].pk}"' in page
        assert f'id="id_cooperating_units_{forged}"' not in page
        assert [u.pk for u in response.context["picker"].chosen_units] == [world.units[1].pk]
    response = client.post(CREATE, _form(world, cooperating_units=["x"]))
    assert response.context["form"].errors["cooperating_units"] == [
        "请从列表中选择配合单位：编号x不是本工委现有的单位。"
    ]
    assert not Task.objects.exists()


def test_unit_names_are_escaped_in_the_checklist_and_the_lead_units_choices(
    world: World,
) -> None:
    odd = make_unit(world.committee, '<b>"某"单位</b>', 9)
    response = _client(world, "staff").post(
        CREATE, _form(world, title="", lead_unit=odd.pk, cooperating_units=[world.units[1].pk])
    )
    page = response.content.decode()
    assert "<b>" not in page and page.count("&lt;b&gt;&quot;某&quot;单位&lt;/b&gt;") == 3
    # The one sent is selected, and the one ticked is checked, after the refusal.
    assert f'<option value="{odd.pk}" selected>' in page
    box = f'id="id_cooperating_units_{world.units[1].pk}" data-label="测试单位1" checked>'
    assert box in page


def test_the_lead_unit_cannot_also_cooperate(world: World) -> None:
    response = _client(world, "staff").post(
        CREATE, _form(world, cooperating_units=[world.units[2].pk, world.units[3].pk])
    )
    assert response.status_code == 200
    assert response.context["form"].errors["cooperating_units"] == [
        "牵头单位不能同时作为配合单位。"
    ]
    assert not Task.objects.exists()


def test_group_buttons_tick_the_groups_units_of_the_work_year(world: World) -> None:
    client = _client(world, "staff")
    year = timezone.localdate().year
    groups = client.get(GROUPS, {"assigned_at": f"{year}-03-02"}).context["groups"]
    units = world.units
    assert [(g.name, g.unit_ids) for g in groups] == [
        ("第一组", (units[0].pk, units[1].pk)),
        ("第二组", (units[2].pk, units[3].pk)),
    ]
    page = client.get(GROUPS, {"assigned_at": f"{year}-03-02"}).content.decode()
    assert f'data-group-units="{units[2].pk} {units[3].pk}"' in page
    # An ended unit is not ticked; another year has groups of its own (here none).
    _abolish(units[3])
    groups = client.get(GROUPS, {"assigned_at": f"{year}-03-02"}).context["groups"]
    assert groups[1].unit_ids == (units[2].pk,)
    assert client.get(GROUPS, {"assigned_at": f"{year - 1}-03-02"}).context["groups"] == []
    # A date not typed yet, or not a date: this year's groups.
    assert len(client.get(GROUPS, {"assigned_at": "2026-13-45"}).context["groups"]) == 2


def test_the_groups_follow_the_parents_work_year(world: World) -> None:
    year = timezone.localdate().year
    earlier = make_task(
        world,
        title="上一年度事项",
        assigned_at=datetime.date(year - 1, 3, 2),
        deadline=datetime.date(year - 1, 6, 30),
    )
    group = Group.objects.create(committee=world.committee, number=3, name="第三组")
    gy = GroupYear.objects.create(committee=world.committee, group=group, year=year - 1)
    GroupMembership.objects.create(
        committee=world.committee, group_year=gy, unit=world.units[1], year=year - 1
    )
    client = _client(world, "staff")
    params: dict[str, Any] = {"parent": earlier.pk, "assigned_at": f"{year}-03-02"}
    response = client.get(CHOSEN, params)
    assert [g.name for g in response.context["groups"]] == ["第三组"]
    page = response.content.decode()
    # Swapped in beside the chosen task: the groups, and the results emptied.
    assert 'id="coop-groups"' in page and 'hx-swap-oob="true"' in page
    assert [g.name for g in client.get(GROUPS, {"parent": earlier.pk}).context["groups"]] == [
        "第三组"
    ]


def test_without_script_a_group_button_ticks_its_units_and_saves_nothing(world: World) -> None:
    client = _client(world, "staff")
    token = client.get(CREATE).context["token"]
    # The lead unit is units[2], in the second group: the group ticks units[3] only.
    data = _form(world, cooperating_units=[world.units[0].pk], submission=token)
    response = client.post(CREATE, {**data, "coop_group": world.group_years[1].pk})
    assert response.status_code == 200
    picked = response.context["picker"]
    assert [u.pk for u in picked.chosen_units] == [world.units[0].pk, world.units[3].pk]
    page = response.content.decode()
    assert 'value="开展支部标准化建设"' in page and f'value="{token}"' in page
    assert "is-invalid" not in page and not Task.objects.exists()
    # Another committee's group, or none at all: a message next to the field.
    other_group = Group.objects.create(committee=world.other_committee, number=1, name="外组")
    other_gy = GroupYear.objects.create(
        committee=world.other_committee, group=other_group, year=timezone.localdate().year
    )
    for forged in (other_gy.pk, 999999, "x"):
        response = client.post(CREATE, {**data, "coop_group": forged})
        assert response.context["picker"].coop_error == "找不到该分组，请从列出的分组中勾选。"
        assert "找不到该分组，请从列出的分组中勾选。" in response.content.decode()
        assert [u.pk for u in response.context["picker"].chosen_units] == [world.units[0].pk]
    # Then "save": the task, once, with the units ticked.
    response = client.post(
        CREATE, {**data, "cooperating_units": [world.units[0].pk, world.units[3].pk]}
    )
    assert response.status_code == 302
    task = Task.objects.get(title="开展支部标准化建设")
    assert {c.unit_id for c in task.cooperations.all()} == {world.units[0].pk, world.units[3].pk}


def test_without_script_the_parent_is_searched_picked_and_cleared(world: World) -> None:
    parent = make_task(world, title="落实机关党建工作要点", cooperating_units=[])
    client = _client(world, "staff")
    token = client.get(CREATE).context["token"]
    data = _form(world, submission=token, parent_q="党建", coop_q="单位3")
    searched = client.post(CREATE, {**data, "parent_search": "1"})
    assert [t.pk for t in searched.context["picker"].parent_results] == [parent.pk]
    page = searched.content.decode()
    assert f'name="parent_pick" value="{parent.pk}"' in page
    assert 'name="parent_q" value="党建"' in page and 'name="coop_q" value="单位3"' in page
    # The filter typed hides the units that do not match, on the server too.
    hidden = {u.pk for u in searched.context["picker"].units if u.hidden}
    assert hidden == {world.units[0].pk, world.units[1].pk, world.units[2].pk}
    picked = client.post(CREATE, {**data, "parent_pick": parent.pk})
    assert picked.context["picker"].parent == parent
    assert f'name="parent" id="id_parent" value="{parent.pk}"' in picked.content.decode()
    cleared = client.post(CREATE, {**data, "parent": parent.pk, "parent_clear": "1"})
    assert cleared.context["picker"].parent is None
    removed = client.post(
        CREATE,
        {
            **data,
            "cooperating_units": [world.units[0].pk, world.units[1].pk],
            "coop_remove": world.units[0].pk,
        },
    )
    assert [u.pk for u in removed.context["picker"].chosen_units] == [world.units[1].pk]
    forged = client.post(CREATE, {**data, "parent_pick": _other_committee_task(world).pk})
    assert forged.context["picker"].parent is None
    assert "该事项不能作为上级事项" in forged.content.decode()
    assert not Task.objects.filter(title="开展支部标准化建设").exists()
    saved = client.post(CREATE, {**data, "parent": parent.pk})
    assert saved.status_code == 302
    assert Task.objects.get(title="开展支部标准化建设").parent == parent


def test_a_refused_form_keeps_the_parent_units_and_words_typed(world: World) -> None:
    parent = make_task(world, title="落实机关党建工作要点", cooperating_units=[])
    data = _form(
        world,
        deadline="2020-01-01",
        parent=parent.pk,
        parent_q="党建",
        coop_q="单位",
        cooperating_units=[world.units[1].pk, world.units[3].pk],
    )
    response = _client(world, "staff").post(CREATE, data)
    assert response.status_code == 200 and response.context["form"].errors["deadline"]
    picked = response.context["picker"]
    assert picked.parent == parent and picked.parent_q == "党建" and picked.coop_q == "单位"
    assert [u.pk for u in picked.chosen_units] == [world.units[1].pk, world.units[3].pk]
    page = response.content.decode()
    assert f'name="parent" id="id_parent" value="{parent.pk}"' in page
    assert page.count("checked") == 2
    assert "落实机关党建工作要点" in page


def test_add_a_sub_task_opens_the_form_with_its_parent_chosen(world: World) -> None:
    parent = make_task(world, title="落实机关党建工作要点", cooperating_units=[])
    client = _client(world, "staff")
    response = client.get(CREATE, {"parent": parent.pk})
    assert response.context["picker"].parent == parent
    assert f'name="parent" id="id_parent" value="{parent.pk}"' in response.content.decode()
    theirs = _other_committee_task(world)
    assert client.get(CREATE, {"parent": theirs.pk}).context["picker"].parent is None


def test_the_edit_form_offers_the_same_pickers(world: World) -> None:
    parent = make_task(world, title="落实机关党建工作要点", cooperating_units=[])
    task = make_task(world, title="开展支部标准化建设", parent=parent)
    response = _client(world, "staff").get(reverse("tracking:task_edit", args=[task.pk]))
    picked = response.context["picker"]
    assert picked.parent == parent and picked.exclude == task.pk
    assert [u.pk for u in picked.chosen_units] == [world.units[1].pk]
    assert f'"exclude": "{task.pk}"' in response.content.decode()


# --- Fixed query counts ---------------------------------------------------------------------


def _queries(client: Client, url: str, params: dict[str, Any]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


# The sign-in (its record and the user), the committee and the person's roles, then the
# picker's own: the search; the chosen task and the groups; the same; the form's choices.
@pytest.mark.parametrize(("url", "ceiling"), [(SEARCH, 5), (CHOSEN, 6), (GROUPS, 6), (CREATE, 12)])
def test_the_pickers_queries_do_not_grow_with_the_committee(url: str, ceiling: int) -> None:
    counts = []
    for n_units in (12, 120):
        committee = build_sized_committee(n_units)
        reader = add_sized_tasks(committee, per_unit=2, year=timezone.localdate().year)
        client = Client()
        client.force_login(reader)
        parent = Task.objects.filter(committee=committee).open_work().order_by("pk").first()
        assert parent is not None
        counts.append(
            _queries(
                client,
                url,
                {
                    "parent_q": "事项",
                    "parent": parent.pk,
                    "assigned_at": timezone.localdate().isoformat(),
                },
            )
        )
    assert counts[0] == counts[1] <= ceiling, counts
