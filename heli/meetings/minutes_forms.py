"""Forms of the minutes pages: the minutes (summary and each topic's outcome), approving
them, and recording or correcting a decision.

The decision form's cooperating units are ticked from the battle map's checklist (it
narrows as one types, ticks a whole group of the year, shows the chosen units as chips;
:mod:`heli.tracking.pickers`), the lead unit chosen from a :class:`QuickSelect` with the
meeting's member units first. Its deadline is checked with the battle map's own rule:
not before today, at most the horizon's years after.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heli.lib.dates import format_date
from heli.lib.forms import DateField
from heli.lib.http import AuthedRequest
from heli.lib.widgets import QuickSelect
from heli.meetings.minutes import MAX_OUTCOME_TEXT, MAX_SUMMARY, OutcomeEntry
from heli.meetings.models import AgendaItem, JointMeeting
from heli.org.models import Department, Unit
from heli.tracking.actions import horizon_years, latest_deadline
from heli.tracking.pickers import (
    MAX_QUERY,
    Pickers,
    UnitChoice,
    groups_of,
)

Outcome = AgendaItem.Outcome


class MinutesForm(forms.Form):
    """The summary, and for each topic on the agenda its outcome and what the minutes say."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    summary = forms.CharField(
        label=gettext_lazy("Summary of the minutes"),
        required=False,
        max_length=MAX_SUMMARY,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "What the meeting did: who chaired and attended, what was studied and agreed. "
            "Each topic's outcome is recorded below."
        ),
        error_messages={
            "max_length": gettext_lazy("Keep the summary to %(limit_value)s characters at most.")
        },
    )

    def __init__(self, *args: Any, items: Sequence[AgendaItem], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_minutes_%s")
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"outcome_{item.pk}"] = forms.ChoiceField(
                label=_("Outcome of “%(topic)s”") % {"topic": item.topic.title},
                choices=Outcome.choices,
                required=False,
                error_messages={
                    "invalid_choice": gettext_lazy("Choose the outcome from the list.")
                },
            )
            self.fields[f"text_{item.pk}"] = forms.CharField(
                label=_("What the minutes say of “%(topic)s”") % {"topic": item.topic.title},
                required=False,
                max_length=MAX_OUTCOME_TEXT,
                widget=forms.Textarea(attrs={"rows": 3}),
                error_messages={
                    "max_length": gettext_lazy("Keep it to %(limit_value)s characters at most.")
                },
            )

    def rows(self) -> list[tuple[AgendaItem, forms.BoundField, forms.BoundField]]:
        return [(i, self[f"outcome_{i.pk}"], self[f"text_{i.pk}"]) for i in self.items]

    def outcomes(self) -> dict[int, OutcomeEntry]:
        data = self.cleaned_data
        return {
            i.pk: OutcomeEntry(data.get(f"outcome_{i.pk}") or "", data.get(f"text_{i.pk}") or "")
            for i in self.items
        }


def minutes_initial(meeting: JointMeeting, items: Sequence[AgendaItem]) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": meeting.version, "summary": meeting.minutes}
    for item in items:
        initial[f"outcome_{item.pk}"] = item.outcome
        initial[f"text_{item.pk}"] = item.outcome_text
    return initial


class ApproveForm(forms.Form):
    """Approving the minutes cannot be undone: a box to tick first."""

    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I have read the minutes. Approve them: they are locked, topics not reached "
            "carry over, and the member units are told. This cannot be undone."
        ),
        error_messages={
            "required": gettext_lazy("Tick the box to confirm: this cannot be undone.")
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_approve_%s")
        super().__init__(*args, **kwargs)


if TYPE_CHECKING:
    _ChoiceField = forms.ModelChoiceField[AgendaItem]
else:
    _ChoiceField = forms.ModelChoiceField


class AgendaChoiceField(_ChoiceField):
    """A topic of the meeting's agenda, named by its title."""

    def label_from_instance(self, obj: AgendaItem) -> str:
        return obj.topic.title


def _agenda_field(items: QuerySet[AgendaItem]) -> AgendaChoiceField:
    return AgendaChoiceField(
        label=gettext_lazy("Agenda topic"),
        queryset=items,
        required=False,
        empty_label=gettext_lazy("— not tied to one topic —"),
        error_messages={
            "invalid_choice": gettext_lazy("Choose a topic on this meeting's agenda, or none.")
        },
    )


class DecisionEditForm(forms.Form):
    """The wording of a decision, correctable while the minutes are written."""

    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        error_messages={
            "required": gettext_lazy("Give the decision a title: what is to be done."),
            "max_length": gettext_lazy("Keep the title to 200 characters at most."),
        },
    )
    content = forms.CharField(
        label=gettext_lazy("Decision"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": gettext_lazy("Write the decision as the minutes record it."),
            "max_length": gettext_lazy("Keep the decision to 5,000 characters at most."),
        },
    )

    def __init__(self, *args: Any, meeting: JointMeeting, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_decision_%s")
        super().__init__(*args, **kwargs)
        items = AgendaItem.objects.filter(meeting=meeting).select_related("topic")
        self.fields["agenda_item"] = _agenda_field(items.order_by("order", "id"))
        self.order_fields(["agenda_item", "title", "content"])


class DecisionForm(DecisionEditForm):
    """A new decision: what, who leads, who cooperates, who supervises, by when."""

    lead_unit = forms.ModelChoiceField(
        label=gettext_lazy("Lead unit"),
        queryset=Unit.objects.none(),
        widget=QuickSelect,
        error_messages={
            "required": gettext_lazy("Choose the unit that leads the work."),
            "invalid_choice": gettext_lazy(
                "Choose the lead unit from the list: a current unit of this committee."
            ),
        },
    )
    cooperating_units = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Cooperating units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": gettext_lazy(
                "Choose the cooperating units from the list: %(value)s is not a unit of "
                "this committee that exists now."
            ),
            "invalid_pk_value": gettext_lazy(
                "Choose the cooperating units from the list: %(pk)s is not a unit of "
                "this committee that exists now."
            ),
        },
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Supervising department"),
        queryset=Department.objects.none(),
        error_messages={
            "required": gettext_lazy("Choose the department that supervises the task."),
            "invalid_choice": gettext_lazy("Choose one of the committee's departments."),
        },
    )
    deadline = DateField(label=gettext_lazy("Deadline"))

    def __init__(
        self, *args: Any, meeting: JointMeeting, member_unit_ids: set[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, meeting=meeting, **kwargs)
        units = Unit.objects.filter(
            committee_id=meeting.committee_id, status=Unit.Status.ACTIVE
        ).order_by("sort_order", "id")
        lead = cast("forms.ModelChoiceField[Any]", self.fields["lead_unit"])
        lead.queryset = units
        # The group's own units first: a decision is most often theirs to carry out.
        rows = list(units.values_list("pk", "name"))
        members = [r for r in rows if r[0] in member_unit_ids]
        others = [r for r in rows if r[0] not in member_unit_ids]
        lead.choices = [("", lead.empty_label), *members, *others]
        cast(
            "forms.ModelMultipleChoiceField[Any]", self.fields["cooperating_units"]
        ).queryset = units
        cast(
            "forms.ModelChoiceField[Any]", self.fields["department"]
        ).queryset = Department.objects.filter(committee_id=meeting.committee_id).order_by(
            "sort_order", "id"
        )
        today = timezone.localdate()
        self.fields["deadline"].help_text = _(
            "From today to %(date)s at the latest (%(years)s years)."
        ) % {"date": format_date(latest_deadline(today)), "years": horizon_years()}
        self.fields["deadline"].widget.attrs.update(
            min=today.isoformat(), max=latest_deadline(today).isoformat()
        )
        self.order_fields(
            [
                "agenda_item",
                "title",
                "content",
                "lead_unit",
                "cooperating_units",
                "department",
                "deadline",
            ]
        )

    def clean_deadline(self) -> datetime.date:
        deadline: datetime.date = self.cleaned_data["deadline"]
        today = timezone.localdate()
        if deadline < today:
            raise forms.ValidationError(
                _("The deadline cannot be before today (%(date)s): the task is assigned today.")
                % {"date": format_date(today)}
            )
        latest = latest_deadline(today)
        if deadline > latest:
            raise forms.ValidationError(
                _(
                    "The deadline can be at most %(years)s years away: %(date)s at the latest. "
                    "Split a longer matter into yearly tasks."
                )
                % {"years": horizon_years(), "date": format_date(latest)}
            )
        return deadline

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lead, cooperating = data.get("lead_unit"), data.get("cooperating_units")
        if lead is not None and cooperating and any(u.pk == lead.pk for u in cooperating):
            self.add_error(
                "cooperating_units", _("The lead unit cannot also be a cooperating unit.")
            )
        return data


def _ids(values: Any) -> set[int]:
    found = set()
    for value in values or []:
        try:
            found.add(int(getattr(value, "pk", value)))
        except (TypeError, ValueError):
            continue
    return found


def unit_picker(
    request: AuthedRequest, form: DecisionForm, meeting: JointMeeting, *, error: str = ""
) -> Pickers:
    """The cooperating units' checklist as the form holds it: ticked as sent (or as the
    initial values), narrowed by the words typed, with the groups of the meeting's year.
    Two queries, whatever the size of the committee."""
    typed = request.POST if request.method == "POST" else QueryDict()
    coop_q = typed.get("coop_q", "").strip()[:MAX_QUERY]
    terms = [t.lower() for t in coop_q.split()[:5]]
    checked = _ids(form["cooperating_units"].value())
    rows = (
        Unit.objects.filter(committee_id=meeting.committee_id, status=Unit.Status.ACTIVE)
        .order_by("sort_order", "id")
        .values_list("pk", "name", "short_name")
    )
    units = []
    for pk, name, short_name in rows:
        short = short_name if short_name != name else ""
        text = f"{name} {short}".lower()
        hidden = not all(term in text for term in terms)
        units.append(UnitChoice(pk, name, short, pk in checked, hidden))
    return Pickers(
        parent=None,
        parent_q="",
        parent_results=None,
        parent_more=False,
        parent_error="",
        units=units,
        chosen_units=[u for u in units if u.checked],
        coop_q=coop_q,
        coop_error=error,
        groups=groups_of(request.committee, meeting.year),
        year=meeting.year,
        exclude=None,
    )
