"""Forms of the task pages."""

from __future__ import annotations

from typing import Any, NamedTuple, cast

from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from heli.lib.dates import format_date
from heli.lib.forms import DateField
from heli.lib.widgets import QuickSelect
from heli.org.models import Committee, Department, Unit
from heli.tracking.actions import reason_required
from heli.tracking.models import Task
from heli.tracking.pickers import parent_candidates
from heli.tracking.workflow import NEEDS_CONFIRMATION, NEEDS_REASON, Status, Step


class TaskForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    basis = forms.CharField(
        label=_("Basis"),
        max_length=200,
        required=False,
        help_text=_("For example: 2026 key points of party building in organs."),
    )
    # Every active unit of the committee: drawn without a template per option.
    lead_unit = forms.ModelChoiceField(
        label=_("Lead unit"), queryset=Unit.objects.none(), widget=QuickSelect
    )
    # Drawn as a checklist that filters as one types and ticks a group at a time
    # (heli.tracking.pickers); the field checks what is sent.
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("Cooperating units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _(
                "Choose the cooperating units from the list: %(value)s is not a unit of "
                "this committee that exists now."
            ),
            "invalid_pk_value": _(
                "Choose the cooperating units from the list: %(pk)s is not a unit of "
                "this committee that exists now."
            ),
        },
    )
    department = forms.ModelChoiceField(
        label=_("Supervising department"), queryset=Department.objects.none()
    )
    assigned_at = DateField(label=_("Assigned on"))
    deadline = DateField(label=_("Deadline"))
    priority = forms.ChoiceField(label=_("Priority"), choices=Task.Priority.choices)
    # Found by searching (heli.tracking.pickers), which fills in this hidden field.
    parent = forms.ModelChoiceField(
        label=_("Parent task"),
        queryset=Task.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        help_text=_("Leave empty for a top-level task. Tasks have two levels at most."),
        error_messages={
            "invalid_choice": _(
                "That task cannot be chosen as the parent: it is not an open task you can "
                "see. Search again."
            )
        },
    )
    weight = forms.IntegerField(
        label=_("Weight in the parent's progress"),
        required=False,
        min_value=1,
        max_value=1000,
        help_text=_("Optional. Sub-tasks without a weight count once."),
    )

    def __init__(
        self,
        *args: Any,
        committee: Committee,
        departments: Any,
        user: Any,
        task: Task | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if task is not None:
            # Once assigned, the deadline moves only by a recorded decision with a reason
            # (an approved extension, or "set a new deadline" on the task's page).
            del self.fields["deadline"]
            self.fields["assigned_at"].help_text = _(
                "The deadline (%(date)s) is changed on the task's page, with “Set a new "
                "deadline” and the reason, so that the history shows the change."
            ) % {"date": format_date(task.deadline)}
        units = Unit.objects.filter(committee=committee, status=Unit.Status.ACTIVE).order_by(
            "sort_order", "id"
        )
        lead_unit = cast("forms.ModelChoiceField[Any]", self.fields["lead_unit"])
        lead_unit.queryset = units
        # Drawn from (id, name) pairs; the queryset still checks the unit sent.
        lead_unit.choices = [("", lead_unit.empty_label), *units.values_list("pk", "name")]
        cast(
            "forms.ModelMultipleChoiceField[Any]", self.fields["cooperating_units"]
        ).queryset = units
        cast("forms.ModelChoiceField[Any]", self.fields["department"]).queryset = departments
        # The open tasks the person sees; sub-tasks stay choosable so that picking one
        # gets the two-levels message.
        parents = parent_candidates(user, task.pk if task is not None else None)
        cast("forms.ModelChoiceField[Any]", self.fields["parent"]).queryset = parents.filter(
            committee=committee
        )


# The most units a search of the unit box shows; more asks for more of the name.
UNIT_MATCHES = 30
MAX_UNIT_QUERY = 100
MORE_UNITS = _("More units match: type more of the name.")


class UnitMatches(NamedTuple):
    units: list[tuple[int, str]]
    more: bool


def unit_matches(units: Any, typed: str) -> UnitMatches:
    """The units of ``units`` whose name or short name holds every word of ``typed``,
    in the committee's order, the first :data:`UNIT_MATCHES` of them. One query (none
    when nothing is typed)."""
    words = typed.split()[:5]
    if not words:
        return UnitMatches([], False)
    found = units
    for word in words:
        found = found.filter(Q(name__icontains=word) | Q(short_name__icontains=word))
    rows = list(found.order_by("sort_order", "id").values_list("pk", "name")[: UNIT_MATCHES + 1])
    return UnitMatches(rows[:UNIT_MATCHES], len(rows) > UNIT_MATCHES)


def unit_choice_list(
    empty_label: str, chosen: tuple[int, str] | None, found: UnitMatches
) -> list[tuple[Any, Any]]:
    """The unit select's options: every unit, the chosen one, then the matches."""
    options: list[tuple[Any, Any]] = [("", empty_label)]
    if chosen is not None and chosen[0] not in {pk for pk, _name in found.units}:
        options.append(chosen)
    return [*options, *found.units]


class TaskFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    # A committee has a thousand units: they are found by typing (the box sends
    # ``unit_q``), and the select holds the chosen unit and those that match.
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        widget=QuickSelect(
            attrs={"class": "form-select form-select-sm"},
            search_url=reverse_lazy("tracking:unit_options"),
            search_name="unit_q",
            search_label=_("Find a unit by its name"),
            search_attrs={
                "class": "form-control form-control-sm mb-1",
                "placeholder": _("Type part of a unit's name"),
                "maxlength": MAX_UNIT_QUERY,
            },
        ),
    )
    unit_q = forms.CharField(required=False, max_length=MAX_UNIT_QUERY, strip=True)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, units: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A withdrawn task is on no list, so it is no status to filter by.
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("All statuses")),
            *((v, label) for v, label in Status.choices if v != Status.WITHDRAWN),
        ]
        unit_field = cast("forms.ModelChoiceField[Any]", self.fields["unit"])
        unit_field.queryset = units
        unit_field.empty_label = _("All units")
        self._units = units
        self._matches: UnitMatches | None = None
        # The options are found when the select is drawn, after the form is cleaned:
        # the chosen unit (read once, by the field's check) and what the box matched.
        unit_field.choices = self._unit_choices
        department_field = cast("forms.ModelChoiceField[Any]", self.fields["department"])
        department_field.queryset = departments
        department_field.empty_label = _("All departments")

    def _typed(self) -> str:
        return str(self.data.get("unit_q") or "").strip()[:MAX_UNIT_QUERY] if self.is_bound else ""

    def matches(self) -> UnitMatches:
        """The units whose name holds every word typed in the unit box (one query, once)."""
        if self._matches is None:
            self._matches = unit_matches(self._units, self._typed())
        return self._matches

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Typed without choosing (no script, or Enter at once): one unit that matches is
        # the one meant; several stay to be chosen from the select.
        if not data.get("unit") and self._typed():
            found = self.matches()
            if len(found.units) == 1 and not found.more:
                pk, name = found.units[0]
                data["unit"] = self._units.model(pk=pk, name=name)
                # Shown chosen, and carried by the list's pages and its export.
                changed = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
                changed["unit"] = str(pk)
                self.data = changed
        # The box finds units; it filters no task (nor is it a filter of the export).
        data["unit_q"] = ""
        return data

    def _unit_choices(self) -> list[tuple[Any, Any]]:
        unit_field = cast("forms.ModelChoiceField[Any]", self.fields["unit"])
        widget = cast(QuickSelect, unit_field.widget)
        cleaned = getattr(self, "cleaned_data", {})
        chosen = cleaned.get("unit")
        found = self.matches() if self._typed() else UnitMatches([], False)
        widget.search_value = self._typed()
        widget.more = str(MORE_UNITS) if found.more else ""
        return unit_choice_list(
            str(unit_field.empty_label), (chosen.pk, chosen.name) if chosen else None, found
        )


class ReportForm(forms.Form):
    text = forms.CharField(
        label=_("How the work is going"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please describe how the work is going.")},
    )
    # Bounds are checked by the action, so the message is the same from every caller.
    percent = forms.IntegerField(
        label=_("Progress (%)"),
        required=False,
        error_messages={
            "invalid": _("The progress must be a whole number from 0 to 100 (per cent).")
        },
    )
    file = forms.FileField(label=_("Attachment"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_report_%s")
        super().__init__(*args, **kwargs)


# How the text of each step that takes one is labelled, and what its refusal says.
REASON_LABELS: dict[Step, Any] = {
    Step.REPORT_DONE: _("Completion summary"),
    Step.RETURN: _("Reason for returning"),
    Step.KEEP_FOLLOWING: _("Why it cannot be solved yet"),
    Step.CLOSE: _("Closing comment (optional)"),
    Step.WITHDRAW: _("Reason for withdrawing"),
    Step.APPROVE_EXTENSION: _("Comment (optional)"),
    Step.REFUSE_EXTENSION: _("Reason for refusing"),
}
CONFIRM_LABELS: dict[Step, Any] = {
    Step.CLOSE: _("I have verified the work and close the task for good."),
    Step.WITHDRAW: _("I withdraw this task for good: it was assigned by mistake."),
}


class StepForm(forms.Form):
    """One step on a task's page: its reason (when it takes one) and, for a step that
    cannot be undone, a box to tick. Each step's fields have ids of their own."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, step: Step, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{step.value}_%s")
        super().__init__(*args, **kwargs)
        self.step = step
        if step in REASON_LABELS:
            required = step in NEEDS_REASON
            self.fields["reason"] = forms.CharField(
                label=REASON_LABELS[step],
                required=required,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3 if step is Step.REPORT_DONE else 2}),
                error_messages={
                    "required": reason_required(step),
                    "max_length": _("Keep it to 2,000 characters at most."),
                },
            )
        if step in NEEDS_CONFIRMATION:
            self.fields["confirm"] = forms.BooleanField(
                label=CONFIRM_LABELS[step],
                error_messages={"required": _("Tick the box to confirm: this cannot be undone.")},
            )


class ExtensionForm(forms.Form):
    requested_deadline = DateField(label=_("New deadline"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Please give the reason for the extension."),
            "max_length": _("Keep it to 2,000 characters at most."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_extension_%s")
        super().__init__(*args, **kwargs)


class DeadlineForm(forms.Form):
    """The supervising department sets a new deadline itself, saying why."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    deadline = DateField(label=_("New deadline"))
    reason = forms.CharField(
        label=_("Reason for the new deadline"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Please give the reason for changing the deadline."),
            "max_length": _("Keep it to 2,000 characters at most."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_deadline_%s")
        super().__init__(*args, **kwargs)
