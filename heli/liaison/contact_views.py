"""The contact pages: the list, recording and editing a contact, its page, raising a matter.

Every contact is fetched through the policy (``visible``): another unit's contact, a
forged id and, for the three administrators, every contact is a 404. A form refused for
any reason — a date outside the work year, no unit, a forged unit, a refused file —
comes back with the message next to the field and everything typed; nothing is saved.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heli.accounts.models import Role
from heli.accounts.policy import Action, can, scope_of, visible
from heli.audit.actions import deny, record_hidden_lookup
from heli.files.actions import CheckedUpload, check_upload
from heli.files.models import Attachment
from heli.files.refusals import UploadRefused
from heli.liaison import contacts
from heli.liaison.access import reads_all
from heli.liaison.contact_forms import (
    ContactFilterForm,
    ContactForm,
    MatterForm,
    initial_from_post,
)
from heli.liaison.models import (
    CHANNEL_OF,
    Channel,
    Contact,
    ContactPerson,
    ContactUnit,
    Letter,
    Subject,
)
from heli.liaison.sources import matters_of
from heli.lib.dates import current_year
from heli.lib.forms import SAME_CONTENT_MINUTES, Created, apply_errors, bootstrap, create_once
from heli.lib.http import AuthedRequest
from heli.lib.idempotency import new_token
from heli.org.models import Department, GroupMembership, Unit
from heli.tracking.models import Task
from heli.tracking.states import state_labels
from heli.tracking.workflow import FINAL

CONTACTS_PER_PAGE = 30
# How many of a contact's units a list row names before "and N more".
UNITS_NAMED = 3


def get_contact_for_user(user: Any, pk: int) -> Contact:
    contact: Contact | None = visible(user, Contact).filter(pk=pk).first()
    if contact is None:
        record_hidden_lookup(user, Contact, pk)
        raise Http404
    return contact


def _require_view(request: AuthedRequest) -> None:
    if not can(request.user, Action.VIEW, Contact):
        deny(Action.VIEW, request=request, model=Contact)


# --- The list -------------------------------------------------------------------------------


def filtered_contacts(request: AuthedRequest) -> tuple[ContactFilterForm, QuerySet[Contact]]:
    data = request.GET.copy()
    if not request.GET:
        data["year"] = str(current_year())
    form = ContactFilterForm(data, committee=request.committee)
    contacts_qs: QuerySet[Contact] = visible(request.user, Contact)
    if form.is_valid():
        f = form.cleaned_data
        if f["year"]:
            contacts_qs = contacts_qs.filter(year=f["year"])
        chosen = f["form"]
        if chosen in Channel.values:
            contacts_qs = contacts_qs.filter(
                form__in=[k for k, channel in CHANNEL_OF.items() if channel == chosen]
            )
        elif chosen:
            contacts_qs = contacts_qs.filter(form=chosen)
        if f["subject"]:
            # Subjects are a JSON list of codes; a code is a word of its own in it.
            contacts_qs = contacts_qs.filter(subjects__icontains=f'"{f["subject"]}"')
        if f["unit"] is not None:
            reached = ContactUnit.objects.filter(unit=f["unit"]).values("contact_id")
            contacts_qs = contacts_qs.filter(pk__in=reached)
        if f["group"] is not None:
            # A unit counts for the group it belonged to in the contact's own year.
            in_group = ContactUnit.objects.filter(
                contact=OuterRef("pk"),
                unit__memberships__group_year__group=f["group"],
                unit__memberships__year=OuterRef("year"),
            )
            contacts_qs = contacts_qs.filter(Exists(in_group))
        if f["q"]:
            for word in f["q"].split()[:5]:
                contacts_qs = contacts_qs.filter(title__icontains=word)
    else:
        contacts_qs = contacts_qs.none()
    return form, contacts_qs.order_by("-date", "-id")


def _with_counts(user: Any, rows: list[Contact]) -> list[Contact]:
    """Each row's units and the matters the user may see (open and all), in two queries
    for the whole page."""
    ids = [c.pk for c in rows]
    units: dict[int, list[Unit]] = {pk: [] for pk in ids}
    links = (
        ContactUnit.objects.filter(contact_id__in=ids)
        .select_related("unit")
        .order_by("unit__sort_order", "unit_id")
    )
    for link in links:
        units[link.contact_id].append(link.unit)
    counts = (
        visible(user, Task)
        .filter(source_type="liaison.contact", source_id__in=ids)
        .exclude(status=Task.Status.WITHDRAWN)
        .values("source_id")
        .annotate(total=Count("id"), open=Count("id", filter=~Q(status__in=FINAL)))
    )
    by_contact = {row["source_id"]: row for row in counts}
    for contact in rows:
        shown = units[contact.pk]
        contact.shown_units = shown[:UNITS_NAMED]  # type: ignore[attr-defined]
        contact.more_units = max(len(shown) - UNITS_NAMED, 0)  # type: ignore[attr-defined]
        found = by_contact.get(contact.pk, {})
        contact.matters_total = found.get("total", 0)  # type: ignore[attr-defined]
        contact.matters_open = found.get("open", 0)  # type: ignore[attr-defined]
        contact.subject_labels = [  # type: ignore[attr-defined]
            Subject(s).label for s in contact.subjects if s in Subject.values
        ]
    return rows


@require_GET
def contact_list(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    form, rows = filtered_contacts(request)
    page = Paginator(rows, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _with_counts(request.user, list(page.object_list))
    query = QueryDict(mutable=True)
    query.update(form.data)
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_add": can(request.user, Action.CHANGE, Contact),
    }
    template = "liaison/contact_rows.html" if request.htmx else "liaison/contact_list.html"
    return render(request, template, context)


# --- Recording and editing -----------------------------------------------------------------


def _render_form(
    request: AuthedRequest, form: ContactForm, context: dict[str, Any]
) -> HttpResponse:
    return render(request, "liaison/contact_form.html", {"form": bootstrap(form), **context})


def _redrawn(request: AuthedRequest, build: Any) -> ContactForm | None:
    """A button of the form that draws it again (the people of the units just chosen, a
    whole group ticked), with what was typed; nothing is saved."""
    post = request.POST
    if "refresh" not in post and "tick_group" not in post:
        return None
    probe = build(initial={"units": post.getlist("units")})
    initial = initial_from_post(post, probe)
    tick = post.get("tick_group", "")
    if tick.isdigit():
        members = GroupMembership.objects.filter(
            committee=request.committee, group_year_id=int(tick)
        ).values_list("unit_id", flat=True)
        initial["units"] = sorted({*initial.get("units", []), *(str(u) for u in members)})
    form: ContactForm = build(initial=initial)
    return form


def _checked_files(request: AuthedRequest, form: ContactForm) -> list[CheckedUpload]:
    """Every file checked before anything is written; one refused refuses them all."""
    files = form.cleaned_data.get("attachments") or []
    contacts.check_file_names(files)
    checked: list[CheckedUpload] = []
    try:
        for f in files:
            checked.append(
                check_upload(
                    f, committee=request.committee, unit=None, by=request.user, request=request
                )
            )
    except UploadRefused as refused:
        for c in checked:
            c.discard()
        raise ValidationError({"attachments": refused.messages}) from refused
    return checked


def _save(request: AuthedRequest, form: ContactForm, write: Any) -> Contact:
    uploads = _checked_files(request, form)
    try:
        return write(uploads)  # type: ignore[no-any-return]
    except BaseException:
        for c in uploads:
            c.discard()
        raise


def _same_contact(request: AuthedRequest, data: dict[str, Any]) -> str | None:
    since = timezone.now() - datetime.timedelta(minutes=SAME_CONTENT_MINUTES)
    found = (
        Contact.objects.filter(
            committee=request.committee,
            created_by=request.user,
            created_at__gte=since,
            title=data["title"].strip(),
            date=data["date"],
            form=data["form"],
        )
        .order_by("-pk")
        .first()
    )
    return found.get_absolute_url() if found is not None else None


@require_http_methods(["GET", "POST"])
def contact_create(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, Action.CHANGE, Contact):
        deny(Action.CHANGE, request=request, model=Contact)
    context = {
        "title": _("Record a liaison contact"),
        "cancel_url": reverse("liaison:contact_list"),
    }

    def build(*args: Any, **kwargs: Any) -> ContactForm:
        return ContactForm(*args, committee=request.committee, **kwargs)

    if request.method != "POST":
        today = timezone.localdate()
        initial: dict[str, Any] = {"year": today.year, "date": today}
        # "Record a contact with this unit" on a unit's page; the form's choices still decide.
        unit_id = request.GET.get("unit", "")
        if unit_id.isdigit():
            initial["units"] = [unit_id]
        me = contacts.committee_accounts(request.committee).filter(pk=request.user.pk)
        initial["committee_people"] = [str(u.pk) for u in me]
        return _render_form(request, build(initial=initial), {**context, "token": new_token()})

    if (again := _redrawn(request, build)) is not None:
        token = request.POST.get("submission") or new_token()
        return _render_form(request, again, {**context, "token": token})

    def create(data: dict[str, Any]) -> Created:
        contact = _save(
            request,
            form,
            lambda uploads: contacts.record_contact(
                request.committee, data, request.user, uploads=uploads
            ),
        )
        messages.success(request, _("The contact was recorded."))
        return Created(contact.get_absolute_url())

    def render_form(bound: ContactForm, token: str) -> HttpResponse:
        return _render_form(request, bound, {**context, "token": token})

    form = build(request.POST, request.FILES)
    return create_once(
        request,
        form,
        create,
        render_form=render_form,
        fallback_url=reverse("liaison:contact_list"),
        same_as=lambda data: _same_contact(request, data),
    )


def _edit_initial(contact: Contact) -> dict[str, Any]:
    initial: dict[str, Any] = {f: getattr(contact, f) for f in contacts.EDITABLE_FIELDS}
    initial["version"] = contact.version
    initial["units"] = [str(link.unit_id) for link in contact.unit_links.all()]
    committee_ids, committee_typed = [], []
    unit_ids: dict[int, list[str]] = {}
    unit_typed: dict[int, list[str]] = {}
    for p in contact.people.all():
        line = f"{p.name}，{p.post}" if p.post else p.name
        if p.side == ContactPerson.Side.COMMITTEE:
            if p.user_id is not None:
                committee_ids.append(str(p.user_id))
            else:
                committee_typed.append(line)
        elif p.unit_id is not None:
            if p.user_id is not None:
                unit_ids.setdefault(p.unit_id, []).append(str(p.user_id))
            else:
                unit_typed.setdefault(p.unit_id, []).append(line)
    initial["committee_people"] = committee_ids
    initial["committee_typed"] = "\n".join(committee_typed)
    for unit_id, ids in unit_ids.items():
        initial[f"unit_{unit_id}_people"] = ids
    for unit_id, lines in unit_typed.items():
        initial[f"unit_{unit_id}_typed"] = "\n".join(lines)
    return initial


@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = get_contact_for_user(request.user, pk)
    if not can(request.user, Action.CHANGE, contact):
        deny(Action.CHANGE, request=request, obj=contact)
    cancel_url = contact.get_absolute_url()
    context = {"title": _("Edit the contact"), "contact": contact, "cancel_url": cancel_url}
    letter = Letter.objects.filter(contact=contact).first()
    letter_units = (
        frozenset(letter.receipts.values_list("unit_id", flat=True)) if letter is not None else None
    )

    def build(*args: Any, **kwargs: Any) -> ContactForm:
        return ContactForm(*args, committee=request.committee, letter_units=letter_units, **kwargs)

    if request.method != "POST":
        return _render_form(request, build(initial=_edit_initial(contact)), context)
    if (again := _redrawn(request, build)) is not None:
        return _render_form(request, again, context)
    form = build(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _save(
                request,
                form,
                lambda uploads: contacts.update_contact(
                    contact, data["version"] or 0, data, request.user, uploads=uploads
                ),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The changes to the contact were saved."))
            return redirect(cancel_url)
    return _render_form(request, form, context)


# --- The contact's page, and its matters ------------------------------------------------------


def _departments_for(request: AuthedRequest) -> QuerySet[Department]:
    s = scope_of(request.user)
    departments = Department.objects.filter(committee=request.committee).order_by(
        "sort_order", "id"
    )
    if s.has(Role.COMMITTEE_LEADER):
        return departments
    return departments.filter(pk__in=s.department_ids)


def _matter_form(request: AuthedRequest, contact: Contact, data: Any = None) -> MatterForm:
    units = Unit.objects.filter(pk__in=contact.unit_links.values("unit_id")).order_by(
        "sort_order", "id"
    )
    departments = _departments_for(request)
    initial: dict[str, Any] = {}
    if data is None:
        default = contacts.default_department(request.user)
        initial = {"department": default.pk if default else None}
        if units.count() == 1:
            initial["lead_unit"] = units.first()
    return bootstrap(MatterForm(data, units=units, departments=departments, initial=initial))


def _letter_url(letter: Letter) -> str:
    try:
        return reverse("liaison:letter_detail", args=[letter.pk])
    except NoReverseMatch:
        return ""


def _page(
    request: AuthedRequest,
    contact: Contact,
    *,
    matter_form: MatterForm | None = None,
    token: str = "",
) -> HttpResponse:
    recorder = can(request.user, Action.CHANGE, contact)
    links = list(contact.unit_links.select_related("unit").order_by("unit__sort_order", "unit_id"))
    people = list(contact.people.select_related("unit"))
    committee_people = [p for p in people if p.side == ContactPerson.Side.COMMITTEE]
    unit_people = [
        (
            link.unit,
            [p for p in people if p.side == ContactPerson.Side.UNIT and p.unit_id == link.unit_id],
        )
        for link in links
    ]
    letter = Letter.objects.filter(contact=contact).first()
    files = Attachment.objects.filter(
        committee_id=contact.committee_id,
        record_type=Contact._meta.label_lower,
        record_id=contact.pk,
    ).order_by("created_at", "id")
    every_matter = list(contacts.matters(contact))
    # A unit reached with others sees its own matters, never another unit's.
    shown_ids = set(
        visible(request.user, Task)
        .filter(pk__in=[t.pk for t in every_matter])
        .values_list("pk", flat=True)
    )
    matters = [t for t in every_matter if t.pk in shown_ids]
    context = {
        "contact": contact,
        "channel": Channel(contact.channel).label,
        "subjects": [Subject(s).label for s in contact.subjects if s in Subject.values],
        "units": [link.unit for link in links],
        # Another unit's page may be closed to a unit's people: named, not linked.
        "openable_units": set(
            visible(request.user, Unit)
            .filter(pk__in=[link.unit_id for link in links])
            .values_list("pk", flat=True)
        ),
        "committee_people": committee_people,
        "unit_people": unit_people,
        "files": files,
        "letter": letter,
        "letter_url": _letter_url(letter) if letter is not None else "",
        "matters": matters,
        "all_handled": contact.matters_handled_at is not None
        and bool(every_matter)
        and all(t.is_final for t in every_matter),
        "recorder": recorder,
        "record_docx": reads_all(scope_of(request.user)),
        "matter_form": matter_form or (_matter_form(request, contact) if recorder else None),
        "token": token or new_token(),
        "history": _history_rows(contact),
        "today": timezone.localdate(),
        "legend": list(state_labels().items()),
    }
    return render(request, "liaison/contact_detail.html", context)


def _history_rows(contact: Contact) -> list[dict[str, Any]]:
    """The contact's history, each change named by its field's label."""
    names = {
        "units": _("units"),
        "people": _("people present"),
        "files": _("files"),
        "title": _("Title of the contact"),
    }
    rows = []
    for event in contacts.history(contact):
        changed = (event.detail or {}).get("changes") or {}
        labels = []
        for name in changed:
            if name in names:
                labels.append(names[name])
            else:
                field = next((f for f in Contact._meta.concrete_fields if f.name == name), None)
                labels.append(str(field.verbose_name) if field is not None else name)
        rows.append({"event": event, "created": event.event == "record.created", "changed": labels})
    return rows


@require_GET
def contact_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, get_contact_for_user(request.user, pk))


def _same_matter(request: AuthedRequest, contact: Contact, data: dict[str, Any]) -> str | None:
    since = timezone.now() - datetime.timedelta(minutes=SAME_CONTENT_MINUTES)
    repeated = (
        matters_of(contact)
        .filter(
            created_by=request.user,
            created_at__gte=since,
            title=data["title"].strip(),
            lead_unit=data["lead_unit"],
        )
        .exists()
    )
    return contact.get_absolute_url() if repeated else None


@require_POST
def contact_matter(request: AuthedRequest, pk: int) -> HttpResponse:
    contact = get_contact_for_user(request.user, pk)
    if not can(request.user, Action.CHANGE, contact):
        deny(Action.CHANGE, request=request, obj=contact)

    def create(data: dict[str, Any]) -> Created:
        task = contacts.raise_matter(
            contact,
            title=data["title"],
            lead_unit=data["lead_unit"],
            department=data["department"],
            deadline=data["deadline"],
            description=data["description"],
            by=request.user,
        )
        messages.success(
            request,
            _("The matter is on the battle map as a task: %(title)s. The lead unit has been told.")
            % {"title": task.title},
        )
        return Created(contact.get_absolute_url() + "#matters")

    def render_form(form: MatterForm, token: str) -> HttpResponse:
        return _page(request, contact, matter_form=bootstrap(form), token=token)

    return create_once(
        request,
        _matter_form(request, contact, request.POST),
        create,
        render_form=render_form,
        fallback_url=contact.get_absolute_url(),
        same_as=lambda data: _same_matter(request, contact, data),
    )


urlpatterns: list[URLPattern] = [
    path("contacts/", contact_list, name="contact_list"),
    path("contacts/new/", contact_create, name="contact_create"),
    path("contacts/<int:pk>/", contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/matters/", contact_matter, name="contact_matter"),
]
