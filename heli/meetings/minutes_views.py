"""The minutes pages: writing a meeting's minutes, approving them, recording decisions, a
decision's page, and the approvers' list of minutes waiting for them.

Every meeting and decision is fetched through the policy (``visible``): another group's
meeting, a forged id and, for the three administrators, every one is a 404. Whoever sees
the meeting reads its minutes; a write by someone without the right is a 403. A form
refused for any reason — the meeting not held yet, the minutes already approved, a date
out of range, someone else's save in between — comes back with the message and what was
typed; nothing is saved.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heli.accounts.policy import Action, visible
from heli.audit.actions import record_denial
from heli.lib.forms import SAME_CONTENT_MINUTES, Created, apply_errors, bootstrap, create_once
from heli.lib.http import AuthedRequest
from heli.lib.idempotency import new_token
from heli.meetings import access, decisions, minutes
from heli.meetings.minutes_forms import (
    ApproveForm,
    DecisionEditForm,
    DecisionForm,
    MinutesForm,
    minutes_initial,
    unit_picker,
)
from heli.meetings.models import Decision, JointMeeting
from heli.meetings.views_common import forbid, form_step, refusal_text, visible_or_404
from heli.tracking.models import Task
from heli.tracking.pickers import round_trip

S = JointMeeting.Status


# --- Finding records ------------------------------------------------------------------------


def get_meeting(request: AuthedRequest, pk: int) -> JointMeeting:
    return visible_or_404(
        request.user, JointMeeting, pk, "group", "group_year", "host", "minutes_approved_by"
    )


def get_decision(request: AuthedRequest, pk: int) -> Decision:
    return visible_or_404(
        request.user,
        Decision,
        pk,
        "meeting__group",
        "meeting__group_year",
        "group",
        "lead_unit",
        "department",
        "agenda_item__topic",
        "created_by",
    )


def records_decisions(user: Any, meeting: JointMeeting) -> bool:
    """Who records decisions: the meeting's managers (the office, a lead unit's secretary);
    the task source vouches for them on the battle map (``sources.may_create``)."""
    return access.manages(user, meeting)


def minutes_url(meeting: JointMeeting) -> str:
    return reverse("meetings:minutes", args=[meeting.pk])


def _crumbs(meeting: JointMeeting) -> dict[str, str]:
    """The addresses of the breadcrumbs above the minutes' pages."""
    return {
        "meeting_url": meeting.get_absolute_url(),
        "meetings_url": reverse("meetings:meeting_list"),
        "minutes_url": minutes_url(meeting),
    }


# --- What the pages show of decisions and their tasks ---------------------------------------


def decision_rows(request: AuthedRequest, meeting: JointMeeting) -> list[dict[str, Any]]:
    """The meeting's decisions, each with its tasks and which of them the reader may open.
    Three queries, however many decisions."""
    found = list(
        Decision.objects.filter(meeting_id=meeting.pk)
        .select_related("group", "lead_unit", "department")
        .order_by("serial", "id")
    )
    return _with_tasks(request, found)


def _with_tasks(request: AuthedRequest, found: list[Decision]) -> list[dict[str, Any]]:
    tasks: dict[int, list[Task]] = defaultdict(list)
    every = list(decisions.tasks_of(found).order_by("id")) if found else []
    for task in every:
        if task.source_id is not None:
            tasks[task.source_id].append(task)
    openable = (
        set(
            visible(request.user, Task)
            .filter(pk__in=[t.pk for t in every])
            .values_list("pk", flat=True)
        )
        if every
        else set()
    )
    return [{"decision": d, "tasks": tasks.get(d.pk, []), "openable": openable} for d in found]


# --- The minutes page -----------------------------------------------------------------------


def _page(
    request: AuthedRequest,
    meeting: JointMeeting,
    *,
    form: MinutesForm | None = None,
    approve_form: ApproveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    items = list(minutes.agenda_of(meeting))
    manager = access.manages(user, meeting)
    approver = access.approves(user) and user.committee_id == meeting.committee_id
    held = meeting.status == S.HELD
    has_minutes = meeting.status in (S.HELD, S.MINUTES_APPROVED)
    if form is None and manager and held:
        form = MinutesForm(initial=minutes_initial(meeting, items), items=items)
    rows = decision_rows(request, meeting) if has_minutes else []
    by_item: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_item[row["decision"].agenda_item_id].append(row)
    refusal = refusal_text(lambda: minutes.check_writable(meeting))
    context = {
        "meeting": meeting,
        **_crumbs(meeting),
        "items": [(item, by_item.get(item.pk, [])) for item in items],
        "decisions": rows,
        "loose_decisions": by_item.get(None, []),
        "has_minutes": has_minutes,
        "held": held,
        "approved": meeting.status == S.MINUTES_APPROVED,
        "refusal": refusal,
        "manager": manager,
        "records_decisions": held and records_decisions(user, meeting),
        "form": bootstrap(form) if form is not None else None,
        "approver": approver and held,
        # A refused approval shows its form with the reason, whatever the status now.
        "approve_form": bootstrap(approve_form or ApproveForm())
        if approver and (held or approve_form is not None)
        else None,
        "approval_errors": minutes.approval_errors(meeting, items) if approver and held else [],
        "today": timezone.localdate(),
    }
    return render(request, "meetings/minutes_page.html", context, status=status)


@require_http_methods(["GET", "POST"])
def minutes_page(request: AuthedRequest, pk: int) -> HttpResponse:
    """The minutes: read by whoever sees the meeting, written by whoever manages it."""
    meeting = get_meeting(request, pk)
    if request.method != "POST":
        return _page(request, meeting)
    if not access.manages(request.user, meeting):
        forbid(request, meeting)
    items = list(minutes.agenda_of(meeting))
    form = MinutesForm(request.POST, items=items)
    if form.is_valid():
        try:
            minutes.save_minutes(
                meeting,
                request.user,
                version=form.cleaned_data["version"],
                summary=form.cleaned_data["summary"],
                outcomes=form.outcomes(),
                request=request,
            )
        except minutes.StaleMinutes as error:
            # What was typed stays; the version is the one now saved, so that saving
            # again after comparing writes over it knowingly.
            meeting.refresh_from_db()
            data = request.POST.copy()
            data["version"] = str(meeting.version)
            form = MinutesForm(data, items=items)
            form.is_valid()
            apply_errors(form, error)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            meeting.refresh_from_db()
            pending = [i for i in minutes.agenda_of(meeting) if not i.outcome]
            if pending:
                messages.success(
                    request,
                    _(
                        "The minutes are saved. %(n)s topics still have no outcome: record "
                        "one for each before the minutes are approved."
                    )
                    % {"n": len(pending)},
                )
            else:
                messages.success(
                    request,
                    _(
                        "The minutes are saved, with an outcome for every topic. The "
                        "joint-meeting office and the group's liaison leader have been told "
                        "that they can approve them."
                    ),
                )
            return redirect(minutes_url(meeting))
    return _page(request, meeting, form=form)


@require_POST
def minutes_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    """Approve the minutes, after ticking the box (irreversible)."""
    meeting = get_meeting(request, pk)
    if not access.approves(request.user):
        forbid(request, meeting)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            done = minutes.approve_minutes(meeting, request.user, request=request)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            text = _("The minutes are approved and locked; the member units have been told.")
            if done.carried and done.next_meeting is not None:
                text += " " + _("%(n)s topics not reached are on the agenda of “%(next)s”.") % {
                    "n": len(done.carried),
                    "next": done.next_meeting.title,
                }
            elif done.carried:
                text += " " + _(
                    "%(n)s topics not reached are back in the office's queue for the "
                    "group's next meeting."
                ) % {"n": len(done.carried)}
            messages.success(request, text)
            return redirect(minutes_url(meeting))
    return _page(request, meeting, approve_form=form)


# --- Recording a decision -------------------------------------------------------------------


def _decision_form(
    request: AuthedRequest, meeting: JointMeeting, data: Any = None, initial: Any = None
) -> DecisionForm:
    if initial is None and data is None:
        department = decisions.default_department(meeting.committee_id)
        initial = {"department": department.pk if department is not None else None}
    return DecisionForm(
        data,
        initial=initial,
        meeting=meeting,
        member_unit_ids=access.member_unit_ids(meeting),
    )


def _decision_page(
    request: AuthedRequest,
    meeting: JointMeeting,
    form: DecisionForm | None,
    token: str,
    *,
    coop_error: str = "",
) -> HttpResponse:
    refusal = refusal_text(lambda: minutes.check_writable(meeting))
    assigner = records_decisions(request.user, meeting)
    shown = form if (assigner and (not refusal or form is not None and form.is_bound)) else None
    context = {
        "meeting": meeting,
        **_crumbs(meeting),
        "refusal": refusal,
        "assigner": assigner,
        "form": bootstrap(shown) if shown is not None else None,
        "picker": unit_picker(request, shown, meeting, error=coop_error)
        if shown is not None
        else None,
        "token": token,
        "title": _("Record a decision"),
    }
    return render(request, "meetings/decision_form.html", context)


def _same_decision(
    request: AuthedRequest, meeting: JointMeeting, data: dict[str, Any]
) -> str | None:
    since = timezone.now() - datetime.timedelta(minutes=SAME_CONTENT_MINUTES)
    found = (
        Decision.objects.filter(
            meeting=meeting,
            created_by=request.user,
            created_at__gte=since,
            title=(data.get("title") or "").strip(),
        )
        .order_by("-id")
        .first()
    )
    return found.get_absolute_url() if found is not None else None


@require_http_methods(["GET", "POST"])
def decision_new(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record a decision of the meeting: numbered, and a task on the battle map."""
    meeting = get_meeting(request, pk)
    if not access.manages(request.user, meeting):
        forbid(request, meeting)
    if request.method != "POST":
        return _decision_page(request, meeting, _decision_form(request, meeting), new_token())
    again = round_trip(request, lambda initial: _decision_form(request, meeting, initial=initial))
    if again is not None:
        form, notes = again
        return _decision_page(
            request,
            meeting,
            form,
            request.POST.get("submission") or new_token(),
            coop_error=notes.errors.get("cooperating_units", ""),
        )

    def create(data: dict[str, Any]) -> Created:
        decision = decisions.record_decision(
            meeting,
            request.user,
            title=data["title"],
            content=data["content"],
            agenda_item=data["agenda_item"],
            lead_unit=data["lead_unit"],
            cooperating_units=list(data["cooperating_units"]),
            department=data["department"],
            deadline=data["deadline"],
            request=request,
        )
        messages.success(
            request,
            _(
                "Decision %(number)s is recorded and is on the battle map as a task; the "
                "lead unit has been told."
            )
            % {"number": decision.number},
        )
        return Created(decision.get_absolute_url(), redirect(minutes_url(meeting) + "#decisions"))

    def render_form(form: DecisionForm, token: str) -> HttpResponse:
        return _decision_page(request, meeting, form, token)

    return create_once(
        request,
        _decision_form(request, meeting, request.POST),
        create,
        render_form=render_form,
        fallback_url=minutes_url(meeting) + "#decisions",
        same_as=lambda data: _same_decision(request, meeting, data),
    )


# --- A decision's page ----------------------------------------------------------------------


@require_GET
def decision_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    decision = get_decision(request, pk)
    meeting = decision.meeting
    row = _with_tasks(request, [decision])[0]
    cooperating = list(
        decision.unit_links.select_related("unit").order_by("unit__sort_order", "unit_id")
    )
    held = meeting.status == S.HELD
    context = {
        "decision": decision,
        "meeting": meeting,
        **_crumbs(meeting),
        "cooperating": [link.unit for link in cooperating],
        "tasks": row["tasks"],
        "openable": row["openable"],
        "editable": held and access.manages(request.user, meeting),
        "approved": meeting.status == S.MINUTES_APPROVED,
        "today": timezone.localdate(),
    }
    return render(request, "meetings/decision_detail.html", context)


@require_http_methods(["GET", "POST"])
def decision_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Correct a decision's wording while the minutes are written."""
    decision = get_decision(request, pk)
    meeting = decision.meeting
    if not access.manages(request.user, meeting):
        forbid(request, decision)
    refusal = refusal_text(lambda: minutes.check_writable(meeting))
    if request.method == "POST":
        form = DecisionEditForm(request.POST, meeting=meeting)
        if form.is_valid():
            done = form_step(
                request,
                form,
                lambda: decisions.update_decision(
                    decision,
                    request.user,
                    title=form.cleaned_data["title"],
                    content=form.cleaned_data["content"],
                    agenda_item=form.cleaned_data["agenda_item"],
                    request=request,
                ),
                _("The decision is saved."),
                decision.get_absolute_url(),
            )
            if done is not None:
                return done
    else:
        form = DecisionEditForm(
            initial={
                "title": decision.title,
                "content": decision.content,
                "agenda_item": decision.agenda_item_id,
            },
            meeting=meeting,
        )
    shown = form if (not refusal or form.is_bound) else None
    context = {
        "decision": decision,
        "meeting": meeting,
        **_crumbs(meeting),
        "refusal": refusal,
        "form": bootstrap(shown) if shown is not None else None,
        "title": _("Correct the decision"),
    }
    return render(request, "meetings/decision_edit.html", context)


# --- Minutes waiting for approval -----------------------------------------------------------


@require_GET
def minutes_waiting(request: AuthedRequest) -> HttpResponse:
    """The approvers' list: held meetings whose minutes have every topic's outcome."""
    if not access.approves(request.user):
        record_denial(Action.VIEW, request=request, model=JointMeeting)
        raise PermissionDenied
    rows = list(
        minutes.waiting_for_approval(visible(request.user, JointMeeting))
        .select_related("group", "host")
        .order_by("starts_at", "id")
    )
    context = {"meetings": rows, "meetings_url": reverse("meetings:meeting_list")}
    return render(request, "meetings/minutes_waiting.html", context)


urlpatterns: list[URLPattern] = [
    path("minutes/waiting/", minutes_waiting, name="minutes_waiting"),
    path("minutes/<int:pk>/", minutes_page, name="minutes"),
    path("minutes/<int:pk>/approve/", minutes_approve, name="minutes_approve"),
    path("minutes/<int:pk>/decisions/new/", decision_new, name="decision_new"),
    path("decisions/<int:pk>/", decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/edit/", decision_edit, name="decision_edit"),
]
