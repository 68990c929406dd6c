"""The meeting's documents to download — the notice and the minutes as Word, the attendance
sheet as Excel — and the page where the committee replaces the two Word templates.

Whoever sees the meeting (``policy.visible``) may download its documents; a meeting they
may not see is a 404 (and recorded). A document not yet ready (the minutes of a meeting
not held) sends them back to the meeting's page with a message saying from when it is.
Every download is audited. The templates are replaced by those who change the joint
meeting settings (the office and the committee leaders); an upload passes the upload
mechanism's own checks (size, type, archive bombs, viruses) before python-docx opens it
to look for the placeholders.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from heli.accounts.policy import Action
from heli.audit import events
from heli.audit.actions import deny, record
from heli.files.actions import keep_upload
from heli.files.refusals import UploadRefused
from heli.lib import xlsx
from heli.lib.downloads import attachment as attachment_response
from heli.lib.downloads import stamped_name
from heli.lib.forms import apply_errors, bootstrap
from heli.lib.http import AuthedRequest
from heli.meetings import documents, sheets
from heli.meetings.access import edits_settings
from heli.meetings.models import JointMeeting, MeetingSettings
from heli.meetings.views_common import checked_upload, visible_or_deny


def get_meeting_for_user(request: AuthedRequest, pk: int) -> JointMeeting:
    """The meeting if this person sees it; otherwise a recorded 404."""
    return visible_or_deny(
        request,
        JointMeeting,
        pk,
        "group",
        "group_year",
        "host",
        "committee",
        "created_by",
        "notice_sent_by",
    )


def _not_ready(request: AuthedRequest, meeting: JointMeeting, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect(meeting.get_absolute_url())


def _docx(request: AuthedRequest, meeting: JointMeeting, content: bytes, name: str) -> HttpResponse:
    record(
        events.EXPORT,
        request=request,
        obj=meeting,
        detail={"format": "docx", "name": name, "status": meeting.status},
    )
    return attachment_response(content, name, documents.DOCX)


@require_GET
def notice_docx(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request, pk)
    if not documents.notice_available(meeting):
        return _not_ready(
            request,
            meeting,
            _("The notice can be printed once the meeting's plan is approved, and not for a cancelled meeting."),
        )  # fmt: skip
    content = documents.notice_docx(meeting, MeetingSettings.of(request.committee))
    return _docx(request, meeting, content, documents.file_name(meeting, documents.NOTICE))


@require_GET
def minutes_docx(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request, pk)
    if not documents.minutes_available(meeting):
        return _not_ready(
            request,
            meeting,
            _("The minutes can be printed once the meeting has been held."),
        )
    content = documents.minutes_docx(meeting, MeetingSettings.of(request.committee))
    return _docx(request, meeting, content, documents.file_name(meeting, documents.MINUTES))


@require_GET
def attendance_xlsx(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request, pk)
    if not sheets.attendance_available(meeting):
        return _not_ready(
            request,
            meeting,
            _("The attendance sheet can be printed once the notice has been sent, and not for a cancelled meeting."),
        )  # fmt: skip
    book, rows = sheets.attendance_book(meeting, made_by=str(request.user))
    name = stamped_name(sheets.sheet_title(meeting), xlsx.EXTENSION)
    record(
        events.EXPORT,
        request=request,
        obj=meeting,
        detail={"format": "xlsx", "name": name, "rows": rows, "what": "attendance sheet"},
    )
    return attachment_response(book.bytes(), name, xlsx.CONTENT_TYPE)


# --- The templates -------------------------------------------------------------------------


class TemplateUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("New template (.docx)"),
        error_messages={"required": gettext_lazy("Choose the Word file (.docx) of the template.")},
    )


class TemplateResetForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("Yes, print with the default template from now on"),
        error_messages={
            "required": gettext_lazy(
                "Tick the box to confirm that the default template replaces the committee's own."
            )
        },
    )


def _require_editor(request: AuthedRequest) -> None:
    if not edits_settings(request.user):
        deny(Action.CHANGE, request=request, model=MeetingSettings)


def _kind(code: str) -> documents.TemplateKind:
    kind = documents.KINDS.get(code)
    if kind is None:
        raise Http404
    return kind


def _page(
    request: AuthedRequest,
    meeting_settings: MeetingSettings,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    cards = []
    for kind in documents.KINDS.values():
        current = documents.committee_template(meeting_settings, kind)
        upload = bound.get(f"upload-{kind.code}") or TemplateUploadForm(prefix=kind.code)
        reset = bound.get(f"reset-{kind.code}") or TemplateResetForm(prefix=f"{kind.code}-reset")
        cards.append(
            {
                "kind": kind,
                "label": kind.label,
                "current": current,
                "current_name": documents.shown_name(kind, current) if current else "",
                "placeholders": [f"{{{{{name}}}}}" for name in kind.placeholders],
                "upload": bootstrap(upload),
                "reset": bootstrap(reset),
            }
        )
    return render(request, "meetings/doc_templates.html", {"cards": cards}, status=status)


@require_GET
def doc_templates(request: AuthedRequest) -> HttpResponse:
    _require_editor(request)
    meeting_settings = MeetingSettings.of(request.committee)
    download = request.GET.get("download", "")
    code, _sep, which = download.partition("-")
    if code in documents.KINDS and which in ("current", "default"):
        kind = documents.KINDS[code]
        content = (
            documents.default_template(kind)
            if which == "default"
            else documents.template_bytes(meeting_settings, kind)
        )
        name = _("Template of the %(document)s") % {"document": kind.label}
        return attachment_response(content, f"{name}.docx", documents.DOCX)
    return _page(request, meeting_settings)


def _check_template(kind: documents.TemplateKind, data: bytes) -> None:
    """Refuse a template that Word cannot open or that lacks a placeholder."""
    try:
        missing = documents.missing_placeholders(kind, data)
    except ValueError as error:
        raise ValidationError(
            {
                "file": _(
                    "This file cannot be opened as a Word document (.docx). Save it from Word as .docx and upload it again."
                )
            }
        ) from error
    if missing:
        raise ValidationError(
            {
                "file": _(
                    "The template lacks the placeholders %(names)s. Type each where its part belongs, exactly as shown, and upload it again."
                )
                % {"names": "、".join(f"{{{{{n}}}}}" for n in missing)}
            }
        )


def _renamed(uploaded: UploadedFile, name: str) -> UploadedFile:
    uploaded.name = name
    return uploaded


@require_POST
def doc_template_upload(request: AuthedRequest, kind: str) -> HttpResponse:
    _require_editor(request)
    found = _kind(kind)
    meeting_settings = MeetingSettings.of(request.committee)
    form = TemplateUploadForm(request.POST, request.FILES, prefix=found.code)
    if form.is_valid():
        uploaded = form.cleaned_data["file"]
        checked = None
        try:
            if not (uploaded.name or "").lower().endswith(".docx"):
                raise ValidationError(
                    {"file": _("The template must be a Word file ending in .docx.")}
                )
            # The upload's own checks first (size, type, archive bombs, viruses): only a
            # file that passed them is opened to look for the placeholders.
            checked = checked_upload(
                request,
                _renamed(uploaded, found.prefix + (uploaded.name or "")),
                meeting_settings,
            )
            _check_template(found, checked.temp_path.read_bytes())
            keep_upload(checked, request=request)
        except UploadRefused as refused:
            form.add_error("file", refused.messages)
        except ValidationError as refused:
            if checked is not None:
                checked.discard()
            apply_errors(form, refused)
        else:
            messages.success(
                request,
                _("The new template of the %(document)s is in use from now on.")
                % {"document": found.label},
            )
            return redirect("meetings:doc_templates")
    return _page(request, meeting_settings, bound={f"upload-{found.code}": form}, status=400)


@require_POST
def doc_template_reset(request: AuthedRequest, kind: str) -> HttpResponse:
    """Go back to the default template: kept as a file of its own, so the history of the
    committee's templates stays whole (and audited as an upload)."""
    _require_editor(request)
    found = _kind(kind)
    meeting_settings = MeetingSettings.of(request.committee)
    form = TemplateResetForm(request.POST, prefix=f"{found.code}-reset")
    if not form.is_valid():
        return _page(request, meeting_settings, bound={f"reset-{found.code}": form}, status=400)
    if documents.committee_template(meeting_settings, found) is None:
        messages.info(request, _("The default template is in use already; nothing was changed."))
        return redirect("meetings:doc_templates")
    marker = SimpleUploadedFile(
        documents.reset_name(found), documents.default_template(found), documents.DOCX
    )
    try:
        checked = checked_upload(request, marker, meeting_settings)
        keep_upload(checked, request=request)
    except UploadRefused as refused:
        form.add_error(None, refused.messages)
        return _page(request, meeting_settings, bound={f"reset-{found.code}": form}, status=400)
    messages.success(
        request,
        _("The default template of the %(document)s is in use from now on.")
        % {"document": found.label},
    )
    return redirect("meetings:doc_templates")


urlpatterns: list[URLPattern] = [
    path("<int:pk>/notice.docx", notice_docx, name="notice_docx"),
    path("<int:pk>/minutes.docx", minutes_docx, name="minutes_docx"),
    path("<int:pk>/attendance.xlsx", attendance_xlsx, name="attendance_xlsx"),
    path("documents/templates/", doc_templates, name="doc_templates"),
    path("documents/templates/<str:kind>/upload/", doc_template_upload, name="doc_template_upload"),
    path("documents/templates/<str:kind>/reset/", doc_template_reset, name="doc_template_reset"),
]
