"""Recording liaison contacts and raising their matters. Views and other parts call these.

Each action is one transaction that ends with its audit row; a refusal is a
``ValidationError`` whose messages say, in Chinese, what is wrong and next to which field,
and a refused action changes nothing. Files are checked before the transaction
(``heli.files.actions.check_upload``, so a refusal's audit row survives) and kept inside
it, belonging to the contact: whoever sees the contact may download them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from heli.accounts.models import Role, RoleAssignment, User
from heli.accounts.policy import Action, can, scope_of
from heli.audit import events
from heli.audit.actions import record
from heli.audit.models import AuditEvent
from heli.files.actions import CheckedUpload, keep_upload
from heli.files.models import Attachment
from heli.liaison.models import SUBJECT_CODES, Contact, ContactPerson, ContactUnit, Form
from heli.liaison.sources import matters_of
from heli.lib.dates import format_date
from heli.lib.forms import EARLIEST_DATE, LATEST_DATE
from heli.lib.versioning import StaleEdit, diff, update_versioned
from heli.org.models import Committee, Department, OrganPartyOrg, Unit
from heli.tracking.models import Task

# The fields an edit may change (besides the units, the people and new files).
EDITABLE_FIELDS = ("year", "form", "subjects", "date", "title", "summary")
# Committee roles whose accounts are offered as the committee's people present.
COMMITTEE_PEOPLE_ROLES = (Role.COMMITTEE_LEADER, Role.COMMITTEE_STAFF, Role.MEETING_OFFICE)
# Unit roles whose accounts are offered as a unit's people present: its leadership and
# its organ party secretary (the staff who do the entry are not who is met).
UNIT_PEOPLE_ROLES = (Role.UNIT_LEADERSHIP, Role.UNIT_SECRETARY)
# The kinds of file a contact keeps: letters, photos, signed records.
CONTACT_FILE_EXTENSIONS = ("pdf", "ofd", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png")


@dataclass(frozen=True)
class Person:
    """Someone present, as the form gives them: from the registry (``user``) or typed."""

    side: str
    name: str
    post: str = ""
    unit: Unit | None = None
    user: Any = None


# --- Who may be picked ----------------------------------------------------------------------


def contact_units(committee: Committee | int) -> QuerySet[Unit]:
    """The units a contact may reach: the committee's units that exist now."""
    return Unit.objects.filter(committee=committee, status=Unit.Status.ACTIVE).order_by(
        "sort_order", "id"
    )


def committee_accounts(committee: Committee | int) -> QuerySet[User]:
    """The committee's own people (leaders, departments, the meeting office), to pick from."""
    holders = RoleAssignment.objects.filter(
        committee=committee, role__in=COMMITTEE_PEOPLE_ROLES
    ).values("user_id")
    return User.objects.filter(committee=committee, is_active=True, pk__in=holders).order_by(
        "full_name", "id"
    )


def post_of(user: Any, role: str = "") -> str:
    """How a person's post reads: their job title, else their role."""
    if getattr(user, "title", ""):
        return str(user.title)
    return str(Role(role).label) if role else ""


def unit_registry_people(
    committee: Committee | int, unit_ids: Iterable[int]
) -> dict[int, list[tuple[Any, str]]]:
    """Per unit, its party group members and organ party secretary in the registry, with
    their posts (two queries, however many units)."""
    ids = sorted(set(unit_ids))
    found: dict[int, dict[int, tuple[Any, str]]] = {u: {} for u in ids}
    if not ids:
        return {}
    rows = (
        RoleAssignment.objects.filter(
            committee=committee, unit_id__in=ids, role__in=UNIT_PEOPLE_ROLES, user__is_active=True
        )
        .select_related("user")
        .order_by("role", "user__full_name", "user_id")
    )
    for row in rows:
        if row.unit_id is None:
            continue
        found[row.unit_id].setdefault(row.user_id, (row.user, post_of(row.user, row.role)))
    orgs = OrganPartyOrg.objects.filter(
        committee=committee, unit_id__in=ids, secretary__isnull=False, secretary__is_active=True
    ).select_related("secretary")
    for org in orgs:
        if org.secretary is not None:
            found[org.unit_id].setdefault(
                org.secretary.pk, (org.secretary, post_of(org.secretary, Role.UNIT_SECRETARY))
            )
    return {u: list(people.values()) for u, people in found.items()}


# --- Checking -------------------------------------------------------------------------------


def date_error(year: int, when: datetime.date | None) -> str | None:
    """What is wrong with a contact's date for its work year, if anything."""
    if when is not None and when.year == year:
        return None
    return _(
        "The date must fall within the work year %(year)s: from %(first)s to %(last)s. "
        "Choose another date, or change the work year."
    ) % {
        "year": year,
        "first": format_date(datetime.date(year, 1, 1)),
        "last": format_date(datetime.date(year, 12, 31)),
    }


def check_contact(committee: Committee | int, data: dict[str, Any]) -> None:
    """Refusals about a contact's own fields, each next to the field it concerns."""
    committee_id = getattr(committee, "pk", committee)
    errors: dict[str, list[str]] = {}
    year = data.get("year")
    when: datetime.date | None = data.get("date")
    if not isinstance(year, int) or not EARLIEST_DATE.year <= year <= LATEST_DATE.year:
        errors["year"] = [
            _("Choose a work year from %(first)s to %(last)s.")
            % {"first": EARLIEST_DATE.year, "last": LATEST_DATE.year}
        ]
    elif (wrong := date_error(year, when)) is not None:
        errors["date"] = [wrong]
    if data.get("form") not in Form.values:
        errors["form"] = [_("Choose the form of the contact.")]
    subjects = data.get("subjects") or []
    if not subjects:
        errors["subjects"] = [_("Tick at least one of the five subjects the contact covered.")]
    elif any(s not in SUBJECT_CODES for s in subjects):
        errors["subjects"] = [_("Choose the subjects from the list.")]
    units: Sequence[Unit] = data.get("units") or []
    if not units:
        errors["units"] = [_("Choose at least one unit: the unit whose party group was contacted.")]
    for unit in units:
        if unit.committee_id != committee_id:
            raise ValueError("the unit belongs to another committee")
        if unit.status != Unit.Status.ACTIVE:
            errors.setdefault("units", []).append(
                _("%(unit)s has been merged or abolished; choose a unit that exists now.")
                % {"unit": unit.name}
            )
    unit_ids = {u.pk for u in units}
    for person in data.get("people") or []:
        if person.unit is not None and person.unit.pk not in unit_ids:
            errors.setdefault("units", []).append(
                _("%(name)s is listed for %(unit)s, which is not among the contact's units.")
                % {"name": person.name, "unit": person.unit.name}
            )
    if errors:
        raise ValidationError(errors)


def check_file_names(files: Iterable[Any]) -> None:
    """Refuse, before anything is read, a file whose kind a contact does not keep."""
    for f in files:
        name = str(getattr(f, "name", "") or "")
        ext = name.rpartition(".")[2].lower() if "." in name else ""
        if ext not in CONTACT_FILE_EXTENSIONS:
            raise ValidationError(
                {
                    "attachments": [
                        _(
                            "“%(name)s” cannot be attached to a contact. Attach letters, "
                            "photos and signed records as PDF, OFD, Word (.doc, .docx), Excel "
                            "(.xls, .xlsx) or pictures (.jpg, .png)."
                        )
                        % {"name": name}
                    ]
                }
            )


# --- Writing --------------------------------------------------------------------------------


def _require_recorder(by: Any) -> None:
    if not can(by, Action.CHANGE, Contact):
        raise ValidationError(
            _("Only committee leaders and department staff can record liaison contacts."),
            code="not_recorder",
        )


def _write_people(contact: Contact, people: Sequence[Person]) -> None:
    ContactPerson.objects.bulk_create(
        ContactPerson(
            committee_id=contact.committee_id,
            contact=contact,
            side=p.side,
            unit=p.unit if p.side == ContactPerson.Side.UNIT else None,
            user=p.user,
            name=p.name[:50],
            post=p.post[:100],
            sort_order=i,
        )
        for i, p in enumerate(people)
    )


def _keep_files(contact: Contact, uploads: Sequence[CheckedUpload]) -> list[Attachment]:
    kept = []
    for checked in uploads:
        checked.belongs_to = contact
        kept.append(keep_upload(checked))
    return kept


def _people_detail(people: Sequence[Person]) -> list[str]:
    return [
        f"{p.side}:{p.unit.pk if p.unit else ''}:{p.name}（{p.post}）"
        if p.post
        else f"{p.side}:{p.unit.pk if p.unit else ''}:{p.name}"
        for p in people
    ]


@transaction.atomic
def record_contact(
    committee: Committee,
    data: dict[str, Any],
    by: Any,
    *,
    uploads: Sequence[CheckedUpload] = (),
) -> Contact:
    """Record a contact: ``data`` holds :data:`EDITABLE_FIELDS`, ``units`` and ``people``
    (a list of :class:`Person`)."""
    _require_recorder(by)
    check_contact(committee, data)
    contact = Contact.objects.create(
        committee=committee,
        year=data["year"],
        form=data["form"],
        subjects=[s for s in SUBJECT_CODES if s in data["subjects"]],
        date=data["date"],
        title=data["title"].strip(),
        summary=(data.get("summary") or "").strip(),
        created_by=by,
    )
    units = list(data["units"])
    ContactUnit.objects.bulk_create(
        ContactUnit(committee=committee, contact=contact, unit=u) for u in units
    )
    people = list(data.get("people") or [])
    _write_people(contact, people)
    files = _keep_files(contact, uploads)
    record(
        events.RECORD_CREATED,
        user=by,
        obj=contact,
        detail={
            "year": contact.year,
            "form": contact.form,
            "subjects": contact.subjects,
            "date": contact.date,
            "units": sorted(u.pk for u in units),
            "people": _people_detail(people),
            "files": [f.pk for f in files],
        },
    )
    return contact


@transaction.atomic
def update_contact(
    contact: Contact,
    version: int,
    data: dict[str, Any],
    by: Any,
    *,
    uploads: Sequence[CheckedUpload] = (),
) -> Contact:
    """Change a contact, if nobody else changed it since ``version`` was read (else
    :class:`~heli.lib.versioning.StaleEdit`); its history keeps what changed."""
    _require_recorder(by)
    if not can(by, Action.CHANGE, contact):
        raise ValidationError(_("You cannot change this contact."), code="not_recorder")
    check_contact(contact.committee_id, data)
    locked = Contact.objects.select_for_update().get(pk=contact.pk)
    if locked.version != version:
        raise StaleEdit()
    changes = {f: data[f] for f in EDITABLE_FIELDS}
    changes["subjects"] = [s for s in SUBJECT_CODES if s in changes["subjects"]]
    changes["title"] = changes["title"].strip()
    changes["summary"] = (changes["summary"] or "").strip()
    changed = diff(locked, changes)
    old_units = set(locked.unit_links.values_list("unit_id", flat=True))
    new_units = {u.pk for u in data["units"]}
    people = list(data.get("people") or [])
    old_people = [
        Person(p.side, p.name, p.post, p.unit, p.user)
        for p in locked.people.select_related("unit", "user")
    ]
    update_versioned(locked, version, changes)
    if old_units != new_units:
        ContactUnit.objects.filter(contact=locked).exclude(unit_id__in=new_units).delete()
        ContactUnit.objects.bulk_create(
            ContactUnit(committee_id=locked.committee_id, contact=locked, unit_id=u)
            for u in sorted(new_units - old_units)
        )
        changed["units"] = [sorted(old_units), sorted(new_units)]
    if _people_detail(old_people) != _people_detail(people):
        ContactPerson.objects.filter(contact=locked).delete()
        _write_people(locked, people)
        changed["people"] = [_people_detail(old_people), _people_detail(people)]
    files = _keep_files(locked, uploads)
    if files:
        changed["files"] = [[], [f.pk for f in files]]
    if changed:
        record(events.RECORD_UPDATED, user=by, obj=locked, detail={"changes": changed})
    contact.refresh_from_db()
    return contact


@transaction.atomic
def raise_matter(
    contact: Contact,
    *,
    title: str,
    lead_unit: Unit,
    department: Department,
    deadline: datetime.date,
    by: Any,
    description: str = "",
) -> Task:
    """A specific problem raised in the contact (需要研究解决的具体问题) becomes a task on the
    battle map, led by one of the contact's units and supervised by ``department``."""
    from heli.tracking.actions import create_task_from

    _require_recorder(by)
    if not can(by, Action.CHANGE, contact):
        raise ValidationError(_("You cannot change this contact."), code="not_recorder")
    if not contact.unit_links.filter(unit_id=lead_unit.pk).exists():
        raise ValidationError(
            {"lead_unit": [_("Choose the lead unit among the units of this contact.")]}
        )
    if not title.strip():
        raise ValidationError({"title": [_("Say what the matter is.")]})
    task = create_task_from(
        contact,
        title=title.strip(),
        lead_unit=lead_unit,
        department=department,
        deadline=deadline,
        by=by,
        description=description.strip(),
        basis=_("Liaison contact of %(date)s") % {"date": format_date(contact.date)},
    )
    # A new open matter: the contact's matters are no longer all handled.
    if contact.matters_handled_at is not None:
        Contact.objects.filter(pk=contact.pk).update(matters_handled_at=None)
        contact.matters_handled_at = None
    return task


def default_department(user: Any) -> Department | None:
    """The department a recorder's matter is supervised by unless they choose another."""
    s = scope_of(user)
    return Department.objects.filter(pk__in=s.department_ids).order_by("sort_order", "id").first()


def matters(contact: Contact) -> QuerySet[Task]:
    """The contact's matters to show: withdrawn ones are on no list."""
    found: QuerySet[Task] = matters_of(contact)
    return (
        found.exclude(status=Task.Status.WITHDRAWN)
        .select_related("lead_unit", "department")
        .order_by("deadline", "id")
    )


def history(contact: Contact) -> list[AuditEvent]:
    """Who recorded the contact and who changed it when, with what changed (from the audit
    log, which nobody can rewrite)."""
    return list(
        AuditEvent.objects.filter(
            committee_id=contact.committee_id,
            object_type=Contact._meta.label_lower,
            object_id=str(contact.pk),
            event__in=(events.RECORD_CREATED, events.RECORD_UPDATED),
        )
        .select_related("user")
        .order_by("created_at", "id")
    )
