"""Forms of the topic pages: proposing a topic, the office's decisions, the filters.

Whatever a form refuses comes back with what was typed and the message next to the field
(the proposal's files must be chosen again: browsers keep no chosen file). The choices
of the office's forms (the topic to merge into, the meeting) are ids checked by the
actions, so that a wrong choice is refused with a message that says what is wrong with
it, not only that it is not in a list.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heli.meetings.models import AgendaKind, Topic
from heli.meetings.topics import (
    DESCRIPTION_MAX,
    REASON_MAX,
    TITLE_MAX,
    Origin,
    OriginNotFound,
    Proposer,
    find_origin,
)
from heli.org.models import Committee, Group

YEAR_ERRORS = {
    "invalid": gettext_lazy("Enter the work year as four digits, for example 2026."),
    "required": gettext_lazy("Choose the work year of the topic."),
    "min_value": gettext_lazy("Choose a work year from 2000 to 2100."),
    "max_value": gettext_lazy("Choose a work year from 2000 to 2100."),
}
REASON_ERRORS = {
    "required": gettext_lazy("Say why the topic is returned: its proposer reads it."),
    "max_length": gettext_lazy("Keep it to 2,000 characters at most."),
}
CONFIRM_ERRORS = {"required": gettext_lazy("Tick the box to confirm: this cannot be undone.")}
# What the queue's status filter shows when nothing is chosen: what waits for the office.
WAITING = "waiting"
ALL = "all"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked when it is kept (heli.files)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class TopicForm(forms.Form):
    proposer = forms.ChoiceField(
        label=gettext_lazy("Proposed by"),
        error_messages={
            "required": gettext_lazy("Choose in whose name you propose the topic."),
            "invalid_choice": gettext_lazy("Choose in whose name you propose the topic."),
        },
    )
    year = forms.IntegerField(
        label=gettext_lazy("Work year"), min_value=2000, max_value=2100, error_messages=YEAR_ERRORS
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Agenda kind"),
        choices=AgendaKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose which of the five kinds of business the topic is."),
            "invalid_choice": gettext_lazy(
                "Choose which of the five kinds of business the topic is."
            ),
        },
    )
    title = forms.CharField(
        label=gettext_lazy("Title of the topic"),
        max_length=TITLE_MAX,
        error_messages={
            "required": gettext_lazy("Give the topic a title."),
            "max_length": gettext_lazy("Keep the title to 200 characters at most."),
        },
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "What the meeting should discuss and why; what the units should prepare."
        ),
        error_messages={
            "required": gettext_lazy(
                "Describe the topic: what the meeting should discuss, and why."
            ),
            "max_length": gettext_lazy("Keep the description to 5,000 characters at most."),
        },
    )
    group = forms.ModelChoiceField(
        label=gettext_lazy("For group"),
        queryset=Group.objects.none(),
        required=False,
        help_text=gettext_lazy("Leave it empty when the topic suits every group."),
        error_messages={"invalid_choice": gettext_lazy("Choose the group from the list.")},
    )
    attachments = MultipleFileField(
        label=gettext_lazy("Files"),
        required=False,
        help_text=gettext_lazy("Background material, drafts: PDF, OFD, Word, Excel or pictures."),
    )
    origin = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        committee: Committee,
        user: Any,
        options: list[Proposer],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "id_%s")
        super().__init__(*args, **kwargs)
        self.user = user
        self.options = {p.code: p for p in options}
        self.found_origin: Origin | None = None
        self.fields["proposer"].choices = [  # type: ignore[attr-defined]
            (p.code, p.label) for p in options
        ]
        group = cast("forms.ModelChoiceField[Any]", self.fields["group"])
        group.queryset = Group.objects.filter(committee=committee).order_by("number")
        group.empty_label = _("Any group")
        self.fields["kind"].widget.attrs["class"] = "form-check-input"

    @property
    def single_proposer(self) -> Proposer | None:
        """The one name the person may propose in, when there is no choice to make."""
        return next(iter(self.options.values())) if len(self.options) == 1 else None

    def clean_title(self) -> str:
        return str(self.cleaned_data.get("title") or "").strip()

    def clean_origin(self) -> str:
        value = str(self.cleaned_data.get("origin") or "").strip()
        if not value:
            return ""
        try:
            self.found_origin = find_origin(self.user, value)
        except OriginNotFound as missing:
            raise forms.ValidationError(
                _(
                    "The contact this topic is proposed from cannot be found, or is not open "
                    "to you. Send the form again to propose the topic without it."
                )
            ) from missing
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = data.get("proposer")
        data["proposer_as"] = self.options.get(code) if isinstance(code, str) else None
        return data


def _version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, required=False)


class AcceptForm(forms.Form):
    version = _version_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_accept_%s")
        super().__init__(*args, **kwargs)


class ReturnForm(forms.Form):
    version = _version_field()
    reason = forms.CharField(
        label=gettext_lazy("Reason for returning"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=REASON_ERRORS,
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I return this topic for good: it will not be put on an agenda."),
        error_messages=CONFIRM_ERRORS,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_return_%s")
        super().__init__(*args, **kwargs)


class MergeForm(forms.Form):
    version = _version_field()
    into = forms.IntegerField(
        label=gettext_lazy("Merge into"),
        min_value=1,
        error_messages={
            "required": gettext_lazy("Choose the topic to merge this one into."),
            "invalid": gettext_lazy("Choose the topic to merge this one into from the list."),
            "min_value": gettext_lazy("Choose the topic to merge this one into from the list."),
        },
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I merge this topic for good: its proposers will follow the chosen topic."
        ),
        error_messages=CONFIRM_ERRORS,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_merge_%s")
        super().__init__(*args, **kwargs)


class ScheduleForm(forms.Form):
    version = _version_field()
    meeting = forms.IntegerField(
        label=gettext_lazy("Meeting"),
        min_value=1,
        widget=forms.Select,
        error_messages={
            "required": gettext_lazy("Choose the meeting whose agenda takes the topic."),
            "invalid": gettext_lazy("Choose the meeting from the list."),
            "min_value": gettext_lazy("Choose the meeting from the list."),
        },
    )

    def __init__(self, *args: Any, meetings: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_schedule_%s")
        super().__init__(*args, **kwargs)
        widget = cast(forms.Select, self.fields["meeting"].widget)
        widget.choices = [("", "—"), *meetings]


class TopicFilterForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"), required=False, min_value=2000, max_value=2100
    )
    kind = forms.ChoiceField(label=gettext_lazy("Agenda kind"), required=False)
    group = forms.ModelChoiceField(
        label=gettext_lazy("Group"), queryset=Group.objects.none(), required=False
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    q = forms.CharField(label=gettext_lazy("Title contains"), required=False, max_length=100)
    mine = forms.BooleanField(label=gettext_lazy("Only my topics"), required=False)

    def __init__(
        self, *args: Any, committee: Committee, queue: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.queue = queue
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            ("", _("All kinds")),
            *AgendaKind.choices,
        ]
        statuses: list[tuple[str, Any]] = list(Topic.Status.choices)
        if queue:
            statuses = [(WAITING, _("Waiting for the office")), *statuses, (ALL, _("All statuses"))]
            del self.fields["mine"]
        else:
            statuses = [("", _("All statuses")), *statuses]
        self.fields["status"].choices = statuses  # type: ignore[attr-defined]
        group = cast("forms.ModelChoiceField[Any]", self.fields["group"])
        group.queryset = Group.objects.filter(committee=committee).order_by("number")
        group.empty_label = _("All groups")
        for name in ("kind", "group", "status"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
