"""Forms of the task pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from heli.org.models import Committee, Department, Unit
from heli.tracking.models import Task
from heli.tracking.workflow import Status

DATE_ERRORS = {"invalid": _("Enter the date as YYYY-MM-DD, for example 2026-11-26.")}


def _date_field(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages=DATE_ERRORS,
        **kwargs,
    )


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
    lead_unit = forms.ModelChoiceField(label=_("Lead unit"), queryset=Unit.objects.none())
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("Cooperating units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    department = forms.ModelChoiceField(
        label=_("Supervising department"), queryset=Department.objects.none()
    )
    assigned_at = _date_field(_("Assigned on"))
    deadline = _date_field(_("Deadline"))
    priority = forms.ChoiceField(label=_("Priority"), choices=Task.Priority.choices)
    parent = forms.ModelChoiceField(
        label=_("Parent task"),
        queryset=Task.objects.none(),
        required=False,
        help_text=_("Leave empty for a top-level task. Tasks have two levels at most."),
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
        task: Task | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(committee=committee, status=Unit.Status.ACTIVE).order_by(
            "sort_order", "id"
        )
        cast("forms.ModelChoiceField[Any]", self.fields["lead_unit"]).queryset = units
        cast(
            "forms.ModelMultipleChoiceField[Any]", self.fields["cooperating_units"]
        ).queryset = units
        cast("forms.ModelChoiceField[Any]", self.fields["department"]).queryset = departments
        # Sub-tasks stay choosable so that picking one gets the two-levels message.
        parents = Task.objects.filter(committee=committee).open_work()
        if task is not None:
            parents = parents.exclude(pk=task.pk)
        cast("forms.ModelChoiceField[Any]", self.fields["parent"]).queryset = parents.order_by(
            "-year", "id"
        )


class TaskFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, units: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("All statuses")),
            *Status.choices,
        ]
        unit_field = cast("forms.ModelChoiceField[Any]", self.fields["unit"])
        unit_field.queryset = units
        unit_field.empty_label = _("All units")
        department_field = cast("forms.ModelChoiceField[Any]", self.fields["department"])
        department_field.queryset = departments
        department_field.empty_label = _("All departments")


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


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtensionForm(forms.Form):
    requested_deadline = _date_field(_("New deadline"))
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Please give the reason for the extension.")},
    )
