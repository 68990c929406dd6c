"""Who sees which tasks and who may take which step; fetching a task or 404.

The rules of tasks are registered with the one policy (``heli.accounts.policy``) when the
app is ready, so ``visible``/``can`` answer for tasks too; the rows that hang off a task
(its steps, reports, extension requests, cooperating units) see what their task sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from heli.accounts import policy
from heli.accounts.models import ADMIN_ROLES, Role
from heli.accounts.policy import Action, ChildOf, Rules, Scope, scope_of, visible
from heli.audit.actions import record_hidden_lookup
from heli.tracking import workflow
from heli.tracking.models import ExtensionRequest, ProgressReport, Task, TaskTransition, TaskUnit
from heli.tracking.states import UNIT_OWES_WORK
from heli.tracking.workflow import Actor, Step

# Committee roles that read every task of the committee: leaders, and the departments,
# which supervise. The three administrators read none (三员分立): tasks are business records.
TASK_READERS = frozenset({Role.COMMITTEE_LEADER, Role.COMMITTEE_STAFF, Role.MEETING_OFFICE})
# Committee roles that assign tasks.
TASK_ASSIGNERS = frozenset({Role.COMMITTEE_LEADER, Role.COMMITTEE_STAFF})


class TaskRules(Rules):
    """Leaders and departments read every task of the committee; a unit's people read the
    tasks their unit leads or cooperates on. The three administrators read none."""

    def visible(self, s: Scope, user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
        if s.roles & ADMIN_ROLES:
            return qs.none()
        if s.roles & TASK_READERS:
            return qs
        if not s.unit_ids:
            return qs.none()
        # A lead unit's group rights do not reach other units' tasks: only the user's own.
        # The units' cooperations as a list of task ids rather than a join: an index
        # reads either side of the OR, where a join would scan every task.
        cooperating = TaskUnit.objects.filter(unit_id__in=s.unit_ids).values("task_id")
        return qs.filter(Q(lead_unit_id__in=s.unit_ids) | Q(pk__in=cooperating))

    def can(self, s: Scope, user: Any, action: Action, obj: Any) -> bool:
        return action is Action.CHANGE and may_edit(s, obj)

    def can_on_kind(self, s: Scope, action: Action, model: type[Model]) -> bool:
        if action is Action.VIEW:
            return not s.roles & ADMIN_ROLES and bool(s.roles & TASK_READERS or s.unit_ids)
        if action is Action.CHANGE:
            return may_assign(s)
        return False


def register() -> None:
    """Give the policy the rules of the battle map's models (from ``ready()``)."""
    policy.register(Task, TaskRules())
    for child in (TaskTransition, ProgressReport, ExtensionRequest, TaskUnit):
        policy.register(child, ChildOf("task"))


def actors(s: Scope, task: Task) -> frozenset[Actor]:
    """In which capacities the user stands to this task."""
    found = set()
    if task.lead_unit_id in s.editor_unit_ids:
        found.add(Actor.LEAD_UNIT)
    if s.has(Role.COMMITTEE_STAFF) and task.department_id in s.department_ids:
        found.add(Actor.SUPERVISOR)
    if may_assign(s, task.department_id):
        found.add(Actor.ASSIGNER)
    return frozenset(found)


def may_edit(s: Scope, task: Task) -> bool:
    """Changing a task's fields: a committee leader or its supervising department, until
    it is closed or withdrawn."""
    if task.is_final or s.roles & ADMIN_ROLES:
        return False
    return s.has(Role.COMMITTEE_LEADER) or Actor.SUPERVISOR in actors(s, task)


def may_assign(s: Scope, department_id: int | None = None) -> bool:
    """Creating tasks: a leader for any department, a department's staff for their own."""
    if s.roles & ADMIN_ROLES:
        return False
    if s.has(Role.COMMITTEE_LEADER):
        return True
    if not s.has(Role.COMMITTEE_STAFF):
        return False
    return department_id is None or department_id in s.department_ids


def steps_for(s: Scope, task: Task, *, pending_extension: bool) -> list[Step]:
    """The steps this user may take on the task now (the buttons on its page)."""
    mine = actors(s, task)
    steps = [step for step in workflow.steps_from(task.status) if workflow.ACTORS[step] in mine]
    if Actor.LEAD_UNIT in mine and task.status in workflow.EXTENSION_STATES:
        if not pending_extension:
            steps.append(Step.REQUEST_EXTENSION)
    if Actor.SUPERVISOR in mine and pending_extension:
        steps += [Step.APPROVE_EXTENSION, Step.REFUSE_EXTENSION]
    # A pending request is decided first: the department does not move the deadline
    # under it.
    if Actor.SUPERVISOR in mine and task.status in workflow.DEADLINE_STATES:
        if not pending_extension:
            steps.append(Step.CHANGE_DEADLINE)
    # Withdrawing comes last: it ends the task, and is meant for a mistake.
    if Step.WITHDRAW in steps:
        steps.remove(Step.WITHDRAW)
        steps.append(Step.WITHDRAW)
    return steps


def may_report(s: Scope, task: Task) -> bool:
    """Progress reports: the lead unit, while the task is open and not awaiting the verdict."""
    return Actor.LEAD_UNIT in actors(s, task) and task.status in UNIT_OWES_WORK


@dataclass(frozen=True)
class TaskAccess:
    """A task the user may see, with what they may do to it."""

    obj: Task
    perms: frozenset[str]
    steps: tuple[Step, ...]
    pending_extension: ExtensionRequest | None

    def __contains__(self, action: object) -> bool:
        return action in self.perms


def get_task_for_user(user: Any, pk: int) -> TaskAccess:
    qs = visible(user, Task).select_related("lead_unit", "department", "parent", "created_by")
    task = qs.filter(pk=pk).first()
    if task is None:
        record_hidden_lookup(user, Task, pk)
        raise Http404
    s = scope_of(user)
    pending = task.extensions.filter(status=ExtensionRequest.Decision.PENDING).first()
    steps = tuple(steps_for(s, task, pending_extension=pending is not None))
    perms = {step.value for step in steps}
    if may_edit(s, task):
        perms.add("change")
    if may_report(s, task):
        perms.add("report")
    return TaskAccess(task, frozenset(perms), steps, pending)
