"""The pages of replies and sign-in: a unit answers the notice, the host keeps the sign-in
sheet and shows the QR code, and each invited person signs in by scanning it.

Meetings and seats are found through the policy: a meeting a person may not see, or a
seat that is not the meeting's, is a 404 (and recorded). A seat the person sees but does
not answer for, and the host's pages to anyone but the meeting's managers, are a 403.
The QR sign-in page is reached with the meeting's secret code: a wrong or an old code is
a 404.
"""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from heli.accounts.policy import Action, scope_of, visible
from heli.audit.actions import deny, record_denial
from heli.lib.forms import bootstrap
from heli.lib.http import AuthedRequest
from heli.meetings import attendance
from heli.meetings.access import answers_for, manages, member_unit_ids
from heli.meetings.attendance_forms import PresenceForm, ReplyForm
from heli.meetings.models import Attendance, JointMeeting
from heli.meetings.views_common import forbid, form_step, require_manager, visible_or_deny

S = JointMeeting.Status


def get_meeting_for_user(request: AuthedRequest, pk: int) -> JointMeeting:
    return visible_or_deny(request, JointMeeting, pk, "group", "group_year", "host")


def _seat_for_user(request: AuthedRequest, meeting: JointMeeting, raw: Any) -> Attendance:
    """A seat of ``meeting`` the person sees, by the id sent; a forged one is a 404."""
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        pk = 0
    seat: Attendance | None = (
        visible(request.user, Attendance)
        .select_related("meeting", "meeting__group", "unit", "user")
        .filter(pk=pk, meeting=meeting)
        .first()
    )
    if seat is None:
        deny(Action.VIEW, request=request, model=Attendance)
    return seat


# --- Answering the notice -------------------------------------------------------------------


def _initial(seat: Attendance) -> dict[str, Any]:
    return {
        "reply": seat.reply if seat.reply != Attendance.Reply.PENDING else "",
        "substitute_name": seat.substitute_name,
        "substitute_post": seat.substitute_post,
        "reply_note": seat.reply_note,
    }


def _reply_form(seat: Attendance, data: Any = None) -> ReplyForm:
    return ReplyForm(data, initial=_initial(seat), auto_id=f"seat{seat.pk}_%s")


def _reply_page(
    request: AuthedRequest,
    meeting: JointMeeting,
    *,
    bound: ReplyForm | None = None,
    bound_seat: int | None = None,
    status: int = 200,
) -> HttpResponse:
    seats = attendance.answerable_seats(request.user, meeting)
    if not seats:
        return _reply_refused(request, meeting)
    items = [
        {
            "seat": seat,
            "label": attendance.seat_label(seat),
            "form": bootstrap(
                bound if bound is not None and bound_seat == seat.pk else _reply_form(seat)
            ),
        }
        for seat in seats
    ]
    return render(
        request,
        "meetings/reply_page.html",
        {
            "meeting": meeting,
            "items": items,
            "refusal": attendance.reply_refusal(meeting),
            "starts": attendance.moment(meeting.starts_at),
            "manages": manages(request.user, meeting),
        },
        status=status,
    )


def _reply_refused(request: AuthedRequest, meeting: JointMeeting) -> HttpResponse:
    """Nobody's seat to answer: a unit outside the group is told so, plainly."""
    s = scope_of(request.user)
    outside = bool(s.unit_ids) and not (s.unit_ids & member_unit_ids(meeting))
    record_denial(Action.CHANGE, request=request, obj=meeting)
    return render(
        request,
        "meetings/reply_refused.html",
        {"meeting": meeting, "outside": outside},
        status=403,
    )


@require_http_methods(["GET", "POST"])
def reply(request: AuthedRequest, pk: int) -> HttpResponse:
    """A unit's secretary or staff (or the liaison leader) answers the notice."""
    meeting = get_meeting_for_user(request, pk)
    if request.method != "POST":
        return _reply_page(request, meeting)
    seat = _seat_for_user(request, meeting, request.POST.get("seat"))
    if not answers_for(request.user, seat):
        forbid(request, seat)
    form = _reply_form(seat, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = form_step(
            request,
            form,
            lambda: attendance.answer_notice(
                seat,
                request.user,
                reply=data["reply"],
                substitute_name=data["substitute_name"],
                substitute_post=data["substitute_post"],
                note=data["reply_note"],
                request=request,
            ),
            _("Your answer to the notice is recorded. You may change it until the meeting starts."),
            reverse("meetings:reply", args=[meeting.pk]),
        )
        if done is not None:
            return done
    return _reply_page(request, meeting, bound=form, bound_seat=seat.pk, status=400)


# --- The host's sign-in sheet ---------------------------------------------------------------


def _row(
    seat: Attendance, *, error: str = "", note: str = "", open_: bool = True
) -> dict[str, Any]:
    return {"seat": seat, "error": error, "note": note, "open": open_}


def _sheet(
    request: AuthedRequest,
    meeting: JointMeeting,
    *,
    failed: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    seats = list(attendance.seats_of(meeting))
    refusal = attendance.sheet_refusal(meeting)
    rows = []
    for seat in seats:
        if failed is not None and failed["seat"].pk == seat.pk:
            rows.append(failed)
        else:
            rows.append(_row(seat, open_=not refusal))
    return render(
        request,
        "meetings/attendance_sheet.html",
        {
            "meeting": meeting,
            "rows": rows,
            "counts": attendance.count_seats(seats),
            "refusal": refusal,
            "starts": attendance.moment(meeting.starts_at),
            "shows_qr": meeting.status in attendance.SIGN_IN_STATUSES
            and bool(meeting.checkin_token),
        },
        status=status,
    )


def _counts(request: AuthedRequest, meeting: JointMeeting, *, oob: bool = False) -> HttpResponse:
    return render(
        request,
        "meetings/attendance_counts.html",
        {"meeting": meeting, "counts": attendance.summary(meeting), "oob": oob},
    )


@require_http_methods(["GET", "POST"])
def sheet(request: AuthedRequest, pk: int) -> HttpResponse:
    """The host's sign-in sheet: one tap per seat, the counts on top."""
    meeting = get_meeting_for_user(request, pk)
    require_manager(request, meeting)
    if request.method != "POST":
        if request.GET.get("part") == "counts":
            return _counts(request, meeting)
        return _sheet(request, meeting)
    seat = _seat_for_user(request, meeting, request.POST.get("seat"))
    form = PresenceForm(request.POST)
    note = str(request.POST.get("note", ""))[:300]
    error = ""
    if not form.is_valid():
        error = " ".join(str(m) for errors in form.errors.values() for m in errors)
    else:
        try:
            seat = attendance.mark_presence(
                seat,
                request.user,
                presence=form.cleaned_data["presence"],
                note=form.cleaned_data["note"],
                request=request,
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
    if request.htmx:
        return render(
            request,
            "meetings/attendance_update.html",
            {
                "meeting": meeting,
                "row": _row(seat, error=error, note=note if error else ""),
                "counts": attendance.summary(meeting),
                "oob": True,
            },
        )
    if error:
        return _sheet(request, meeting, failed=_row(seat, error=error, note=note), status=400)
    messages.success(
        request,
        _("%(seat)s: %(mark)s.")
        % {"seat": attendance.seat_label(seat), "mark": seat.get_presence_display()},
    )
    return redirect(f"{reverse('meetings:attendance', args=[meeting.pk])}#seat-{seat.pk}")


# --- The QR code and signing in with it -----------------------------------------------------


def checkin_url(request: AuthedRequest, meeting: JointMeeting) -> str:
    """The absolute address the meeting's QR code holds."""
    return request.build_absolute_uri(
        reverse("meetings:checkin", args=[meeting.pk, meeting.checkin_token])
    )


def qr_svg(url: str, title: str) -> str:
    """The QR code of ``url`` as an inline SVG drawn here (no image, no outside asset),
    sized by its container."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(
        scale=10,
        border=3,
        omitsize=True,
        dark="#000",
        light="#fff",
        svgclass="checkin-qr-code",
        title=escape(title),
    )
    return str(svg)


@require_GET
def checkin_qr(request: AuthedRequest, pk: int) -> HttpResponse:
    """The page the host puts on the projector: the QR code and its address."""
    meeting = get_meeting_for_user(request, pk)
    require_manager(request, meeting)
    open_ = meeting.status in attendance.SIGN_IN_STATUSES and bool(meeting.checkin_token)
    url = checkin_url(request, meeting) if open_ else ""
    start, _end = attendance.checkin_window(meeting)
    title = _("Sign-in QR code of %(meeting)s") % {"meeting": meeting.title}
    # Drawn here by segno from our own address; the title is escaped.
    svg = mark_safe(qr_svg(url, title)) if open_ else ""  # noqa: S308
    return render(
        request,
        "meetings/checkin_qr.html",
        {
            "meeting": meeting,
            "open": open_,
            "url": url,
            "svg": svg,
            "counts": attendance.summary(meeting) if open_ else None,
            "window_start": attendance.moment(start),
            "starts": attendance.moment(meeting.starts_at),
        },
    )


# The refusals of the sign-in page and the status each answers with.
_CHECKIN_STATUS = {"open": 200, "signed": 200, "closed": 403, "not_today": 403, "not_invited": 403}


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: AuthedRequest, pk: int, token: str) -> HttpResponse:
    """Signing in by the QR code, on the phone: GET asks, POST signs in."""
    meeting: JointMeeting | None = (
        JointMeeting.objects.select_related("group", "host")
        .filter(pk=pk, committee_id=request.user.committee_id or 0)
        .first()
    )
    if meeting is None or not attendance.token_matches(meeting, token):
        deny(Action.VIEW, request=request, model=JointMeeting)
    repeated = False
    if request.method == "POST":
        try:
            attendance.check_in(meeting, request.user, token, request=request)
        except ValidationError as refused:
            if refused.code == "bad_token":
                deny(Action.VIEW, request=request, model=JointMeeting)
            repeated = refused.code == "signed"
        else:
            messages.success(request, _("You are signed in. Thank you."))
            return redirect("meetings:checkin", pk=meeting.pk, token=token)
        meeting.refresh_from_db()
    state = attendance.checkin_state(meeting, request.user)
    if state.code == "not_invited":
        record_denial(Action.CHANGE, request=request, obj=meeting)
    sees = state.seat is not None or visible(request.user, JointMeeting).filter(pk=pk).exists()
    return render(
        request,
        "meetings/checkin_page.html",
        {
            "meeting": meeting,
            "sees": sees,
            "state": state,
            "repeated": repeated,
            "token": token,
            "label": attendance.seat_label(state.seat) if state.seat is not None else "",
            "starts": attendance.moment(meeting.starts_at),
            "signed_at": attendance.moment(state.seat.signed_at) if state.seat else "",
        },
        status=_CHECKIN_STATUS.get(state.code, 403),
    )


urlpatterns: list[URLPattern] = [
    path("<int:pk>/reply/", reply, name="reply"),
    path("<int:pk>/attendance/", sheet, name="attendance"),
    path("<int:pk>/checkin/qr/", checkin_qr, name="checkin_qr"),
    path("<int:pk>/checkin/<str:token>/", checkin, name="checkin"),
]
