"""A task's page and every step taken on it: the panel of what the user may do, each step
with its own form, and the history.

A step the server refuses — a missing reason, a date out of range, a refused file, a
task that moved on meanwhile — answers with the task's page again, the form as it was
sent and the message next to the field it concerns: nothing typed is lost. A step that
cannot be undone (closing, withdrawing) says what it locks and asks for a ticked box.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from heli.files.actions import store_upload
from heli.files.refusals import UploadRefused
from heli.lib.dates import format_date
from heli.lib.forms import (
    SAME_CONTENT_MINUTES,
    Created,
    apply_errors,
    bootstrap,
    create_once,
)
from heli.lib.http import AuthedRequest
from heli.lib.idempotency import new_token
from heli.tracking import access, actions
from heli.tracking.access import TaskAccess
from heli.tracking.forms import DeadlineForm, ExtensionForm, ReportForm, StepForm
from heli.tracking.lists import visible_tasks, with_units
from heli.tracking.models import ExtensionRequest, Task, TaskTransition
from heli.tracking.workflow import Status, Step

# Steps with an endpoint of their own (not ``task_step``).
OWN_ENDPOINT = frozenset(
    {
        Step.CREATE,
        Step.REQUEST_EXTENSION,
        Step.APPROVE_EXTENSION,
        Step.REFUSE_EXTENSION,
        Step.CHANGE_DEADLINE,
    }
)
# Steps shown folded (an HTML <details>, no script needed): asked for now and then.
FOLDED = frozenset(
    {Step.KEEP_FOLLOWING, Step.REQUEST_EXTENSION, Step.CHANGE_DEADLINE, Step.WITHDRAW}
)
BUTTON_STYLES = {
    Step.RETURN: "btn-outline-danger",
    Step.KEEP_FOLLOWING: "btn-outline-secondary",
    Step.REQUEST_EXTENSION: "btn-outline-secondary",
    Step.APPROVE_EXTENSION: "btn-outline-success",
    Step.REFUSE_EXTENSION: "btn-outline-danger",
    Step.CHANGE_DEADLINE: "btn-outline-secondary",
    Step.WITHDRAW: "btn-outline-secondary",
}


@dataclass
class PanelItem:
    """One step the user may take, with its form, where it is sent and what it says first."""

    key: str
    label: str
    form: Form
    action: str
    style: str = "btn-danger"
    intro: str = ""
    warning: str = ""
    locks: list[str] | None = None
    decision: str = ""
    folded: bool = False
    multipart: bool = False
    token: str = ""

    @property
    def open(self) -> bool:
        """Unfolded when it comes back with errors."""
        return self.form.is_bound


def _step_url(task: Task, step: Step) -> str:
    if step is Step.REQUEST_EXTENSION:
        return reverse("tracking:extension_request", args=[task.pk])
    if step is Step.CHANGE_DEADLINE:
        return reverse("tracking:deadline_change", args=[task.pk])
    return reverse("tracking:task_step", args=[task.pk, step.value])


def _report_done_warning(task: Task) -> str:
    if task.progress is None:
        return _(
            "No progress percentage has been reported yet. Reporting the task done asks the "
            "supervising department to verify and close it: say in the summary what was done."
        )
    if task.progress < 100:
        return _(
            "The progress reported so far is %(percent)s%%, not 100%%. Reporting the task "
            "done asks the supervising department to verify and close it: say in the summary "
            "what was done, and what remains if anything does."
        ) % {"percent": task.progress}
    return ""


def _close_locks() -> list[str]:
    return [
        _("Its details can no longer be edited, nor its deadline changed."),
        _("No progress can be reported and no extension asked for."),
        _("It cannot be returned for redo: closing is final."),
        _("Its page, reports and history stay readable; the lead unit is told."),
    ]


def _withdraw_locks() -> list[str]:
    return [
        _(
            "It leaves the task list, the wall chart, the board, the statistics, the home "
            "pages and the reminders."
        ),
        _("Nobody can act on it any more: withdrawing is final."),
        _("Its page, history and the audit log keep it readable; everyone concerned is told."),
    ]


def _panel(task_access: TaskAccess, bound: dict[str, Form], report_token: str) -> list[PanelItem]:
    """What the user may do now, in the order of the page, each with its form."""
    task = task_access.obj
    version = {"version": task.version}
    items: list[PanelItem] = []
    for step in task_access.steps:
        if step is Step.REFUSE_EXTENSION:
            continue  # shown with the approval, under the same request
        form: Form
        if step is Step.REPORT_DONE and "report" in task_access:
            items.append(_report_item(task, bound, report_token))
        if step is Step.REQUEST_EXTENSION:
            form = bound.get(step.value) or ExtensionForm()
        elif step is Step.CHANGE_DEADLINE:
            form = bound.get(step.value) or DeadlineForm(initial=version)
        else:
            form = bound.get(step.value) or StepForm(step=step, initial=version)
        item = PanelItem(
            step.value,
            str(step.label),
            bootstrap(form),
            _step_url(task, step),
            BUTTON_STYLES.get(step, "btn-danger"),
            folded=step in FOLDED,
        )
        if step is Step.REPORT_DONE:
            item.warning = _report_done_warning(task)
        elif step is Step.CLOSE:
            item.intro = _("Closing (销号) ends the task for good. Once it is closed:")
            item.locks = _close_locks()
        elif step is Step.WITHDRAW:
            item.intro = _(
                "Withdraw (撤销) a task only when it was assigned by mistake. Once it is withdrawn:"
            )
            item.locks = _withdraw_locks()
        elif step is Step.CHANGE_DEADLINE:
            item.intro = _(
                "The deadline is %(date)s. A new one is recorded in the history with its "
                "reason, and the lead unit is told."
            ) % {"date": _date(task.deadline)}
        elif step is Step.APPROVE_EXTENSION and task_access.pending_extension is not None:
            pending = task_access.pending_extension
            item.intro = _(
                "%(unit)s asks for the deadline %(date)s instead of %(current)s: %(reason)s"
            ) % {
                "unit": task.lead_unit.name,
                "date": _date(pending.requested_deadline),
                "current": _date(pending.current_deadline),
                "reason": pending.reason,
            }
            item.action = reverse("tracking:extension_decide", args=[task.pk, pending.pk])
            item.decision = "approve"
            items.append(item)
            refuse = bound.get(Step.REFUSE_EXTENSION.value) or StepForm(step=Step.REFUSE_EXTENSION)
            item = PanelItem(
                Step.REFUSE_EXTENSION.value,
                str(Step.REFUSE_EXTENSION.label),
                bootstrap(refuse),
                item.action,
                BUTTON_STYLES[Step.REFUSE_EXTENSION],
                decision="refuse",
            )
        items.append(item)
    if "report" in task_access and not any(i.key == "report" for i in items):
        items.insert(0, _report_item(task, bound, report_token))
    # The steps taken now and then come last, folded.
    return [i for i in items if not i.folded] + [i for i in items if i.folded]


def _report_item(task: Task, bound: dict[str, Form], token: str) -> PanelItem:
    return PanelItem(
        "report",
        _("Send the report"),
        bootstrap(bound.get("report") or ReportForm()),
        reverse("tracking:task_report", args=[task.pk]),
        "btn-danger",
        intro=_("Report progress"),
        multipart=True,
        token=token,
    )


def _date(value: Any) -> str:
    return format_date(value)


def _latest(transitions: list[TaskTransition], *steps: Step) -> TaskTransition | None:
    return next((t for t in reversed(transitions) if t.step in steps), None)


def _kept_text(form: Form) -> str:
    """What was typed into a refused form, for a person to copy when the form is gone."""
    values = [
        str(form.data.get(name, "")).strip()
        for name in ("text", "reason")
        if name in form.fields and form.data.get(name)
    ]
    return "\n\n".join(v for v in values if v)


def _page(
    request: AuthedRequest,
    task_access: TaskAccess,
    *,
    bound: dict[str, Form] | None = None,
    report_token: str = "",
) -> HttpResponse:
    task = task_access.obj
    bound = bound or {}
    transitions = list(task.transitions.select_related("by"))
    items = _panel(task_access, bound, report_token or new_token())
    shown = {i.key for i in items}
    # A refused form whose step the page no longer offers (the task moved on, or the
    # step is not the user's): its messages and its text go at the top of the page.
    refusals = [
        (form, _kept_text(form)) for key, form in bound.items() if key not in shown and form.errors
    ]
    returned = _latest(transitions, Step.RETURN, Step.REPORT_DONE)
    context = {
        "task": task,
        "access": task_access,
        "panel": items,
        "refusals": refusals,
        "returned": returned
        if returned is not None and returned.step == Step.RETURN and not task.is_final
        else None,
        "withdrawn": _latest(transitions, Step.WITHDRAW) if task.is_withdrawn else None,
        "closed": _latest(transitions, Step.CLOSE) if task.is_closed else None,
        "cooperating": [c.unit for c in task.cooperations.select_related("unit")],
        "transitions": transitions,
        "reports": task.reports.select_related("by").prefetch_related("attachments"),
        "extensions": task.extensions.select_related("requested_by", "decided_by"),
        "children": with_units(visible_tasks(request.user).filter(parent=task)),
        # A unit leading a sub-task may not see another unit's parent: named, not linked.
        "parent_visible": task.parent_id is not None
        and visible_tasks(request.user).filter(pk=task.parent_id).exists(),
        "today": timezone.localdate(),
        "Status": {s.name: s.value for s in Status},
    }
    return render(request, "tracking/task_detail.html", context)


@require_GET
def task_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, access.get_task_for_user(request.user, pk))


def _again(request: AuthedRequest, pk: int, key: str, form: Form) -> HttpResponse:
    """The task's page as it is now, with ``form`` as it was sent and its errors.

    The form's hidden version is brought up to date: sent again, it applies to the task
    the person now sees.
    """
    task_access = access.get_task_for_user(request.user, pk)
    if "version" in form.fields:
        data = form.data.copy()  # type: ignore[attr-defined]
        data["version"] = str(task_access.obj.version)
        form.data = data
    return _page(request, task_access, bound={key: form})


def _done(request: AuthedRequest, task: Task, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("tracking:task_detail", pk=task.pk)


def _submit(
    request: AuthedRequest,
    task: Task,
    key: str,
    form: Form,
    act: Callable[[dict[str, Any]], object],
    message: str,
) -> HttpResponse:
    """Run ``act`` on the form's data: back to the task with ``message``, or, refused, the
    task's page again with the form as sent and the reasons next to its fields."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _done(request, task, message)
    return _again(request, task.pk, key, form)


def _done_message(step: Step) -> str:
    return {
        Step.RECEIVE: _("Signed for. The supervising department has been told."),
        Step.REPORT_DONE: _(
            "Reported done. The supervising department has been told and will verify it."
        ),
        Step.RETURN: _("Returned for redo. The lead unit has been told, with your reason."),
        Step.CLOSE: _("The task is closed (销号). The lead unit has been told."),
        Step.WITHDRAW: _(
            "The task is withdrawn: it has left every list and chart. Everyone concerned "
            "has been told."
        ),
    }.get(step) or _("Done: %(step)s.") % {"step": step.label}


@require_POST
def task_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    task = access.get_task_for_user(request.user, pk).obj
    if step not in Step.values or Step(step) in OWN_ENDPOINT:
        raise Http404
    chosen = Step(step)
    return _submit(
        request,
        task,
        chosen.value,
        StepForm(request.POST, step=chosen),
        lambda data: actions.take_step(
            task, chosen, request.user, reason=data.get("reason", ""), version=data["version"]
        ),
        _done_message(chosen),
    )


def _same_report(request: AuthedRequest, task: Task, data: dict[str, Any]) -> str | None:
    """The task's page when this person sent the same report a moment ago (the form sent
    again after the back button)."""
    since = timezone.now() - datetime.timedelta(minutes=SAME_CONTENT_MINUTES)
    repeated = task.reports.filter(
        by=request.user, reported_at__gte=since, text=data["text"].strip(), percent=data["percent"]
    ).exists()
    return reverse("tracking:task_detail", args=[task.pk]) if repeated else None


@require_POST
def task_report(request: AuthedRequest, pk: int) -> HttpResponse:
    task_access = access.get_task_for_user(request.user, pk)
    task = task_access.obj
    detail_url = reverse("tracking:task_detail", args=[task.pk])

    def create(data: dict[str, Any]) -> Created:
        actions.check_reporter(task, request.user)
        actions.check_percent(data["percent"])
        attachments = []
        if data["file"]:
            try:
                attachments.append(
                    store_upload(
                        data["file"],
                        committee=request.committee,
                        unit=task.lead_unit,
                        by=request.user,
                        request=request,
                        belongs_to=task,
                    )
                )
            except UploadRefused as refused:
                raise ValidationError({"file": refused.messages}) from refused
        actions.report_progress(
            task,
            text=data["text"],
            percent=data["percent"],
            by=request.user,
            attachments=attachments,
        )
        messages.success(
            request, _("The progress report was added. The supervising department has been told.")
        )
        return Created(detail_url)

    def render_form(form: ReportForm, token: str) -> HttpResponse:
        return _page(
            request,
            access.get_task_for_user(request.user, pk),
            bound={"report": form},
            report_token=token,
        )

    return create_once(
        request,
        ReportForm(request.POST, request.FILES),
        create,
        render_form=render_form,
        fallback_url=detail_url,
        same_as=lambda data: _same_report(request, task, data),
    )


@require_POST
def extension_request(request: AuthedRequest, pk: int) -> HttpResponse:
    task = access.get_task_for_user(request.user, pk).obj
    return _submit(
        request,
        task,
        Step.REQUEST_EXTENSION.value,
        ExtensionForm(request.POST),
        lambda data: actions.request_extension(
            task,
            requested_deadline=data["requested_deadline"],
            reason=data["reason"],
            by=request.user,
        ),
        _("The extension request was sent to the supervising department."),
    )


@require_POST
def extension_decide(request: AuthedRequest, pk: int, extension_pk: int) -> HttpResponse:
    task = access.get_task_for_user(request.user, pk).obj
    extension = ExtensionRequest.objects.filter(task=task, pk=extension_pk).first()
    if extension is None:
        raise Http404
    approve = request.POST.get("decision") == "approve"
    step = Step.APPROVE_EXTENSION if approve else Step.REFUSE_EXTENSION
    return _submit(
        request,
        task,
        step.value,
        StepForm(request.POST, step=step),
        lambda data: actions.decide_extension(
            extension, approve=approve, by=request.user, reason=data.get("reason", "")
        ),
        _("The extension request was decided. The lead unit has been told."),
    )


@require_POST
def deadline_change(request: AuthedRequest, pk: int) -> HttpResponse:
    task = access.get_task_for_user(request.user, pk).obj
    return _submit(
        request,
        task,
        Step.CHANGE_DEADLINE.value,
        DeadlineForm(request.POST),
        lambda data: actions.change_deadline(
            task,
            deadline=data["deadline"],
            reason=data["reason"],
            by=request.user,
            version=data["version"],
        ),
        _("The new deadline was set. The lead unit has been told."),
    )
