"""The forms of the replies to a notice and of the host's sign-in sheet.

They check what a person types and say what is missing next to the field; the actions in
:mod:`heli.meetings.attendance` check it again (and decide whether it is allowed now).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from heli.meetings.attendance import ANSWERS, MARKS
from heli.meetings.models import Attendance

Reply = Attendance.Reply


class ReplyForm(forms.Form):
    """A unit's (or the liaison leader's) answer to the notice."""

    reply = forms.ChoiceField(
        label=_("Answer"),
        choices=[(value, Reply(value).label) for value in ANSWERS],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={
            "required": _("Choose an answer: attending, sending a substitute, or asking for leave.")
        },
    )
    substitute_name = forms.CharField(
        label=_("Substitute's name"),
        max_length=50,
        required=False,
        help_text=_("Only when sending a substitute."),
    )
    substitute_post = forms.CharField(
        label=_("Substitute's post"),
        max_length=100,
        required=False,
        help_text=_("For example 机关党委副书记."),
    )
    reply_note = forms.CharField(
        label=_("Reason for leave, or a note"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when asking for leave."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reply = data.get("reply")
        if reply == Reply.SUBSTITUTE:
            if not (data.get("substitute_name") or "").strip():
                self.add_error(
                    "substitute_name", _("Give the name of the person who attends instead.")
                )
            if not (data.get("substitute_post") or "").strip():
                self.add_error(
                    "substitute_post", _("Give the substitute's post, for example 机关党委副书记.")
                )
        if reply == Reply.LEAVE and not (data.get("reply_note") or "").strip():
            self.add_error("reply_note", _("Give the reason for asking for leave."))
        return data


class PresenceForm(forms.Form):
    """One tap of the sign-in sheet: a seat's mark, with the note leave needs."""

    seat = forms.IntegerField(widget=forms.HiddenInput)
    presence = forms.ChoiceField(
        label=_("Sign-in"),
        choices=[("", _("Clear the mark"))]
        + [(value, Attendance.Presence(value).label) for value in MARKS],
        required=False,
    )
    note = forms.CharField(
        label=_("Reason for leave, or the substitute's name"),
        max_length=300,
        required=False,
    )
