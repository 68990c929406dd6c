"""The shared-practice page (互相学习) and sharing a meeting with all groups.

* ``meetings:shared`` lists the meetings shared in a work year (the current one unless
  another or every year is chosen), by group or by agenda kind, each with what others
  may learn from it, its agenda topics and their outcomes, its decisions and its files —
  in a fixed number of queries, whatever the number of meetings.
* ``meetings:share`` is the page that shares a meeting (its manager writes what others
  may learn) and, once shared, stops sharing it with a reason (``meetings:unshare``).

Meetings are fetched through the policy: one the person may not see is a 404 (and
recorded); one they see but may not share is a 403.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heli.accounts.policy import Action, can, scope_of, visible
from heli.audit.actions import record_denial
from heli.files.models import Attachment
from heli.lib.dates import current_year
from heli.lib.forms import bootstrap
from heli.lib.http import AuthedRequest
from heli.meetings import sharing
from heli.meetings.models import AgendaItem, AgendaKind, Decision, JointMeeting
from heli.meetings.views_common import forbid, form_step, visible_or_deny
from heli.org.models import Group, GroupYear

ALL_YEARS = "all"
BY_GROUP = "group"
BY_KIND = "kind"
MEETING_LABEL = JointMeeting._meta.label_lower
ITEM_LABEL = AgendaItem._meta.label_lower


# --- Forms ----------------------------------------------------------------------------------


class ShareForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What others may learn"),
        max_length=sharing.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "The practice, method or result the other groups may copy; they read it first."
        ),
        error_messages={
            "required": gettext_lazy(
                "Say what the other groups may learn from this meeting: a practice, a method "
                "or a result worth copying."
            ),
            "max_length": gettext_lazy("The note is at most %(limit_value)d characters."),
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class UnshareForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why it is no longer shared"),
        max_length=sharing.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": gettext_lazy(
                "Say why the meeting is no longer shared; the reason is kept in the audit log."
            ),
            "max_length": gettext_lazy("The reason is at most %(limit_value)d characters."),
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SharedFilterForm(forms.Form):
    year = forms.ChoiceField(label=gettext_lazy("Work year"), required=False)
    group = forms.ChoiceField(label=gettext_lazy("Group"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Agenda kind"), required=False)
    by = forms.ChoiceField(
        label=gettext_lazy("Arranged by"),
        required=False,
        choices=[(BY_GROUP, gettext_lazy("Group")), (BY_KIND, gettext_lazy("Agenda kind"))],
    )

    def __init__(self, data: Any, *, years: list[int], groups: list[Group]) -> None:
        super().__init__(data)
        year_field: Any = self.fields["year"]
        year_field.choices = [(ALL_YEARS, _("All years"))] + [(str(y), str(y)) for y in years]
        group_field: Any = self.fields["group"]
        group_field.choices = [("", _("All groups"))] + [(str(g.pk), g.name) for g in groups]
        kind_field: Any = self.fields["kind"]
        kind_field.choices = [("", _("All kinds")), *AgendaKind.choices]
        for name in self.fields:
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"


# --- Fetching -------------------------------------------------------------------------------


def get_meeting_for_user(request: AuthedRequest, pk: int) -> JointMeeting:
    return visible_or_deny(request, JointMeeting, pk, "group", "host", "shared_by")


def _require_sharer(request: AuthedRequest, meeting: JointMeeting) -> None:
    if not sharing.may_share(request.user, meeting):
        forbid(request, meeting)


# --- The shared-practice page ---------------------------------------------------------------


@dataclass
class SharedEntry:
    meeting: JointMeeting
    items: list[AgendaItem]
    decisions: list[Decision]
    files: list[Attachment]
    kinds: list[str]


@dataclass
class Section:
    key: str
    label: str
    entries: list[SharedEntry] = field(default_factory=list)


def _years(committee_id: int) -> list[int]:
    years = set(GroupYear.objects.filter(committee_id=committee_id).values_list("year", flat=True))
    years.add(current_year())
    return sorted(years, reverse=True)


def _entries(user: Any, meetings: list[JointMeeting]) -> list[SharedEntry]:
    """Each meeting with its agenda, decisions and files (two queries for the files and
    the decisions, whatever the number of meetings; the agenda came prefetched)."""
    ids = [m.pk for m in meetings]
    item_ids = [i.pk for m in meetings for i in m.agenda.all()]
    files: dict[tuple[str, int], list[Attachment]] = defaultdict(list)
    if ids:
        rows = (
            visible(user, Attachment)
            .filter(
                Q(record_type=MEETING_LABEL, record_id__in=ids)
                | Q(record_type=ITEM_LABEL, record_id__in=item_ids)
            )
            .order_by("created_at", "id")
        )
        for row in rows:
            if row.record_id is not None:
                files[(row.record_type, row.record_id)].append(row)
    decisions: dict[int, list[Decision]] = defaultdict(list)
    if ids:
        for decision in (
            Decision.objects.filter(meeting_id__in=ids)
            .select_related("group", "lead_unit")
            .order_by("serial")
        ):
            decisions[decision.meeting_id].append(decision)
    entries = []
    for m in meetings:
        items = list(m.agenda.all())
        own = list(files[(MEETING_LABEL, m.pk)])
        for item in items:
            own.extend(files[(ITEM_LABEL, item.pk)])
        kinds = list(dict.fromkeys(i.topic.kind for i in items))
        entries.append(SharedEntry(m, items, decisions[m.pk], own, kinds))
    return entries


def _sections(entries: list[SharedEntry], by: str, kind: str) -> list[Section]:
    sections: dict[str, Section] = {}
    if by == BY_KIND:
        labels = dict(AgendaKind.choices)
        for code in AgendaKind.values:
            if kind and code != kind:
                continue
            sections[code] = Section(code, str(labels[code]))
        for entry in entries:
            for code in entry.kinds:
                if code in sections:
                    # Under a kind, the meeting's topics of that kind.
                    items = [i for i in entry.items if i.topic.kind == code]
                    sections[code].entries.append(replace(entry, items=items))
    else:
        for entry in sorted(entries, key=lambda e: (e.meeting.group.number, e.meeting.starts_at)):
            group = entry.meeting.group
            key = str(group.pk)
            sections.setdefault(key, Section(key, group.name)).entries.append(entry)
    return [s for s in sections.values() if s.entries]


@require_GET
def shared(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW, JointMeeting):
        record_denial(Action.VIEW, request=request, model=JointMeeting)
        raise PermissionDenied
    committee_id = scope_of(request.user).committee_id
    if committee_id is None:
        raise PermissionDenied
    groups = list(Group.objects.filter(committee_id=committee_id).order_by("number"))
    years = _years(committee_id)
    data = request.GET.copy()
    data.setdefault("year", str(current_year()))
    data.setdefault("by", BY_GROUP)
    form = SharedFilterForm(data, years=years, groups=groups)
    if form.is_valid():
        chosen = form.cleaned_data
    else:
        # A value that is not offered is left out; the rest still filters.
        chosen = {
            name: (form.cleaned_data.get(name) if name not in form.errors else "")
            for name in ("year", "group", "kind", "by")
        }
        if "year" in form.errors:
            chosen["year"] = str(current_year())
    year, group, kind = chosen.get("year") or "", chosen.get("group") or "", chosen.get("kind")
    by = chosen.get("by") or BY_GROUP
    qs = visible(request.user, JointMeeting).filter(shared_at__isnull=False)
    if year and year != ALL_YEARS:
        qs = qs.filter(year=int(year))
    if group:
        qs = qs.filter(group_id=int(group))
    if kind:
        qs = qs.filter(pk__in=AgendaItem.objects.filter(topic__kind=kind).values("meeting_id"))
    meetings = list(
        qs.select_related("group", "host", "shared_by")
        .prefetch_related(
            Prefetch(
                "agenda",
                queryset=AgendaItem.objects.select_related("topic", "reporter_unit").order_by(
                    "order", "id"
                ),
            )
        )
        .order_by("-year", "group__number", "starts_at", "id")
    )
    entries = _entries(request.user, meetings)
    return render(
        request,
        "meetings/shared.html",
        {
            "form": form,
            "sections": _sections(entries, by, kind or ""),
            "count": len(entries),
            "by": by,
            "year": year,
            "all_years": year == ALL_YEARS,
            "kind_labels": dict(AgendaKind.choices),
        },
    )


# --- Sharing one meeting --------------------------------------------------------------------


def _share_page(
    request: AuthedRequest,
    meeting: JointMeeting,
    *,
    share_form: ShareForm | None = None,
    unshare_form: UnshareForm | None = None,
    status: int = 200,
) -> HttpResponse:
    share_form = share_form or ShareForm(
        initial={"note": meeting.shared_note, "version": meeting.version}
    )
    unshare_form = unshare_form or UnshareForm(initial={"version": meeting.version})
    return render(
        request,
        "meetings/share.html",
        {
            "meeting": meeting,
            "share_form": bootstrap(share_form),
            "unshare_form": bootstrap(unshare_form),
            "can_be_shared": sharing.can_be_shared(meeting),
            "told": len(sharing.recipients(meeting)),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def share(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request, pk)
    _require_sharer(request, meeting)
    if request.method != "POST":
        return _share_page(request, meeting)
    form = ShareForm(request.POST)
    if form.is_valid():
        done = form_step(
            request,
            form,
            lambda: sharing.share_meeting(
                meeting,
                request.user,
                form.cleaned_data["note"],
                version=form.cleaned_data.get("version"),
                request=request,
            ),
            _("The meeting is now shared with all groups."),
            meeting.get_absolute_url(),
        )
        if done is not None:
            return done
    return _share_page(request, meeting, share_form=form, status=400)


@require_POST
def unshare(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request, pk)
    _require_sharer(request, meeting)
    form = UnshareForm(request.POST)
    if form.is_valid():
        done = form_step(
            request,
            form,
            lambda: sharing.unshare_meeting(
                meeting,
                request.user,
                form.cleaned_data["reason"],
                version=form.cleaned_data.get("version"),
                request=request,
            ),
            _("The meeting is no longer shared with the other groups."),
            meeting.get_absolute_url(),
        )
        if done is not None:
            return done
    return _share_page(request, meeting, unshare_form=form, status=400)


def share_url(meeting: JointMeeting) -> str:
    return reverse("meetings:share", args=[meeting.pk])


urlpatterns: list[URLPattern] = [
    path("shared/", shared, name="shared"),
    path("<int:pk>/share/", share, name="share"),
    path("<int:pk>/unshare/", unshare, name="unshare"),
]
