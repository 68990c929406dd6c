"""Letter pages: the list, sending, a letter's page (a unit's own receipt: sign, answer),
the receipts page (who has not signed or answered, reminders), the Word documents and
the committee's letter template.

Letters, receipts and contacts are fetched through the policy: a letter a person may not
see, or another unit's receipt, is a 404 (and recorded), never a 403.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heli.accounts.policy import Action, can, scope_of, visible
from heli.audit import events
from heli.audit.actions import deny, record
from heli.files.actions import CheckedUpload, check_upload, keep_upload
from heli.files.models import Attachment
from heli.files.refusals import UploadRefused
from heli.liaison import documents, letters
from heli.liaison.access import reads_all, records
from heli.liaison.letter_forms import AnswerForm, LetterForm, TemplateForm
from heli.liaison.models import Contact, Letter, LetterReceipt, Subject
from heli.lib.dates import current_year
from heli.lib.downloads import attachment as attachment_response
from heli.lib.forms import SAME_CONTENT_MINUTES, Created, apply_errors, bootstrap, create_once
from heli.lib.http import AuthedRequest
from heli.lib.idempotency import new_token
from heli.lib.officialdoc import LETTER_PLACEHOLDERS

LETTERS_PER_PAGE = 30
RECEIPTS_PER_PAGE = 200
# The receipts page's filters, each one of the counts on the letter list.
STATES: dict[str, Q] = {
    "signed": Q(signed_at__isnull=False),
    "unsigned": Q(signed_at__isnull=True),
    "answered": Q(answered_at__isnull=False),
    "unanswered": Q(answered_at__isnull=True),
}
# A unit's letters waiting for it (the home page's counts open these).
WAITING: dict[str, Q] = {
    "sign": Q(signed_at__isnull=True),
    "answer": Q(answered_at__isnull=True, letter__answer_by__isnull=False),
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def state_labels() -> dict[str, str]:
    return {
        "signed": _("Signed for"),
        "unsigned": _("Not signed for"),
        "answered": _("Answered"),
        "unanswered": _("Not answered"),
    }


def waiting_labels() -> dict[str, str]:
    return {"sign": _("Letters to sign for"), "answer": _("Letters to answer")}


def _require_view(request: AuthedRequest) -> None:
    if not can(request.user, Action.VIEW, Letter):
        deny(Action.VIEW, request=request, model=Letter)


def _require_recorder(request: AuthedRequest) -> None:
    if not records(scope_of(request.user)):
        deny(Action.CHANGE, request=request, model=Letter)


def _require_reader(request: AuthedRequest) -> None:
    if not reads_all(scope_of(request.user)):
        deny(Action.VIEW, request=request, model=LetterReceipt)


def get_letter_for_user(request: AuthedRequest, pk: int) -> Letter:
    letter: Letter | None = (
        visible(request.user, Letter).select_related("contact", "sent_by").filter(pk=pk).first()
    )
    if letter is None:
        deny(Action.VIEW, request=request, model=Letter)
    return letter


def get_receipt_for_user(request: AuthedRequest, pk: int) -> LetterReceipt:
    receipt: LetterReceipt | None = (
        visible(request.user, LetterReceipt)
        .select_related("letter", "unit", "signed_by", "answered_by")
        .filter(pk=pk)
        .first()
    )
    if receipt is None:
        deny(Action.VIEW, request=request, model=LetterReceipt)
    return receipt


def my_receipts(request: AuthedRequest) -> QuerySet[LetterReceipt]:
    """The receipts of the person's own units (none for the committee's people)."""
    s = scope_of(request.user)
    return visible(request.user, LetterReceipt).filter(unit_id__in=s.unit_ids)


def waiting_url(key: str) -> str:
    return f"{reverse('liaison:letter_list')}?{urlencode({'waiting': key})}"


# --- The list ---------------------------------------------------------------------------


def _year(value: str | None) -> int | None:
    try:
        year = int(value or "")
    except ValueError:
        return None
    return year if 2000 <= year <= 2100 else None


@require_GET
def letter_list(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    committee_side = reads_all(scope_of(request.user))
    letters_qs = visible(request.user, Letter).select_related("sent_by")
    raw_year = request.GET.get("year")
    year = _year(raw_year) if raw_year is not None else current_year()
    if year is not None:
        letters_qs = letters_qs.filter(year=year)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        letters_qs = letters_qs.filter(Q(title__icontains=q) | Q(number__icontains=q))
    waiting = request.GET.get("waiting", "")
    if waiting in WAITING and not committee_side:
        letters_qs = letters_qs.filter(
            pk__in=my_receipts(request).filter(WAITING[waiting]).values("letter_id")
        )
    else:
        waiting = ""
    if committee_side:
        letters_qs = letters_qs.annotate(
            total=Count("receipts"),
            signed=Count("receipts", filter=Q(receipts__signed_at__isnull=False)),
            answered=Count("receipts", filter=Q(receipts__answered_at__isnull=False)),
        )
    else:
        own = my_receipts(request).select_related("unit").order_by("unit__sort_order")
        letters_qs = letters_qs.prefetch_related(Prefetch("receipts", own, to_attr="mine"))
    page = Paginator(letters_qs.order_by("-year", "-serial"), LETTERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = {
        k: v
        for k, v in (
            ("year", raw_year if raw_year is not None else year),
            ("q", q),
            ("waiting", waiting),
        )
        if v not in (None, "")
    }
    return render(
        request,
        "liaison/letter_list.html",
        {
            "page": page,
            "committee_side": committee_side,
            "can_send": records(scope_of(request.user)),
            "year": year,
            "q": q,
            "waiting": waiting,
            "waiting_label": waiting_labels().get(waiting, ""),
            "query": urlencode(query),
            "today": timezone.localdate(),
        },
    )


# --- Sending ----------------------------------------------------------------------------


def _checked_files(
    request: AuthedRequest, files: Sequence[UploadedFile], unit: Any, field: str
) -> list[CheckedUpload]:
    """Check every file before the transaction; a refusal names the file, next to the
    field, and nothing is kept."""
    checked: list[CheckedUpload] = []
    try:
        for uploaded in files:
            checked.append(
                check_upload(
                    uploaded,
                    committee=request.committee,
                    unit=unit,
                    by=request.user,
                    request=request,
                )
            )
    except UploadRefused as refused:
        for done in checked:
            done.discard()
        raise ValidationError({field: refused.messages}) from refused
    return checked


def _discard(checked: Sequence[CheckedUpload]) -> None:
    for upload in checked:
        if not upload.kept:
            upload.discard()


def _same_letter(request: AuthedRequest, data: dict[str, Any]) -> str | None:
    since = timezone.now() - datetime.timedelta(minutes=SAME_CONTENT_MINUTES)
    found = (
        Letter.objects.filter(
            committee=request.committee,
            sent_by=request.user,
            sent_at__gte=since,
            title=data["title"].strip(),
            body=data["body"].strip(),
        )
        .order_by("-pk")
        .first()
    )
    return found.get_absolute_url() if found is not None else None


@require_http_methods(["GET", "POST"])
def letter_create(request: AuthedRequest) -> HttpResponse:
    _require_recorder(request)

    def render_form(form: LetterForm, token: str) -> HttpResponse:
        return render(
            request,
            "liaison/letter_form.html",
            {"form": bootstrap(form), "submission": token, "unit_rows": _unit_rows(form)},
        )

    if request.method != "POST":
        initial = {"date": timezone.localdate()}
        return render_form(LetterForm(initial=initial, committee=request.committee), new_token())

    def create(data: dict[str, Any]) -> Created:
        checked = _checked_files(request, data["attachments"], None, "attachments")
        try:
            letter = letters.send_letter(
                request.committee,
                units=data["all_units"],
                title=data["title"],
                body=data["body"],
                subjects=data["subjects"],
                date=data["date"],
                answer_by=data["answer_by"],
                by=request.user,
                files=checked,
                request=request,
            )
        finally:
            _discard(checked)
        messages.success(
            request,
            _("The letter %(number)s was sent to %(count)s units; each has been told.")
            % {"number": letter.number, "count": len(data["all_units"])},
        )
        return Created(reverse("liaison:letter_receipts", args=[letter.pk]))

    form = LetterForm(request.POST, request.FILES, committee=request.committee)
    return create_once(
        request,
        form,
        create,
        render_form=render_form,
        fallback_url=reverse("liaison:letter_list"),
        same_as=lambda data: _same_letter(request, data),
    )


def _unit_rows(form: LetterForm) -> dict[str, Any]:
    """The checklist of units with what is ticked, and each group's units for the
    "tick the group" buttons. Two queries."""
    from heli.org.models import GroupMembership, Unit

    raw = form["units"].value() or []
    ticked = {str(v) for v in (raw if isinstance(raw, list | tuple) else [raw])}
    units = list(
        Unit.objects.filter(committee=form.committee, status=Unit.Status.ACTIVE)
        .order_by("sort_order", "id")
        .values_list("pk", "name", "short_name")
    )
    members: dict[int, list[int]] = {}
    for gy, unit_id in GroupMembership.objects.filter(
        committee=form.committee, year=form.year, unit__status=Unit.Status.ACTIVE
    ).values_list("group_year_id", "unit_id"):
        members.setdefault(gy, []).append(unit_id)
    raw_groups = form["groups"].value() or []
    chosen = {
        str(v) for v in (raw_groups if isinstance(raw_groups, list | tuple) else [raw_groups])
    }
    groups_field = cast("forms.ModelMultipleChoiceField[Any]", form.fields["groups"])
    return {
        "units": [
            {
                "pk": pk,
                "name": name,
                "short": short if short != name else "",
                "checked": str(pk) in ticked,
            }
            for pk, name, short in units
        ],
        "groups": [
            {
                "pk": gy.pk,
                "name": gy.group.name,
                "checked": str(gy.pk) in chosen,
                "units": " ".join(str(u) for u in members.get(gy.pk, [])),
            }
            for gy in groups_field.queryset or []
        ],
    }


# --- A letter's page, for both sides ---------------------------------------------------


def _files(
    record_type: str, ids: Sequence[int], request: AuthedRequest
) -> dict[int, list[Attachment]]:
    found: dict[int, list[Attachment]] = {}
    rows = visible(request.user, Attachment).filter(
        record_type=record_type, record_id__in=list(ids)
    )
    for f in rows.order_by("created_at", "id"):
        found.setdefault(int(f.record_id or 0), []).append(f)
    return found


def _detail(
    request: AuthedRequest,
    letter: Letter,
    *,
    answer_form: AnswerForm | None = None,
    answer_receipt: int | None = None,
    status: int = 200,
) -> HttpResponse:
    committee_side = reads_all(scope_of(request.user))
    mine = list(
        my_receipts(request)
        .filter(letter=letter)
        .select_related("unit", "signed_by", "answered_by")
    )
    answer_files = _files("liaison.letterreceipt", [r.pk for r in mine], request)
    own = []
    for receipt in mine:
        form = (
            answer_form
            if answer_receipt == receipt.pk and answer_form is not None
            else AnswerForm()
        )
        own.append(
            {
                "receipt": receipt,
                "can_change": can(request.user, Action.CHANGE, receipt),
                "form": bootstrap(form),
                "files": answer_files.get(receipt.pk, []),
            }
        )
    counts = None
    if committee_side:
        counts = letter.receipts.aggregate(
            total=Count("pk"),
            signed=Count("pk", filter=Q(signed_at__isnull=False)),
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
        )
    subjects = dict(Subject.choices)
    return render(
        request,
        "liaison/letter_detail.html",
        {
            "letter": letter,
            "contact": letter.contact,
            "subjects": [subjects.get(c, c) for c in letter.contact.subjects],
            "units": letter.contact.units.order_by("sort_order", "id") if committee_side else [],
            "letter_files": _files("liaison.contact", [letter.contact_id], request).get(
                letter.contact_id, []
            ),
            "own": own,
            "committee_side": committee_side,
            "counts": counts,
            "submission": new_token(),
        },
        status=status,
    )


@require_GET
def letter_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _detail(request, get_letter_for_user(request, pk))


@require_POST
def letter_sign(request: AuthedRequest, pk: int) -> HttpResponse:
    receipt = get_receipt_for_user(request, pk)
    try:
        letters.sign(receipt, request.user, request=request)
    except ValidationError as refused:
        for text in refused.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("Signed for. The committee has been told."))
    return redirect(receipt.letter.get_absolute_url())


@require_POST
def letter_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    receipt = get_receipt_for_user(request, pk)
    letter_url = receipt.letter.get_absolute_url()

    def create(data: dict[str, Any]) -> Created:
        checked = _checked_files(request, data["attachments"], receipt.unit, "attachments")
        try:
            letters.answer(receipt, request.user, data["text"], checked, request=request)
        finally:
            _discard(checked)
        messages.success(request, _("The answer was sent. The committee has been told."))
        return Created(letter_url)

    def render_form(form: AnswerForm, token: str) -> HttpResponse:
        return _detail(
            request,
            get_letter_for_user(request, receipt.letter_id),
            answer_form=form,
            answer_receipt=receipt.pk,
            status=400,
        )

    return create_once(
        request,
        AnswerForm(request.POST, request.FILES),
        create,
        render_form=render_form,
        fallback_url=letter_url,
    )


# --- The committee's side: receipts and reminders ----------------------------------------


@require_GET
def letter_receipts(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_reader(request)
    letter = get_letter_for_user(request, pk)
    state = request.GET.get("state", "")
    receipts = letter.receipts.select_related("unit", "signed_by", "answered_by").order_by(
        "unit__sort_order", "unit_id"
    )
    if state in STATES:
        receipts = receipts.filter(STATES[state])
    else:
        state = ""
    counts = letter.receipts.aggregate(
        total=Count("pk"),
        signed=Count("pk", filter=Q(signed_at__isnull=False)),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
    )
    counts["unsigned"] = counts["total"] - counts["signed"]
    counts["unanswered"] = counts["total"] - counts["answered"]
    page = Paginator(receipts, RECEIPTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    files = _files("liaison.letterreceipt", [r.pk for r in rows], request)
    return render(
        request,
        "liaison/letter_receipts.html",
        {
            "letter": letter,
            "page": page,
            "rows": [{"receipt": r, "files": files.get(r.pk, [])} for r in rows],
            "state": state,
            "state_label": state_labels().get(state, ""),
            "counts": counts,
            "can_remind": records(scope_of(request.user)),
            "query": urlencode({"state": state}) if state else "",
        },
    )


@require_POST
def letter_remind(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_recorder(request)
    letter = get_letter_for_user(request, pk)
    receipt_id = request.POST.get("receipt", "")
    target: Letter | LetterReceipt = letter
    if receipt_id:
        found = letter.receipts.select_related("letter", "unit").filter(pk=_int(receipt_id)).first()
        if found is None:
            deny(Action.CHANGE, request=request, model=LetterReceipt)
        target = found
    try:
        count = letters.remind(target, request.user, request=request)
    except ValidationError as refused:
        for text in refused.messages:
            messages.error(request, text)
    else:
        if isinstance(target, LetterReceipt):
            messages.success(request, _("%(unit)s has been reminded.") % {"unit": target.unit.name})
        else:
            messages.success(
                request,
                _("%(count)s units that have not signed for the letter have been reminded.")
                % {"count": count},
            )
    back = reverse("liaison:letter_receipts", args=[letter.pk])
    state = request.POST.get("state", "")
    return redirect(f"{back}?{urlencode({'state': state})}" if state in STATES else back)


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


# --- Word documents and the template ----------------------------------------------------


def _docx_response(request: AuthedRequest, content: bytes, name: str, obj: Any) -> HttpResponse:
    record(events.EXPORT, request=request, obj=obj, detail={"format": "docx", "name": name})
    return attachment_response(content, name, DOCX)


@require_GET
def letter_docx(request: AuthedRequest, pk: int) -> HttpResponse:
    letter = get_letter_for_user(request, pk)
    content = documents.letter_docx(letter, letters.settings_of(request.committee))
    return _docx_response(request, content, f"{letter.number} {letter.title}.docx", letter)


@require_GET
def contact_docx(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = visible(request.user, Contact).filter(pk=pk).first()
    if contact is None or not reads_all(scope_of(request.user)):
        deny(Action.VIEW, request=request, model=Contact)
    from heli.liaison.sources import matters_of

    matters = list(matters_of(contact).select_related("lead_unit").order_by("id"))
    files = [
        f.original_name
        for f in visible(request.user, Attachment).filter(
            record_type="liaison.contact", record_id=contact.pk
        )
    ]
    issuer = letters.issuer_of(request.committee)
    content = documents.contact_docx(contact, issuer, matters, files)
    name = _("Liaison contact record") + f" {contact.date:%Y-%m-%d} {contact.title}.docx"
    return _docx_response(request, content, name, contact)


@require_http_methods(["GET", "POST"])
def letter_template(request: AuthedRequest) -> HttpResponse:
    _require_recorder(request)
    liaison = letters.settings_of(request.committee)
    download = request.GET.get("download")
    if request.method == "GET" and download in ("default", "current"):
        content = (
            documents.default_letter_template()
            if download == "default"
            else documents.letter_template_bytes(liaison)
        )
        return attachment_response(content, _("Letter template") + ".docx", DOCX)
    form = TemplateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        checked = None
        try:
            if not (uploaded.name or "").lower().endswith(".docx"):
                raise ValidationError(
                    {"file": _("The template must be a Word file ending in .docx.")}
                )
            # The upload's own checks first (size, type, archive bombs, viruses): only a
            # file that passed them is opened to look for the placeholders.
            checked = check_upload(
                uploaded,
                committee=request.committee,
                unit=None,
                by=request.user,
                request=request,
                belongs_to=liaison,
            )
            _check_template(checked.temp_path.read_bytes())
            keep_upload(checked, request=request)
        except UploadRefused as refused:
            form.add_error("file", refused.messages)
        except ValidationError as refused:
            if checked is not None:
                checked.discard()
            apply_errors(form, refused)
        else:
            messages.success(request, _("The new letter template is in use from now on."))
            return redirect("liaison:letter_template")
    return render(
        request,
        "liaison/letter_template.html",
        {
            "form": bootstrap(form),
            "current": documents.committee_template(liaison),
            "placeholders": [f"{{{{{name}}}}}" for name in LETTER_PLACEHOLDERS],
        },
        status=400 if form.errors else 200,
    )


def _check_template(data: bytes) -> None:
    """Refuse a template that Word cannot open or that lacks a placeholder."""
    try:
        missing = documents.missing_placeholders(data)
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


urlpatterns: list[URLPattern] = [
    path("letters/", letter_list, name="letter_list"),
    path("letters/new/", letter_create, name="letter_create"),
    path("letters/template/", letter_template, name="letter_template"),
    path("letters/<int:pk>/", letter_detail, name="letter_detail"),
    path("letters/<int:pk>/receipts/", letter_receipts, name="letter_receipts"),
    path("letters/<int:pk>/remind/", letter_remind, name="letter_remind"),
    path("letters/<int:pk>/docx/", letter_docx, name="letter_docx"),
    path("receipts/<int:pk>/sign/", letter_sign, name="letter_sign"),
    path("receipts/<int:pk>/answer/", letter_answer, name="letter_answer"),
    path("contacts/<int:pk>/docx/", contact_docx, name="contact_docx"),
]
