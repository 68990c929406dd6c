"""The meeting pages: the list, planning a meeting, its page (the hub other parts add their
panels and buttons to), changing its plan or moving it, and one POST per step.

Meetings are found through the policy (``visible``): one a person may not see, or a forged
id, is a 404 (and recorded). A person who sees the meeting but may not take a step gets a
403. A step out of order is refused with a message on the meeting's page and changes
nothing; a form refused for any reason comes back with what was typed and the message
next to the field.
"""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heli.accounts.policy import Action, can, scope_of, visible
from heli.files.actions import CheckedUpload
from heli.files.refusals import UploadRefused
from heli.lib.dates import current_year, format_date
from heli.lib.forms import SAME_CONTENT_MINUTES, Created, apply_errors, bootstrap, create_once
from heli.lib.http import AuthedRequest
from heli.lib.idempotency import new_token
from heli.meetings import access, meetings, settings_views
from heli.meetings.meeting_forms import (
    AgendaAddForm,
    AgendaItemForm,
    CancelForm,
    EditForm,
    FilesForm,
    MeetingFilterForm,
    MoveForm,
    NoticeForm,
    PlanForm,
)
from heli.meetings.models import AgendaItem, JointMeeting
from heli.meetings.views_common import (
    checked_upload,
    forbid,
    form_step,
    require_manager,
    run_step,
    visible_or_404,
)
from heli.org.models import GroupMembership, GroupYear, Unit

S = JointMeeting.Status
MEETINGS_PER_PAGE = 30


# --- Finding meetings and checking rights ------------------------------------------------


def get_meeting_for_user(request: AuthedRequest, pk: int) -> JointMeeting:
    return visible_or_404(
        request.user,
        JointMeeting,
        pk,
        "group_year__liaison_leader",
        "group",
        "host",
        "created_by",
        "plan_approved_by",
        "notice_sent_by",
    )


def get_item_for_user(request: AuthedRequest, pk: int) -> AgendaItem:
    return visible_or_404(
        request.user, AgendaItem, pk, "meeting__group", "meeting__group_year", "topic"
    )


def plans_meetings(user: Any) -> bool:
    """Whether the person plans any meeting: the office, a lead unit's secretary this year."""
    return can(user, Action.CHANGE, JointMeeting)


# --- What waits for whom (the home card's counts open these lists) ------------------------


def waiting_filters(user: Any) -> dict[str, Q]:
    """The meetings waiting for this person's step, by step: plans to approve, notices to
    send, meetings to mark held. Only the steps the person takes."""
    found: dict[str, Q] = {}
    if access.approves(user):
        found["approve"] = Q(status=S.PLANNED, pk__in=AgendaItem.objects.values("meeting_id"))
    s = scope_of(user)
    managed: Q | None = None
    if access.is_office(user):
        managed = Q()
    elif s.lead_group_year_ids:
        managed = Q(group_year_id__in=sorted(s.lead_group_year_ids))
    if managed is not None:
        found["notice"] = managed & Q(status=S.PLAN_APPROVED)
        found["held"] = managed & Q(status=S.NOTICE_SENT, starts_at__lte=timezone.now())
    return found


def waiting_labels() -> dict[str, str]:
    return {
        "approve": _("Plans to approve"),
        "notice": _("Notices to send"),
        "held": _("Meetings to mark held"),
    }


def waiting_url(key: str) -> str:
    return f"{reverse('meetings:meeting_list')}?{urlencode({'waiting': key})}"


# --- The list ------------------------------------------------------------------------------


@require_GET
def meeting_list(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW, JointMeeting):
        forbid(request, model=JointMeeting)
    data = request.GET.copy()
    waiting = data.get("waiting", "")
    waits = waiting_filters(request.user)
    if waiting not in waits:
        waiting = ""
    if "year" not in data and not waiting:
        data["year"] = str(current_year())
    form = MeetingFilterForm(data, committee=request.committee)
    form.is_valid()
    chosen = form.cleaned_data if form.is_bound else {}
    rows: QuerySet[JointMeeting] = visible(request.user, JointMeeting).select_related(
        "group", "host"
    )
    if chosen.get("year"):
        rows = rows.filter(year=chosen["year"])
    if chosen.get("group"):
        rows = rows.filter(group=chosen["group"])
    if chosen.get("status"):
        rows = rows.filter(status=chosen["status"])
    if waiting:
        rows = rows.filter(waits[waiting])
    rows = rows.annotate(topic_count=Count("agenda")).order_by("starts_at", "id")
    page = Paginator(rows, MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    query = {k: v for k, v in data.items() if k in ("year", "group", "status", "waiting") and v}
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "form": bootstrap(form),
            "page": page,
            "waiting": waiting,
            "waiting_label": waiting_labels().get(waiting, ""),
            "query": urlencode(query),
            "can_plan": plans_meetings(request.user),
            "now": timezone.now(),
        },
    )


# --- Planning -------------------------------------------------------------------------------


def _form_page(
    request: AuthedRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, context, status=status)


def _same_meeting(request: AuthedRequest, data: dict[str, Any]) -> str | None:
    since = timezone.now() - datetime.timedelta(minutes=SAME_CONTENT_MINUTES)
    gy = data.get("group_year")
    if gy is None:
        return None
    found = (
        JointMeeting.objects.filter(
            committee=request.committee,
            created_by=request.user,
            created_at__gte=since,
            group_year=gy,
            starts_at=data["starts_at"],
            place=data["place"].strip(),
        )
        .order_by("-pk")
        .first()
    )
    return found.get_absolute_url() if found is not None else None


def _plan_initial(request: AuthedRequest) -> dict[str, Any]:
    initial: dict[str, Any] = {"year": current_year()}
    raw_year = request.GET.get("year", "")
    if raw_year.isdigit() and 2000 <= int(raw_year) <= 2100:
        initial["year"] = int(raw_year)
    raw_group = request.GET.get("group", "")
    if raw_group.isdigit():
        initial["group"] = int(raw_group)
    else:
        led = list(
            GroupYear.objects.filter(pk__in=scope_of(request.user).lead_group_year_ids).values_list(
                "group_id", flat=True
            )
        )
        if len(led) == 1:
            initial["group"] = led[0]
    return initial


@require_http_methods(["GET", "POST"])
def meeting_new(request: AuthedRequest) -> HttpResponse:
    if not plans_meetings(request.user):
        forbid(request, model=JointMeeting)

    def render_form(form: PlanForm, token: str) -> HttpResponse:
        return _form_page(
            request,
            "meetings/meeting_form.html",
            {
                "form": bootstrap(form),
                "submission": token,
                "host_leads": form.host_leads,
                "creating": True,
                "cancel_url": reverse("meetings:meeting_list"),
            },
            status=400 if form.is_bound else 200,
        )

    if request.method != "POST":
        form = PlanForm(
            initial=_plan_initial(request), committee=request.committee, user=request.user
        )
        return render_form(form, new_token())

    def create(data: dict[str, Any]) -> Created:
        meeting = meetings.plan(
            data["group_year"],
            host=data["host"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            place=data["place"],
            title=data["title"],
            plan_notes=data["plan_notes"],
            by=request.user,
            request=request,
        )
        messages.success(
            request,
            _("%(title)s was planned. Put its topics on the agenda, then have the plan approved.")
            % {"title": meeting.title},
        )
        return Created(meeting.get_absolute_url())

    return create_once(
        request,
        PlanForm(request.POST, committee=request.committee, user=request.user),
        create,
        render_form=render_form,
        fallback_url=reverse("meetings:meeting_list"),
        same_as=lambda data: _same_meeting(request, data),
    )


def _edit_initial(meeting: JointMeeting) -> dict[str, Any]:
    return {
        "version": meeting.version,
        "host": meeting.host_id,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "place": meeting.place,
        "plan_notes": meeting.plan_notes,
    }


@require_http_methods(["GET", "POST"])
def meeting_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Change the plan while it is being planned; after the notice, move the meeting (time
    and place) with a reason."""
    meeting = get_meeting_for_user(request, pk)
    require_manager(request, meeting)
    back = meeting.get_absolute_url()
    if meeting.status not in meetings.CANCELLABLE:
        messages.error(
            request,
            _("This meeting is “%(status)s”: its plan can no longer change.")
            % {"status": meeting.get_status_display()},
        )
        return redirect(back)
    moving = meeting.status == S.NOTICE_SENT
    context: dict[str, Any] = {"meeting": meeting, "moving": moving, "cancel_url": back}
    if moving:
        move = (
            MoveForm(request.POST)
            if request.method == "POST"
            else MoveForm(
                initial={
                    "starts_at": meeting.starts_at,
                    "ends_at": meeting.ends_at,
                    "place": meeting.place,
                }
            )
        )
        if request.method == "POST" and move.is_valid():
            data = move.cleaned_data
            done = form_step(
                request,
                move,
                lambda: meetings.change_time_place(
                    meeting,
                    request.user,
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    place=data["place"],
                    reason=data["reason"],
                    request=request,
                ),
                _("The meeting was moved. Everyone invited has been told why."),
                back,
            )
            if done is not None:
                return done
        context["form"] = bootstrap(move)
        return _form_page(
            request, "meetings/meeting_form.html", context, status=400 if move.errors else 200
        )
    form = (
        EditForm(request.POST, meeting=meeting)
        if request.method == "POST"
        else EditForm(initial=_edit_initial(meeting), meeting=meeting)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = form_step(
            request,
            form,
            lambda: meetings.update_plan(
                meeting,
                data["version"],
                host=data["host"],
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                plan_notes=data["plan_notes"],
                by=request.user,
                request=request,
            ),
            _("The changes to the plan were saved."),
            back,
        )
        if done is not None:
            return done
    context.update(form=bootstrap(form), host_leads=form.host_leads)
    return _form_page(
        request, "meetings/meeting_form.html", context, status=400 if form.errors else 200
    )


# --- The meeting's page ----------------------------------------------------------------------


def default_notice(meeting: JointMeeting) -> str:
    return _(
        "%(title)s takes place %(when)s at %(place)s, hosted by %(host)s. The organ party secretaries of the member units attend. Please study the topics on the agenda beforehand and bring the materials the plan lists. A unit whose secretary cannot attend names who comes instead."
    ) % {
        "title": meeting.title,
        "when": meetings.when_text(meeting),
        "place": meeting.place,
        "host": meeting.host.name,
    }


def default_reply_by(meeting: JointMeeting) -> datetime.date:
    day = meetings.local(meeting.starts_at).date()
    return max(timezone.localdate(), min(day, day - datetime.timedelta(days=2)))


def _page(
    request: AuthedRequest,
    meeting: JointMeeting,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The meeting's page; ``bound`` holds the refused form of the POST that drew it again."""
    bound = bound or {}
    user = request.user
    manages = access.manages(user, meeting)
    planning = meeting.status in meetings.PLANNING
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("topic", "reporter_unit")
        .order_by("order", "id")
    )
    agenda_open = manages and planning
    rows = []
    members: list[Unit] = []
    if agenda_open:
        members = list(
            Unit.objects.filter(
                pk__in=GroupMembership.objects.filter(group_year_id=meeting.group_year_id).values(
                    "unit_id"
                )
            ).order_by("sort_order", "id")
        )
    for item in items:
        form = None
        if agenda_open:
            given = bound.get("item")
            form = (
                given[1]
                if given is not None and given[0] == item.pk
                else AgendaItemForm(
                    item=item,
                    members=members,
                    initial={
                        "order": item.order,
                        "reporter_unit": item.reporter_unit_id,
                        "reporter_note": item.reporter_note,
                        "materials_note": item.materials_note,
                    },
                )
            )
            bootstrap(form)
        rows.append({"item": item, "form": form})
    add_form = None
    if agenda_open:
        add_form = bound.get("agenda") or AgendaAddForm(topics=meetings.schedulable_topics(meeting))
        bootstrap(add_form)
    now = timezone.now()
    steps: dict[str, Any] = {
        "approve": access.approves(user)
        and meeting.committee_id == user.committee_id
        and meeting.status == S.PLANNED,
        "notice": None,
        "held": manages and meeting.status == S.NOTICE_SENT,
        "held_not_yet": meeting.starts_at > now,
        "cancel": None,
        "edit": manages and meeting.status in meetings.CANCELLABLE,
    }
    if manages and meeting.status == S.PLAN_APPROVED:
        steps["notice"] = bootstrap(
            bound.get("notice")
            or NoticeForm(
                initial={
                    "notice_text": default_notice(meeting),
                    "reply_by": default_reply_by(meeting),
                }
            )
        )
    if manages and meeting.status in meetings.CANCELLABLE:
        steps["cancel"] = bootstrap(bound.get("cancel") or CancelForm())
    files_form = None
    if manages and meeting.status != S.CANCELLED:
        files_form = bootstrap(bound.get("files") or FilesForm())
    labels = meetings.step_labels()
    history = [
        {
            "event": event,
            "label": labels.get(str((event.detail or {}).get("step", "")), _("Changed")),
            "reason": (event.detail or {}).get("reason", ""),
        }
        for event in meetings.history(meeting)
    ]
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "stepper": meetings.stepper(meeting),
            "when": meetings.when_text(meeting),
            "rows": rows,
            "has_agenda": bool(items),
            "add_form": add_form,
            "agenda_open": agenda_open,
            "manages": manages,
            "steps": steps,
            "files": meetings.files_of(meeting, user),
            "files_form": files_form,
            "history": history,
            "reply_by": format_date(meeting.reply_by) if meeting.reply_by else "",
        },
        status=status,
    )


@require_GET
def meeting_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, get_meeting_for_user(request, pk))


# --- The steps -------------------------------------------------------------------------------


@require_POST
def meeting_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request, pk)
    if not access.approves(request.user):
        forbid(request, meeting)
    return run_step(
        request,
        lambda: meetings.approve_plan(meeting, request.user, request=request),
        _("The plan was approved. The lead units and the liaison leader were told."),
        meeting.get_absolute_url(),
    )


def _out_of_order(request: AuthedRequest, meeting: JointMeeting, step: str) -> bool:
    """Say so when the step is out of order (before looking at its form)."""
    problem = meetings.refusal(meeting, step)
    if problem:
        messages.error(request, problem)
    return bool(problem)


@require_POST
def meeting_notice(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request, pk)
    require_manager(request, meeting)
    if _out_of_order(request, meeting, meetings.STEP_NOTICE):
        return redirect(meeting.get_absolute_url())
    form = NoticeForm(request.POST)
    if form.is_valid():
        done = form_step(
            request,
            form,
            lambda: meetings.send_notice(
                meeting,
                request.user,
                notice_text=form.cleaned_data["notice_text"],
                reply_by=form.cleaned_data["reply_by"],
                request=request,
            ),
            _("The notice went out to every member unit and the liaison leader; each was told."),
            meeting.get_absolute_url(),
        )
        if done is not None:
            return done
    return _page(request, meeting, bound={"notice": form}, status=400)


@require_POST
def meeting_held(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request, pk)
    require_manager(request, meeting)
    return run_step(
        request,
        lambda: meetings.mark_held(meeting, request.user, request=request),
        _("The meeting is marked held. Its minutes can be written now."),
        meeting.get_absolute_url(),
    )


@require_POST
def meeting_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request, pk)
    require_manager(request, meeting)
    if _out_of_order(request, meeting, meetings.STEP_CANCELLED):
        return redirect(meeting.get_absolute_url())
    form = CancelForm(request.POST)
    if form.is_valid():
        done = form_step(
            request,
            form,
            lambda: meetings.cancel(
                meeting, request.user, reason=form.cleaned_data["reason"], request=request
            ),
            _("The meeting was cancelled. Everyone invited was told."),
            meeting.get_absolute_url(),
        )
        if done is not None:
            return done
    return _page(request, meeting, bound={"cancel": form}, status=400)


# --- Files of the meeting --------------------------------------------------------------------


@require_POST
def meeting_files(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request, pk)
    require_manager(request, meeting)
    form = FilesForm(request.POST, request.FILES)
    if form.is_valid():
        checked: list[CheckedUpload] = []
        try:
            for uploaded in form.cleaned_data["attachments"]:
                checked.append(checked_upload(request, uploaded, meeting))
            kept = meetings.add_files(meeting, request.user, checked, request=request)
        except UploadRefused as refused:
            form.add_error("attachments", refused.messages)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("%(count)s files were added to the meeting.") % {"count": len(kept)}
            )
            return redirect(f"{meeting.get_absolute_url()}#files")
        finally:
            for upload in checked:
                if not upload.kept:
                    upload.discard()
    return _page(request, meeting, bound={"files": form}, status=400)


# --- The agenda ------------------------------------------------------------------------------


def _agenda_closed(request: AuthedRequest, back: str) -> HttpResponse:
    messages.error(
        request,
        _("The agenda can change only while the meeting is being planned (before the notice)."),
    )
    return redirect(back)


@require_POST
def agenda_add(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request, pk)
    require_manager(request, meeting)
    back = f"{meeting.get_absolute_url()}#agenda"
    if meeting.status not in meetings.PLANNING:
        return _agenda_closed(request, back)
    form = AgendaAddForm(request.POST, topics=meetings.schedulable_topics(meeting))
    if form.is_valid():
        done = form_step(
            request,
            form,
            lambda: meetings.add_topic(
                meeting, form.cleaned_data["topic"], request.user, request=request
            ),
            _("The topic is on the agenda."),
            back,
        )
        if done is not None:
            return done
    return _page(request, meeting, bound={"agenda": form}, status=400)


@require_POST
def agenda_item(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_item_for_user(request, pk)
    meeting = get_meeting_for_user(request, item.meeting_id)
    require_manager(request, meeting)
    back = f"{meeting.get_absolute_url()}#agenda"
    if meeting.status not in meetings.PLANNING:
        return _agenda_closed(request, back)
    members = Unit.objects.filter(
        pk__in=GroupMembership.objects.filter(group_year_id=meeting.group_year_id).values("unit_id")
    ).order_by("sort_order", "id")
    form = AgendaItemForm(request.POST, item=item, members=list(members))
    if form.is_valid():
        data = form.cleaned_data
        done = form_step(
            request,
            form,
            lambda: meetings.update_item(
                item,
                request.user,
                order=data["order"],
                reporter_unit=data["reporter_unit"],
                reporter_note=data["reporter_note"],
                materials_note=data["materials_note"],
                request=request,
            ),
            _("The agenda topic was saved."),
            back,
        )
        if done is not None:
            return done
    return _page(request, meeting, bound={"item": (item.pk, form)}, status=400)


@require_POST
def agenda_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_item_for_user(request, pk)
    meeting = get_meeting_for_user(request, item.meeting_id)
    require_manager(request, meeting)
    return run_step(
        request,
        lambda: meetings.remove_item(item, request.user, request=request),
        _("The topic was taken off the agenda."),
        f"{meeting.get_absolute_url()}#agenda",
    )


urlpatterns: list[URLPattern] = [
    path("", meeting_list, name="meeting_list"),
    path("new/", meeting_new, name="meeting_new"),
    path("<int:pk>/", meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", meeting_edit, name="meeting_edit"),
    path("<int:pk>/approve/", meeting_approve, name="meeting_approve"),
    path("<int:pk>/notice/", meeting_notice, name="meeting_notice"),
    path("<int:pk>/held/", meeting_held, name="meeting_held"),
    path("<int:pk>/cancel/", meeting_cancel, name="meeting_cancel"),
    path("<int:pk>/files/", meeting_files, name="meeting_files"),
    path("<int:pk>/agenda/", agenda_add, name="agenda_add"),
    path("agenda/<int:pk>/", agenda_item, name="agenda_item"),
    path("agenda/<int:pk>/remove/", agenda_remove, name="agenda_remove"),
    *settings_views.urlpatterns,
]
