"""The joint meeting settings page: the yearly rule and the committee's meeting settings.

Who may change them: the joint-meeting office and the committee's leaders
(``access.edits_settings``); anyone else who signs in gets a 403. Every change is one
transaction and one audit row (``settings.changed``) with the values before and after.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from heli.accounts.models import User
from heli.accounts.policy import Action
from heli.audit.actions import record_denial
from heli.lib.forms import bootstrap
from heli.lib.http import AuthedRequest
from heli.lib.rule_settings import save_rule_and_settings
from heli.meetings.access import edits_settings
from heli.meetings.models import MeetingSettings
from heli.org.models import Committee

# The ranges each setting may take, checked by the form.
RULE_RANGE = (1, 12)
NOTICE_RANGE = (1, 60)
CONFIRM_RANGE = (1, 30)
MINUTES_RANGE = (1, 90)
GAP_RANGE = (0, 180)


def _range_text(low: int, high: int) -> str:
    return _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}


# Translated when shown, in the language of the request (not when the module loads).
_range_message = lazy(_range_text, str)


def _whole(low: int, high: int, label: Any, help_text: Any) -> forms.IntegerField:
    message = _range_message(low, high)
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        error_messages={
            "required": message,
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
    )


class MeetingSettingsForm(forms.Form):
    min_meetings_per_year = _whole(
        *RULE_RANGE,
        gettext_lazy("Meetings per group per year"),
        gettext_lazy("A group meets the rule (green) once it has held this many meetings in the year."),
    )  # fmt: skip
    notice_lead_days = _whole(
        *NOTICE_RANGE,
        gettext_lazy("Days of notice"),
        gettext_lazy("A meeting's notice usually goes out this many days before it; the compliance view plans ahead with it."),
    )  # fmt: skip
    confirm_reminder_days = _whole(
        *CONFIRM_RANGE,
        gettext_lazy("Days before an unanswered notice is chased"),
        gettext_lazy("Member units that have not answered a notice are reminded this many days after it went out."),
    )  # fmt: skip
    minutes_reminder_days = _whole(
        *MINUTES_RANGE,
        gettext_lazy("Days before minutes not approved are chased"),
        gettext_lazy("The lead units and the office are reminded of minutes not approved this many days after the meeting."),
    )  # fmt: skip
    min_gap_days = _whole(
        *GAP_RANGE,
        gettext_lazy("Days between two meetings of a group"),
        gettext_lazy("The least time between two meetings of one group, used to look ahead at the rule."),
    )  # fmt: skip
    issuer = forms.CharField(
        label=gettext_lazy("Issuing body"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Printed at the head of notices and minutes; the committee's name when empty."),
        error_messages={"max_length": gettext_lazy("The issuing body is at most 100 characters.")},
    )  # fmt: skip

    def clean_issuer(self) -> str:
        return str(self.cleaned_data["issuer"]).strip()


SETTING_FIELDS = (
    "notice_lead_days",
    "confirm_reminder_days",
    "minutes_reminder_days",
    "min_gap_days",
    "issuer",
)


def current_values(committee: Committee, found: MeetingSettings) -> dict[str, Any]:
    return {
        "min_meetings_per_year": committee.min_meetings_per_year,
        **{name: getattr(found, name) for name in SETTING_FIELDS},
    }


def update_settings(
    actor: User,
    committee: Committee,
    values: dict[str, Any],
    *,
    request: HttpRequest | None = None,
) -> bool:
    """Save the rule and the meeting settings; audited. Whether anything changed."""
    return save_rule_and_settings(
        actor,
        committee,
        values,
        model=MeetingSettings,
        made=MeetingSettings.of,
        rule_field="min_meetings_per_year",
        fields=SETTING_FIELDS,
        current=current_values,
        setting="meetings",
        request=request,
    )


@require_http_methods(["GET", "POST"])
def meeting_settings(request: AuthedRequest) -> HttpResponse:
    if not edits_settings(request.user):
        record_denial(Action.CHANGE, request=request, model=MeetingSettings)
        raise PermissionDenied
    committee = request.committee
    found = MeetingSettings.of(committee)
    if request.method == "POST":
        form = MeetingSettingsForm(request.POST)
        if form.is_valid():
            if update_settings(request.user, committee, form.cleaned_data, request=request):
                messages.success(request, _("The joint meeting settings were saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("meetings:settings")
    else:
        form = MeetingSettingsForm(initial=current_values(committee, found))
    return render(
        request,
        "meetings/settings_form.html",
        {"form": bootstrap(form), "updated_at": found.updated_at},
        status=400 if form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("settings/", meeting_settings, name="settings"),
]
