"""Forms of the organisation registry pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from heli.org.models import Group, GroupYear, Unit


class UnitFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=50)
    group = forms.ModelChoiceField(label=_("Group"), queryset=Group.objects.none(), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("order", _("Standard order")),
            ("name", _("Name, A to Z")),
            ("-name", _("Name, Z to A")),
            ("status", _("Status")),
        ],
    )

    def __init__(self, *args: Any, groups: list[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_field = cast(forms.ModelChoiceField, self.fields["group"])
        group_field.queryset = Group.objects.filter(pk__in=[g.pk for g in groups])
        group_field.empty_label = _("All groups")
        status_field = cast(forms.ChoiceField, self.fields["status"])
        status_field.choices = [("", _("All statuses")), *Unit.Status.choices]


class YearForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        error_messages={"invalid": _("Enter the year as four digits, for example 2026.")},
    )

    def __init__(self, *args: Any, years: list[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if years is not None:
            self.fields["year"].widget = forms.Select(choices=[(y, y) for y in years])


class LeadOverrideForm(forms.Form):
    """Replace one proposed lead unit of a group year by another member, with a reason."""

    replaced = forms.ModelChoiceField(
        label=_("Replace lead unit"),
        queryset=Unit.objects.none(),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    chosen = forms.ModelChoiceField(
        label=_("with member unit"),
        queryset=Unit.objects.none(),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
        error_messages={"required": _("Please give the reason for changing the lead unit.")},
    )

    def __init__(self, *args: Any, group_year: GroupYear, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = getattr(group_year, "members", None)
        if members is None:
            members = list(group_year.memberships.select_related("unit"))
        replaced = cast(forms.ModelChoiceField, self.fields["replaced"])
        chosen = cast(forms.ModelChoiceField, self.fields["chosen"])
        lead_ids = [m.unit_id for m in members if m.is_lead]
        other_ids = [m.unit_id for m in members if not m.is_lead]
        replaced.queryset = Unit.objects.filter(pk__in=lead_ids).order_by("sort_order", "id")
        chosen.queryset = Unit.objects.filter(pk__in=other_ids).order_by("sort_order", "id")
        # Render choices without a query per form: the members are already loaded.
        replaced.choices = [("", "---------")] + [
            (m.unit_id, m.unit.name) for m in members if m.is_lead
        ]
        chosen.choices = [("", "---------")] + [
            (m.unit_id, m.unit.name) for m in members if not m.is_lead
        ]
