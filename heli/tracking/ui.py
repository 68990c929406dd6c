"""What the battle map adds to the shared pages and registries: its menu section and
entries, "waiting for me" on the home page, the "assign a task" button and the list of
tasks on a unit's page, its exports and its tasks as search documents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from heli.accounts.policy import Action, can
from heli.lib.dates import current_year
from heli.lib.exports import EXPORTS, ExportKind
from heli.lib.search import SEARCH_SOURCES, SearchDocument, SearchSource
from heli.lib.ui import (
    HOME_CARDS,
    MENU_ENTRIES,
    MENU_SECTIONS,
    RECORD_ACTIONS,
    RECORD_PANELS,
    HomeCard,
    MenuEntry,
    MenuSection,
    RecordAction,
    RecordPanel,
)
from heli.org.models import Unit
from heli.tracking.lists import (
    WAITING_LABELS,
    list_url,
    urgent_first,
    visible_tasks,
    waiting_counts,
    waiting_first,
)
from heli.tracking.models import Task, TaskUnit


def sees_tasks(user: Any) -> bool:
    return can(user, Action.VIEW, Task)


def _assign_to_unit(user: Any, unit: Any) -> str:
    if not can(user, Action.CHANGE, Task) or not unit.is_active:
        return ""
    return f"{reverse('tracking:task_create')}?lead_unit={unit.pk}"


# How many waiting tasks the home page names, the most pressing first.
FIRST_WAITING = 5
# How many of a unit's tasks its page lists; the task list has them all.
UNIT_PANEL_TASKS = 20


def waiting_card(request: Any) -> dict[str, Any] | None:
    """The home page's "waiting for me": one count per kind of work this person does, each
    opening the task list of exactly those tasks, then the first tasks themselves (to sign
    for first: what has just been assigned)."""
    if not sees_tasks(request.user):
        return None
    # The kinds that cannot concern this person (not their role) are not there at all.
    found = waiting_counts(request.user)
    if not found:
        return None
    counts = [
        {
            "key": key,
            "label": WAITING_LABELS[key],
            "count": n,
            "url": list_url(waiting=key),
            "pressing": key != "unit_open",
        }
        for key, n in found.items()
    ]
    first = [
        {"task": task, "label": WAITING_LABELS[key]}
        for task, key in (waiting_first(request.user, FIRST_WAITING) if any(found.values()) else [])
    ]
    return {
        "counts": counts,
        "total": sum(found.values()),
        "url": reverse("tracking:waiting"),
        "first": first,
        "today": timezone.localdate(),
    }


def unit_tasks_panel(request: Any, unit: Unit) -> dict[str, Any] | None:
    """A unit's page: this work year's tasks it leads or cooperates on that the viewer
    sees, the most urgent first, with a link to all of them in the task list."""
    if not sees_tasks(request.user):
        return None
    year = current_year()
    tasks = (
        visible_tasks(request.user)
        .filter(year=year)
        .filter(Q(lead_unit=unit) | Q(pk__in=TaskUnit.objects.filter(unit=unit).values("task")))
    )
    rows = list(urgent_first(tasks).select_related("lead_unit")[:UNIT_PANEL_TASKS])
    total = tasks.count()
    return {
        "title": gettext("Tasks of %(year)s") % {"year": year},
        "unit": unit,
        "tasks": rows,
        "total": total,
        "year": year,
        "today": timezone.localdate(),
        "more_url": list_url(year=year, unit=unit.pk),
        "more_label": gettext("All %(count)s in the task list") % {"count": total}
        if total > UNIT_PANEL_TASKS
        else gettext("Open in the task list"),
    }


def task_document(task: Task) -> SearchDocument:
    return SearchDocument(
        model=Task._meta.label_lower,
        pk=task.pk,
        committee_id=task.committee_id,
        title=task.title,
        body="\n".join(part for part in (task.description, task.basis) if part),
        url=reverse("tracking:task_detail", args=[task.pk]),
        date=task.assigned_at,
    )


def task_documents(committee_id: int) -> Iterator[SearchDocument]:
    tasks = Task.objects.filter(committee_id=committee_id).live().order_by("id")
    for task in tasks.iterator(chunk_size=500):
        yield task_document(task)


def register() -> None:
    MENU_SECTIONS.register(MenuSection("tracking", _("Battle map"), order=40))
    for code, label, url_name, icon, order in (
        ("tasks", _("Tasks"), "tracking:task_list", "bi-list-check", 10),
        ("waiting", _("Waiting for me"), "tracking:waiting", "bi-inbox", 20),
        ("wallchart", _("Wall chart"), "tracking:wallchart", "bi-grid-3x3", 30),
        ("board", _("Status board"), "tracking:board", "bi-kanban", 40),
        ("dashboard", _("Statistics"), "tracking:dashboard", "bi-bar-chart-line", 50),
    ):
        MENU_ENTRIES.register(
            MenuEntry(f"tracking.{code}", label, url_name, "tracking", icon, order, sees_tasks)
        )
    HOME_CARDS.register(
        HomeCard("tracking.waiting", "tracking/home_waiting.html", waiting_card, 10)
    )
    RECORD_ACTIONS.register(
        RecordAction(
            "tracking.assign_to_unit",
            "org.unit",
            _("Assign a task to this unit"),
            _assign_to_unit,
            icon="bi-send-plus",
            order=10,
        )
    )
    RECORD_PANELS.register(
        RecordPanel(
            "tracking.unit_tasks",
            "org.unit",
            _("Tasks"),
            "tracking/unit_tasks_panel.html",
            unit_tasks_panel,
            order=10,
        )
    )
    EXPORTS.register(
        ExportKind(
            "tracking.task_list",
            _("Task list"),
            "tracking:task_export",
            order=40,
            shown_to=sees_tasks,
        )
    )
    EXPORTS.register(
        ExportKind(
            "tracking.wallchart",
            _("Wall chart"),
            "tracking:wallchart_export",
            order=41,
            shown_to=sees_tasks,
        )
    )
    SEARCH_SOURCES.register(
        SearchSource(
            "tracking.task",
            _("Tasks"),
            Task._meta.label_lower,
            documents=task_documents,
            document=task_document,
            order=40,
        )
    )
