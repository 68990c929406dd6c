"""The liaison settings page: the yearly rule and the committee's liaison settings.

Who may change them: the committee's leaders and the staff of the Organization Department
(the department that hosts the joint-meeting office and keeps the liaison ledger). Other
committee people read the values on the coverage board; everyone else gets a 404. Every
change is one transaction and one audit row (``settings.changed``) with the values
before and after.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from heli.accounts.models import User
from heli.accounts.policy import Action
from heli.audit.actions import deny
from heli.liaison.access import edits_settings
from heli.liaison.coverage import settings_for
from heli.liaison.models import LiaisonSettings
from heli.lib.forms import bootstrap
from heli.lib.http import AuthedRequest
from heli.lib.rule_settings import save_rule_and_settings
from heli.org.models import Committee

# The ranges each setting may take, checked by the form.
RULE_RANGE = (1, 12)
WARN_RANGE = (1, 180)
LETTER_REMINDER_RANGE = (1, 60)


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


class LiaisonSettingsForm(forms.Form):
    min_contacts_per_year = _whole(
        *RULE_RANGE,
        gettext_lazy("Contacts per unit per year"),
        gettext_lazy("A unit is covered (green) once it has had this many contacts in the year."),
    )
    warn_days = _whole(
        *WARN_RANGE,
        gettext_lazy("Days left before a unit turns amber"),
        gettext_lazy(
            "A unit not yet covered turns amber when fewer than this many days of the year "
            "are left; its group's liaison leader and the Organization Department are "
            "reminded then."
        ),
    )
    letter_reminder_days = _whole(
        *LETTER_REMINDER_RANGE,
        gettext_lazy("Days before a letter is chased"),
        gettext_lazy(
            "Units are reminded of a letter not signed for or not answered after this many days."
        ),
    )
    letter_prefix = forms.CharField(
        label=gettext_lazy("Letter number prefix"),
        max_length=20,
        help_text=gettext_lazy(
            "Letters are numbered <prefix>〔<year>〕<serial>号, for example 京直工函〔2026〕12号."
        ),
        error_messages={
            "required": gettext_lazy(
                "Enter the prefix of the letters' document numbers, for example 京直工函."
            ),
            "max_length": gettext_lazy("The prefix is at most 20 characters."),
        },
    )
    issuer = forms.CharField(
        label=gettext_lazy("Issuing body"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Printed in red at the head of a letter and as its signature; the committee's name when empty."),
        error_messages={"max_length": gettext_lazy("The issuing body is at most 100 characters.")},
    )  # fmt: skip

    def clean_letter_prefix(self) -> str:
        value = str(self.cleaned_data["letter_prefix"]).strip()
        if any(ch in value for ch in "〔〕[]号 "):
            raise forms.ValidationError(
                _("Enter the prefix only, without the year's brackets or 号, for example 京直工函.")
            )
        return value

    def clean_issuer(self) -> str:
        return str(self.cleaned_data["issuer"]).strip()


SETTING_FIELDS = ("warn_days", "letter_reminder_days", "letter_prefix", "issuer")


def current_values(committee: Committee, found: LiaisonSettings) -> dict[str, Any]:
    return {
        "min_contacts_per_year": committee.min_contacts_per_year,
        **{name: getattr(found, name) for name in SETTING_FIELDS},
    }


def update_settings(
    actor: User,
    committee: Committee,
    values: dict[str, Any],
    *,
    request: HttpRequest | None = None,
) -> bool:
    """Save the rule and the liaison settings; audited. Whether anything changed."""
    return save_rule_and_settings(
        actor,
        committee,
        values,
        model=LiaisonSettings,
        made=settings_for,
        rule_field="min_contacts_per_year",
        fields=SETTING_FIELDS,
        current=current_values,
        setting="liaison",
        request=request,
    )


@require_http_methods(["GET", "POST"])
def liaison_settings(request: AuthedRequest) -> HttpResponse:
    if not edits_settings(request.user):
        deny(Action.CHANGE, request=request, model=LiaisonSettings)
    committee = request.committee
    found = settings_for(committee)
    if request.method == "POST":
        form = LiaisonSettingsForm(request.POST)
        if form.is_valid():
            if update_settings(request.user, committee, form.cleaned_data, request=request):
                messages.success(request, _("The liaison settings were saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("liaison:settings")
    else:
        form = LiaisonSettingsForm(initial=current_values(committee, found))
    return render(
        request,
        "liaison/settings_form.html",
        {"form": bootstrap(form), "settings": found, "updated_at": found.updated_at},
    )


urlpatterns: list[URLPattern] = [
    path("settings/", liaison_settings, name="settings"),
]
