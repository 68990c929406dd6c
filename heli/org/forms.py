"""Forms of the organisation registry pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from heli.accounts.models import Role, User
from heli.lib.forms import DateField
from heli.org.models import Group, GroupYear, OrganPartyOrg, Unit


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


class VersionedForm(forms.Form):
    """A form that carries the version of the record it edits (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class UnitForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    short_name = forms.CharField(label=_("Short name"), max_length=50, required=False)
    code = forms.CharField(label=_("Code"), max_length=30, required=False)
    leading_body = forms.ChoiceField(label=_("Leading body"), choices=Unit.LeadingBody.choices)
    sort_order = forms.IntegerField(label=_("Sort order"), min_value=0, max_value=999999)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class NewUnitForm(UnitForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PartyOrgForm(VersionedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganPartyOrg.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=150)
    secretary = forms.ModelChoiceField(
        label=_("Secretary"), queryset=User.objects.none(), required=False
    )
    member_count = forms.IntegerField(
        label=_("Party members"), min_value=0, max_value=1000000, required=False
    )
    branch_count = forms.IntegerField(
        label=_("Party branches"), min_value=0, max_value=10000, required=False
    )

    def __init__(self, *args: Any, unit: Unit, names_secretary: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["secretary"])
        field.queryset = User.objects.filter(
            role_assignments__unit=unit, role_assignments__role=Role.UNIT_SECRETARY
        ).distinct()
        field.empty_label = _("Not recorded")
        if not names_secretary:
            # Shown, not changed: the posted value is ignored for a disabled field.
            field.disabled = True
            field.help_text = _("Chosen by the joint-meeting office or the unit itself.")


class EndUnitForm(VersionedForm):
    status = forms.ChoiceField(
        label=_("What happened"),
        choices=[
            (Unit.Status.MERGED, _("Merged into another unit")),
            (Unit.Status.ABOLISHED, _("Abolished")),
        ],
        widget=forms.RadioSelect,
    )
    date = DateField(label=_("Date"))
    successor = forms.ModelChoiceField(
        label=_("Successor unit"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_(
            "Required for a merger; for an abolition, the unit that takes over its work, if any."
        ),
    )
    confirm = forms.BooleanField(
        label=_("I understand that this cannot be undone; the unit's history stays readable."),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["successor"])
        field.queryset = Unit.objects.filter(
            committee_id=unit.committee_id, status=Unit.Status.ACTIVE
        ).exclude(pk=unit.pk)
