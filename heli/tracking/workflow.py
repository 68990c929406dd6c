"""The life of a task (督办事项), as a pure table: state × step → next state, and who acts.

No database here: the actions consult it, the pages ask it which buttons to show, and a
property-based test proves it has no dead ends (every open state can reach 销号; a
closed or withdrawn task has no way out).
"""

from __future__ import annotations

import enum
from collections import deque

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    RECEIVED = "received", _("Signed for")
    IN_PROGRESS = "in_progress", _("In progress")
    REPORTED_DONE = "reported_done", _("Reported done")
    RETURNED = "returned", _("Returned for redo")
    LONG_RUNNING = "long_running", _("Long-running, kept under follow-up")
    CLOSED = "closed", _("Closed")
    # Taken back by whoever assigned it (撤销): created by mistake. It leaves every list,
    # chart and count (``TaskQuerySet.live``); its page and history stay readable.
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Step(models.TextChoices):
    """What someone does to a task. Extension steps leave the status as it is."""

    CREATE = "create", _("assign")
    RECEIVE = "receive", _("sign for")
    START = "start", _("start work")
    REPORT_DONE = "report_done", _("report done")
    RETURN = "return", _("return for redo")
    CLOSE = "close", _("close")
    KEEP_FOLLOWING = "keep_following", _("mark as long-running")
    RESUME = "resume", _("resume work")
    REQUEST_EXTENSION = "request_extension", _("request an extension")
    APPROVE_EXTENSION = "approve_extension", _("approve the extension")
    REFUSE_EXTENSION = "refuse_extension", _("refuse the extension")
    CHANGE_DEADLINE = "change_deadline", _("set a new deadline")
    WITHDRAW = "withdraw", _("withdraw")


class Actor(enum.StrEnum):
    """Who takes a step: the lead unit, staff of the department that supervises the task,
    or whoever may assign the department's tasks (its staff, a committee leader)."""

    LEAD_UNIT = "lead_unit"
    SUPERVISOR = "supervisor"
    ASSIGNER = "assigner"


S = Status
OPEN_WORK = (S.RECEIVED, S.IN_PROGRESS, S.RETURNED, S.LONG_RUNNING)
# Where a task's life ends: nothing can be done to it any more.
FINAL = frozenset({S.CLOSED, S.WITHDRAWN})
# Every state a task can be withdrawn from: any until it is closed.
WITHDRAWABLE = (S.ASSIGNED, S.RECEIVED, S.IN_PROGRESS, S.REPORTED_DONE, S.RETURNED, S.LONG_RUNNING)

TRANSITIONS: dict[tuple[Status, Step], Status] = {
    (S.ASSIGNED, Step.RECEIVE): S.RECEIVED,
    (S.RECEIVED, Step.START): S.IN_PROGRESS,
    (S.RETURNED, Step.START): S.IN_PROGRESS,
    **{(s, Step.REPORT_DONE): S.REPORTED_DONE for s in OPEN_WORK},
    (S.REPORTED_DONE, Step.RETURN): S.RETURNED,
    (S.REPORTED_DONE, Step.CLOSE): S.CLOSED,
    # 暂时无法解决、持续跟踪: the department keeps a long matter open without calling it late.
    **{
        (s, Step.KEEP_FOLLOWING): S.LONG_RUNNING
        for s in (S.RECEIVED, S.IN_PROGRESS, S.RETURNED, S.REPORTED_DONE)
    },
    (S.LONG_RUNNING, Step.RESUME): S.IN_PROGRESS,
    **{(s, Step.WITHDRAW): S.WITHDRAWN for s in WITHDRAWABLE},
}

# Extension requests run beside the main line: asked while work is open, decided later.
EXTENSION_STATES = frozenset({S.RECEIVED, S.IN_PROGRESS, S.RETURNED, S.LONG_RUNNING})
# The department may set a new deadline itself (with a reason) until the task ends.
DEADLINE_STATES = frozenset(s for s in S if s not in FINAL)

ACTORS: dict[Step, Actor] = {
    Step.RECEIVE: Actor.LEAD_UNIT,
    Step.START: Actor.LEAD_UNIT,
    Step.REPORT_DONE: Actor.LEAD_UNIT,
    Step.RESUME: Actor.LEAD_UNIT,
    Step.REQUEST_EXTENSION: Actor.LEAD_UNIT,
    Step.RETURN: Actor.SUPERVISOR,
    Step.CLOSE: Actor.SUPERVISOR,
    Step.KEEP_FOLLOWING: Actor.SUPERVISOR,
    Step.APPROVE_EXTENSION: Actor.SUPERVISOR,
    Step.REFUSE_EXTENSION: Actor.SUPERVISOR,
    Step.CHANGE_DEADLINE: Actor.SUPERVISOR,
    Step.WITHDRAW: Actor.ASSIGNER,
}

# Steps that need a reason in the history (for 上报办结, the summary of what was done).
NEEDS_REASON = frozenset(
    {
        Step.REPORT_DONE,
        Step.RETURN,
        Step.KEEP_FOLLOWING,
        Step.REFUSE_EXTENSION,
        Step.CHANGE_DEADLINE,
        Step.WITHDRAW,
    }
)
# Steps that cannot be undone: the page asks for a confirmation first.
NEEDS_CONFIRMATION = frozenset({Step.CLOSE, Step.WITHDRAW})


def next_status(status: str, step: str) -> Status | None:
    """The status after ``step``, or None when the step is not possible from ``status``."""
    return TRANSITIONS.get((Status(status), Step(step)))


def steps_from(status: str) -> list[Step]:
    """The status-changing steps possible from ``status``, in the table's order."""
    current = Status(status)
    return [step for (state, step) in TRANSITIONS if state == current]


def reachable(status: str) -> set[Status]:
    """Every status some sequence of steps leads to from ``status`` (itself included)."""
    seen = {Status(status)}
    queue = deque(seen)
    while queue:
        state = queue.popleft()
        for (origin, _step), target in TRANSITIONS.items():
            if origin == state and target not in seen:
                seen.add(target)
                queue.append(target)
    return seen
