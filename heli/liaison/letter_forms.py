"""Forms of the letter pages: sending a letter, answering one, replacing the template."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from heli.liaison.models import Subject
from heli.lib.dates import current_year
from heli.lib.forms import DateField
from heli.org.models import Committee, GroupMembership, GroupYear, Unit

# How many files one letter or answer may carry.
MAX_FILES = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked again when it is kept."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        if len(cleaned) > MAX_FILES:
            raise forms.ValidationError(
                _("Attach at most %(count)s files; put the others in a zip or a PDF.")
                % {"count": MAX_FILES}
            )
        return [f for f in cleaned if f]


def _units_messages() -> dict[str, Any]:
    return {
        "invalid_choice": _(
            "Choose the units from the list: %(value)s is not a unit of this committee that "
            "exists now."
        ),
        "invalid_pk_value": _(
            "Choose the units from the list: %(pk)s is not a unit of this committee that "
            "exists now."
        ),
    }


class LetterForm(forms.Form):
    """Send a letter: to units ticked one by one or a group at a time."""

    title = forms.CharField(label=_("Title of the letter"), max_length=200)
    body = forms.CharField(
        label=_("Text of the letter"),
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": _("Write the text of the letter.")},
    )
    subjects = forms.MultipleChoiceField(
        label=_("Subjects"),
        choices=Subject.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one of the five subjects the letter covers."),
            "invalid_choice": _("Tick the subjects from the list."),
        },
    )
    date = DateField(label=_("Date of the letter"))
    answer_by = DateField(
        label=_("Answer by"),
        required=False,
        help_text=_("Leave empty when the units need not answer in writing."),
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("Whole groups"),
        queryset=GroupYear.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Choose the groups from the list."),
            "invalid_pk_value": _("Choose the groups from the list."),
        },
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=_units_messages(),
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: Any, committee: Committee, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year = current_year()
        first, last = datetime.date(self.year, 1, 1), datetime.date(self.year, 12, 31)
        date_field = cast(DateField, self.fields["date"])
        date_field.earliest, date_field.latest = first, last
        date_field.widget.attrs.update({"min": first.isoformat(), "max": last.isoformat()})
        answer_field = cast(DateField, self.fields["answer_by"])
        answer_field.earliest = first
        answer_field.latest = datetime.date(self.year + 1, 12, 31)
        answer_field.widget.attrs.update({"min": first.isoformat()})
        units = Unit.objects.filter(committee=committee, status=Unit.Status.ACTIVE).order_by(
            "sort_order", "id"
        )
        cast("forms.ModelMultipleChoiceField[Any]", self.fields["units"]).queryset = units
        groups = (
            GroupYear.objects.filter(committee=committee, year=self.year)
            .select_related("group")
            .order_by("group__number")
        )
        groups_field = cast("forms.ModelMultipleChoiceField[Any]", self.fields["groups"])
        groups_field.queryset = groups
        self.committee = committee

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        units = list(data.get("units") or [])
        groups = list(data.get("groups") or [])
        if groups:
            members = Unit.objects.filter(
                pk__in=GroupMembership.objects.filter(
                    committee=self.committee, group_year__in=groups
                ).values("unit_id"),
                status=Unit.Status.ACTIVE,
            ).order_by("sort_order", "id")
            have = {u.pk for u in units}
            units += [u for u in members if u.pk not in have]
        if not units and "units" not in self.errors and "groups" not in self.errors:
            self.add_error("units", _("Choose at least one unit to send the letter to."))
        data["all_units"] = units
        date, answer_by = data.get("date"), data.get("answer_by")
        if date and answer_by and answer_by < date:
            self.add_error("answer_by", _("The answer date cannot be before the letter's date."))
        return data


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Answer"),
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Write the answer: what your unit has done or thinks about the letter.")
        },
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_answer_%s")
        super().__init__(*args, **kwargs)


class TemplateForm(forms.Form):
    file = forms.FileField(
        label=_("Letter template (.docx)"),
        error_messages={"required": _("Choose the Word file (.docx) of the template.")},
    )
