"""Forms of the meeting pages: planning and editing a meeting, moving it, the notice,
cancelling, the agenda, the meeting's files and the list's filters.

Times are typed in the browser's date-and-time picker and read in the committee's time
zone (Asia/Shanghai); a value that is no time, or one outside the years 2000 to 2100, is
refused next to its field with a message that says what to type — never passed on for
the database to refuse.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heli.accounts.policy import scope_of
from heli.lib.dates import current_year
from heli.lib.forms import DateField
from heli.meetings import access
from heli.meetings.models import AgendaItem, JointMeeting, Topic
from heli.org.models import Committee, Group, GroupMembership, GroupYear, Unit

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
# How many files one upload may carry.
MAX_FILES = 10
TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker, sending and showing YYYY-MM-DDTHH:MM."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {"min": f"{EARLIEST_YEAR}-01-01T00:00", "max": f"{LATEST_YEAR}-12-31T23:59"}
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%Y-%m-%dT%H:%M")


class DateTimeLocalField(forms.Field):
    """A moment typed as a local date and time, from 2000 to 2100, made aware in the
    committee's time zone."""

    widget = DateTimeLocalInput
    default_error_messages = {
        "invalid": _("Enter the date and time as YYYY-MM-DD HH:MM, for example 2026-11-26 09:30."),
        "required": _("Enter a date and time, for example 2026-11-26 09:30."),
        "out_of_range": _("Enter a date from the year 2000 to the year 2100."),
    }

    def to_python(self, value: Any) -> datetime.datetime | None:
        if value in self.empty_values:
            return None
        naive: datetime.datetime | None = None
        if isinstance(value, datetime.datetime):
            naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        else:
            text = str(value).strip()[:40]
            for fmt in TIME_FORMATS:
                try:
                    naive = datetime.datetime.strptime(text, fmt)  # noqa: DTZ007 (made aware below)
                    break
                except ValueError:
                    continue
        if naive is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if not EARLIEST_YEAR <= naive.year <= LATEST_YEAR:
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return timezone.make_aware(naive.replace(tzinfo=None), timezone.get_default_timezone())

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            return timezone.localtime(value)
        return value


def _text(label: Any, *, required: bool = True, rows: int = 3, max_length: int = 4000,
          required_message: Any = None, help_text: Any = "") -> forms.CharField:  # fmt: skip
    messages: dict[str, Any] = {"max_length": _("Keep it to %(limit_value)s characters at most.")}
    if required_message is not None:
        messages["required"] = required_message
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages=messages,
    )


def _place() -> forms.CharField:
    return forms.CharField(
        label=_("Place"),
        max_length=200,
        error_messages={
            "required": _("Say where the meeting takes place."),
            "max_length": _("The place is at most 200 characters."),
        },
    )


def _title() -> forms.CharField:
    return forms.CharField(
        label=_("Title of the meeting"),
        max_length=200,
        required=False,
        help_text=_("Leave it empty for the usual title, for example 第一组2026年第2次联席会."),
        error_messages={"max_length": _("The title is at most 200 characters.")},
    )


def _times(form: forms.Form) -> None:
    form.fields["starts_at"] = DateTimeLocalField(label=_("Starts at"))
    form.fields["ends_at"] = DateTimeLocalField(
        label=_("Ends at"), help_text=_("Usually the same day; two days at most.")
    )


def host_choices(committee: Committee, year: int, group_ids: set[int] | None) -> tuple[
    list[tuple[Any, Any]], dict[str, list[int]]
]:  # fmt: skip
    """The lead units of the year's groups, under each group's name, and which units lead
    which group (for the page's script that shows the chosen group's only). One query."""
    rows = (
        GroupMembership.objects.filter(committee=committee, year=year, is_lead=True)
        .select_related("group_year__group", "unit")
        .order_by("group_year__group__number", "unit__sort_order", "unit_id")
    )
    if group_ids is not None:
        rows = rows.filter(group_year__group_id__in=group_ids)
    grouped: dict[str, list[tuple[int, str]]] = {}
    leads: dict[str, list[int]] = {}
    for m in rows:
        group = m.group_year.group
        grouped.setdefault(group.name, []).append((m.unit_id, m.unit.name))
        leads.setdefault(str(group.pk), []).append(m.unit_id)
    choices: list[tuple[Any, Any]] = [("", "---------")]
    choices += [(name, units) for name, units in grouped.items()]
    return choices, leads


class _HostMixin:
    """The host: any unit id is read (so that a unit that is not a lead unit is refused
    by the action with its reason), shown as the year's lead units."""

    committee: Committee
    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def _host_field(self, year: int, group_ids: set[int] | None) -> None:
        choices, leads = host_choices(self.committee, year, group_ids)
        self.host_leads = leads
        self.fields["host"] = forms.IntegerField(
            label=_("Host unit"),
            help_text=_("One of the group's lead units of that year."),
            widget=forms.Select(choices=choices, attrs={"data-host-select": ""}),
            error_messages={
                "required": _("Choose the host: one of the group's lead units of that year."),
                "invalid": _("Choose the host from the list."),
            },
        )

    def clean_host(self) -> Unit:
        unit = Unit.objects.filter(committee=self.committee, pk=self.cleaned_data["host"]).first()
        if unit is None:
            raise ValidationError(_("Choose the host from the list."), code="invalid")
        return unit


class PlanForm(_HostMixin, forms.Form):
    """Plan a meeting: the group and work year, the host, the time and place."""

    group = forms.ModelChoiceField(
        label=_("Group"),
        queryset=Group.objects.none(),
        error_messages={
            "required": _("Choose the group that meets."),
            "invalid_choice": _("Choose the group from the list."),
        },
    )
    year = forms.IntegerField(
        label=_("Work year"),
        min_value=EARLIEST_YEAR,
        max_value=LATEST_YEAR,
        error_messages={
            "required": _("Enter the work year, for example 2026."),
            "invalid": _("Enter the work year as four digits, for example 2026."),
            "min_value": _("Enter a work year from 2000 to 2100."),
            "max_value": _("Enter a work year from 2000 to 2100."),
        },
    )
    title = _title()
    place = _place()
    plan_notes = _text(
        _("Plan notes"),
        required=False,
        rows=4,
        help_text=_("What the meeting is for and what the member units prepare, as the plan (会议方案) says."),
    )  # fmt: skip

    field_order = ["group", "year", "host", "title", "starts_at", "ends_at", "place", "plan_notes"]

    def __init__(self, *args: Any, committee: Committee, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.committee, self.user = committee, user
        groups = Group.objects.filter(committee=committee).order_by("number")
        group_ids: set[int] | None = None
        if not access.is_office(user):
            led = scope_of(user).lead_group_year_ids
            group_ids = set(GroupYear.objects.filter(pk__in=led).values_list("group_id", flat=True))
            groups = groups.filter(pk__in=group_ids)
        cast("forms.ModelChoiceField[Any]", self.fields["group"]).queryset = groups
        self.fields["year"].widget.attrs.update({"min": EARLIEST_YEAR, "max": LATEST_YEAR})
        year = self._year()
        self._host_field(year, group_ids)
        _times(self)
        self.order_fields(self.field_order)

    def _year(self) -> int:
        raw = self.data.get("year") if self.is_bound else self.initial.get("year")
        try:
            year = int(str(raw))
        except (TypeError, ValueError):
            return current_year()
        return year if EARLIEST_YEAR <= year <= LATEST_YEAR else current_year()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        group, year = data.get("group"), data.get("year")
        data["group_year"] = None
        if group is None or year is None:
            return data
        found = GroupYear.objects.filter(committee=self.committee, group=group, year=year).first()
        if found is None:
            self.add_error(
                "year",
                _(
                    "%(group)s has no work year %(year)s yet: its member units and lead units for that year are set up under Organisation first."
                )
                % {"group": group.name, "year": year},
            )
        elif not access.manages_group_year(self.user, found.pk):
            self.add_error(
                "year",
                _(
                    "You plan the meetings of %(group)s only in the year your unit leads it; %(year)s is not that year."
                )
                % {"group": group.name, "year": year},
            )
        else:
            data["group_year"] = found
        return data


class EditForm(_HostMixin, forms.Form):
    """Change a meeting's plan before its notice goes out."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    title = _title()
    place = _place()
    plan_notes = PlanForm.base_fields["plan_notes"]

    field_order = ["version", "host", "title", "starts_at", "ends_at", "place", "plan_notes"]

    def __init__(self, *args: Any, meeting: JointMeeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.committee = meeting.committee
        self.meeting = meeting
        self._host_field(meeting.year, {meeting.group_id})
        _times(self)
        self.order_fields(self.field_order)


class MoveForm(forms.Form):
    """Move a meeting whose notice went out: a new time or place, and the reason."""

    starts_at = DateTimeLocalField(label=_("Starts at"))
    ends_at = DateTimeLocalField(label=_("Ends at"))
    place = _place()
    reason = _text(
        _("Reason for the change"),
        rows=2,
        max_length=2000,
        required_message=_("Say why the time or place changes: everyone invited is told the reason."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_move_%s")
        super().__init__(*args, **kwargs)


class NoticeForm(forms.Form):
    """The notice: its text, the date by which units answer, and the confirmation."""

    notice_text = _text(
        _("Text of the notice"),
        rows=6,
        required_message=_("Write the text of the notice: what the units prepare."),
    )
    reply_by = DateField(label=_("Units answer by"))
    confirm = forms.BooleanField(
        label=_("Send the notice to every member unit and the liaison leader now. It cannot be taken back."),
        error_messages={"required": _("Tick the box to confirm: the notice cannot be taken back.")},
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_notice_%s")
        super().__init__(*args, **kwargs)


class CancelForm(forms.Form):
    reason = _text(
        _("Reason for cancelling"),
        rows=2,
        max_length=2000,
        required_message=_("Say why the meeting is cancelled: everyone invited is told the reason."),
    )  # fmt: skip
    confirm = forms.BooleanField(
        label=_("Cancel this meeting for good and tell everyone invited."),
        error_messages={"required": _("Tick the box to confirm: a cancelled meeting cannot be restored.")},
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_cancel_%s")
        super().__init__(*args, **kwargs)


class TopicChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A topic named with its agenda kind."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title}（{obj.get_kind_display()}）"


class AgendaAddForm(forms.Form):
    topic = TopicChoiceField(
        label=_("Topic to put on the agenda"),
        queryset=Topic.objects.none(),
        error_messages={
            "required": _("Choose the topic to put on the agenda."),
            "invalid_choice": _(
                "Choose one of the accepted topics in the list; that one cannot go on this agenda."
            ),
        },
    )

    def __init__(self, *args: Any, topics: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_agenda_%s")
        super().__init__(*args, **kwargs)
        cast(TopicChoiceField, self.fields["topic"]).queryset = topics


class AgendaItemForm(forms.Form):
    """One agenda topic's place, who reports on what and the materials to prepare."""

    order = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        max_value=999,
        error_messages={
            "required": _("Enter a whole number from 0 to 999."),
            "invalid": _("Enter a whole number from 0 to 999."),
            "min_value": _("Enter a whole number from 0 to 999."),
            "max_value": _("Enter a whole number from 0 to 999."),
        },
    )
    reporter_unit = forms.TypedChoiceField(
        label=_("Reporting unit"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose a member unit of the group from the list.")},
    )
    reporter_note = forms.CharField(
        label=_("Who reports on what"),
        max_length=300,
        required=False,
        error_messages={"max_length": _("Keep it to 300 characters at most.")},
    )
    materials_note = forms.CharField(
        label=_("Materials to prepare"),
        max_length=300,
        required=False,
        error_messages={"max_length": _("Keep it to 300 characters at most.")},
    )

    def __init__(self, *args: Any, item: AgendaItem, members: list[Unit], **kwargs: Any) -> None:
        """``members``: the group year's member units, read once for every item's form."""
        kwargs.setdefault("auto_id", f"id_item{item.pk}_%s")
        kwargs.setdefault("prefix", f"item{item.pk}")
        super().__init__(*args, **kwargs)
        self.members = {u.pk: u for u in members}
        cast(forms.TypedChoiceField, self.fields["reporter_unit"]).choices = [
            ("", "---------"),
            *((u.pk, u.name) for u in members),
        ]

    def clean_reporter_unit(self) -> Unit | None:
        value = self.cleaned_data.get("reporter_unit")
        return self.members.get(value) if value is not None else None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked again when it is kept."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_FILES:
            raise ValidationError(
                _("Add at most %(count)s files at once; put the others in a zip or a PDF.")
                % {"count": MAX_FILES},
                code="too_many",
            )
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class FilesForm(forms.Form):
    attachments = MultipleFileField(
        label=_("Add files"),
        help_text=_("The plan, materials and reports the units read before the meeting."),
        error_messages={"required": _("Choose at least one file to add.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_files_%s")
        super().__init__(*args, **kwargs)


class MeetingFilterForm(forms.Form):
    year = forms.IntegerField(
        label=_("Work year"), required=False, min_value=EARLIEST_YEAR, max_value=LATEST_YEAR
    )
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=Group.objects.none(), required=False, empty_label=_("All")
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, committee: Committee, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[Any]", self.fields["group"])
        field.queryset = Group.objects.filter(committee=committee).order_by("number")
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("All")),
            *JointMeeting.Status.choices,
        ]
