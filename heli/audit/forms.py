"""The auditor's search form, shared by the list and the exports."""

from __future__ import annotations

import datetime
import ipaddress
import re
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heli.audit import events, names
from heli.audit.models import AuditEvent
from heli.lib.forms import DateField

_ADDRESS_PART = re.compile(r"^[0-9A-Fa-f:.]+$")


def object_types() -> list[tuple[str, str]]:
    """Every kind of record Heli keeps: the code rows store (``org.unit``) and its name
    in words ("单位"), in the language of the request."""
    return list(names.kind_names().items())


def event_choices() -> list[tuple[str, str]]:
    return [("", _("All events")), *events.LABELS.items()]  # type: ignore[list-item]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d", attrs={"class": "form-control form-control-sm"})


class AuditFilterForm(forms.Form):
    date_from = DateField(label=_("From"), required=False, widget=DateInput())
    date_to = DateField(label=_("To"), required=False, widget=DateInput())
    username = forms.CharField(label=_("User"), required=False, max_length=150)
    event = forms.ChoiceField(label=_("Event"), required=False)
    result = forms.ChoiceField(label=_("Result"), required=False)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    source_ip = forms.CharField(
        label=_("Source address"),
        required=False,
        max_length=45,
        error_messages={"max_length": _("An address has at most 45 characters.")},
    )
    q = forms.CharField(label=_("Object"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = event_choices()  # type: ignore[attr-defined]
        self.fields["result"].choices = [  # type: ignore[attr-defined]
            ("", _("All results")),
            *AuditEvent.Result.choices,
        ]
        # Named in words and grouped by area: people do not read model labels.
        self.fields["object_type"].choices = [  # type: ignore[attr-defined]
            ("", _("All object types")),
            *names.kind_choices(),
        ]
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                field.widget.attrs.setdefault("class", "form-control form-control-sm")
            field.widget.attrs.setdefault("id", f"id_{name}")

    def clean_source_ip(self) -> str:
        value: str = self.cleaned_data["source_ip"].strip()
        if value and not _ADDRESS_PART.match(value):
            raise forms.ValidationError(
                _("Enter an address such as 10.1.2.3, or its beginning such as 10.1.")
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error(
                "date_to", _("The end date is before the start date. Swap them or change one.")
            )
        return data

    def filter(self, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """``queryset`` narrowed by the valid filters (all of them, or none if invalid)."""
        if not self.is_bound or not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["date_from"]:
            queryset = queryset.filter(created_at__gte=_start_of(data["date_from"]))
        if data["date_to"]:
            end = data["date_to"] + datetime.timedelta(days=1)
            queryset = queryset.filter(created_at__lt=_start_of(end))
        if data["username"]:
            queryset = queryset.filter(username__icontains=data["username"].strip())
        if data["event"]:
            queryset = queryset.filter(event=data["event"])
        if data["result"]:
            queryset = queryset.filter(result=data["result"])
        if data["object_type"]:
            queryset = queryset.filter(object_type=data["object_type"])
        if data["source_ip"]:
            queryset = queryset.filter(_address_filter(data["source_ip"]))
        if data["q"]:
            queryset = queryset.filter(object_repr__icontains=data["q"].strip())
        return queryset

    def as_detail(self) -> dict[str, str]:
        """The filters in use, for the export's own audit row."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "")}


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _address_filter(value: str) -> Q:
    """A whole address matches exactly; a beginning such as ``10.1.`` matches a range."""
    try:
        return Q(source_ip=str(ipaddress.ip_address(value)))
    except ValueError:
        return Q(source_ip__startswith=value)
