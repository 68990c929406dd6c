"""What the battle map adds to the shared pages and registries: its menu section and
entries, the "assign a task" button on a unit's page, its exports and its tasks as
search documents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heli.accounts.policy import Action, can
from heli.lib.exports import EXPORTS, ExportKind
from heli.lib.search import SEARCH_SOURCES, SearchDocument, SearchSource
from heli.lib.ui import (
    HOME_CARDS,
    MENU_ENTRIES,
    MENU_SECTIONS,
    RECORD_ACTIONS,
    HomeCard,
    MenuEntry,
    MenuSection,
    RecordAction,
)
from heli.tracking.lists import WAITING_LABELS, waiting_tasks
from heli.tracking.models import Task


def sees_tasks(user: Any) -> bool:
    return can(user, Action.VIEW, Task)


def _assign_to_unit(user: Any, unit: Any) -> str:
    if not can(user, Action.CHANGE, Task) or not unit.is_active:
        return ""
    return f"{reverse('tracking:task_create')}?lead_unit={unit.pk}"


# How many waiting tasks the home page names, the most pressing first.
FIRST_WAITING = 5


def waiting_card(request: Any) -> dict[str, Any] | None:
    """The home page's "waiting for me": one count per kind of work this person does,
    then the first tasks themselves (to sign for first: what has just been assigned)."""
    if not sees_tasks(request.user):
        return None
    url = reverse("tracking:waiting")
    counts = []
    first: list[dict[str, Any]] = []
    for key, qs in waiting_tasks(request.user).items():
        # A kind that cannot concern this person (not their role) is not shown at all.
        if qs.query.is_empty():
            continue
        count = qs.count()
        counts.append({"label": WAITING_LABELS[key], "count": count, "url": f"{url}#waiting-{key}"})
        if count and len(first) < FIRST_WAITING:
            for task in qs.select_related("lead_unit").order_by("deadline", "id")[
                : FIRST_WAITING - len(first)
            ]:
                first.append({"task": task, "label": WAITING_LABELS[key]})
    if not counts:
        return None
    return {
        "counts": counts,
        "total": sum(c["count"] for c in counts),
        "url": url,
        "first": first,
        "today": timezone.localdate(),
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
