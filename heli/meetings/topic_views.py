"""The topic pages: proposing a topic, the office's queue and its decisions, the list of
topics and each topic's page.

Topics are found through the policy (``visible``): another's topic a person may not see,
a forged id and, for the three administrators, every topic are a 404. Who may act is
the meeting area's access module's word: a page or a step the person may not use is a
403. A refused proposal comes back with everything typed and the message next to the
field; a refused decision comes back on the topic's page, next to its own button.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Model, QuerySet, Value, When
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heli.accounts.policy import Action, can, visible, visible_ids
from heli.audit import events
from heli.files.actions import CheckedUpload
from heli.files.refusals import UploadRefused
from heli.lib.dates import current_year
from heli.lib.forms import SAME_CONTENT_MINUTES, Created, bootstrap, create_once
from heli.lib.http import AuthedRequest
from heli.lib.idempotency import new_token
from heli.meetings import topics
from heli.meetings.access import is_office, proposes
from heli.meetings.models import AgendaItem, JointMeeting, Topic
from heli.meetings.topic_forms import (
    ALL,
    WAITING,
    AcceptForm,
    MergeForm,
    ReturnForm,
    ScheduleForm,
    TopicFilterForm,
    TopicForm,
)
from heli.meetings.views_common import checked_upload, forbid, form_step, visible_or_404

S = Topic.Status
TOPICS_PER_PAGE = 30
# How many topics the merge form offers at once; more words narrow the search.
MERGE_CHOICES = 10


def get_topic_for_user(user: Any, pk: int) -> Topic:
    return visible_or_404(
        user,
        Topic,
        pk,
        "proposed_by",
        "proposer_department",
        "proposer_unit",
        "group",
        "merged_into",
        "carried_from",
        "decided_by",
    )


def _forbid(request: AuthedRequest, obj: Model | None = None) -> None:
    """Refuse a page or a step this person may not use: recorded, then a 403."""
    forbid(request, obj, model=None if obj else Topic)


def _require_office(request: AuthedRequest, obj: Model | None = None) -> None:
    if not is_office(request.user):
        _forbid(request, obj)


def _meeting_url(pk: int) -> str:
    return reverse("meetings:meeting_detail", args=[pk])


# --- Lists ----------------------------------------------------------------------------------


def _rows_query(qs: QuerySet[Topic]) -> QuerySet[Topic]:
    return qs.select_related(
        "proposed_by", "proposer_department", "proposer_unit", "group", "carried_from"
    )


def filtered_topics(
    request: AuthedRequest, *, queue: bool
) -> tuple[TopicFilterForm, QuerySet[Topic]]:
    data = request.GET.copy()
    data.pop("page", None)
    if queue and not data.get("status"):
        data["status"] = WAITING
    if not queue and not request.GET and proposes(request.user):
        data["mine"] = "on"
    form = TopicFilterForm(data, committee=request.committee, queue=queue)
    found: QuerySet[Topic] = visible(request.user, Topic)
    if not form.is_valid():
        return form, found.none()
    f = form.cleaned_data
    if f["year"]:
        found = found.filter(year=f["year"])
    if f["kind"]:
        found = found.filter(kind=f["kind"])
    if f["group"] is not None:
        found = found.filter(group=f["group"])
    status = f["status"]
    if status == WAITING:
        found = found.filter(status__in=topics.DECIDABLE)
    elif status and status != ALL:
        found = found.filter(status=status)
    if f["q"]:
        for word in f["q"].split()[:5]:
            found = found.filter(title__icontains=word)
    if not queue and f.get("mine"):
        found = found.filter(topics.mine_q(request.user))
    if queue:
        # What waits first: proposals, then accepted topics not yet on an agenda (the
        # oldest first: they have waited longest).
        rank = Case(
            When(status=S.PROPOSED, then=Value(0)),
            When(status=S.ACCEPTED, then=Value(1)),
            When(status=S.SCHEDULED, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
        found = found.annotate(rank=rank).order_by("rank", "created_at", "id")
    else:
        found = found.order_by("-created_at", "-id")
    return form, _rows_query(found)


def _with_details(rows: list[Topic]) -> list[Topic]:
    """Each row's proposer and how many topics were merged into it (one query a page)."""
    counts = dict(
        Topic.objects.filter(merged_into_id__in=[t.pk for t in rows])
        .values("merged_into_id")
        .annotate(n=Count("id"))
        .values_list("merged_into_id", "n")
    )
    for topic in rows:
        topic.proposer_label = topics.proposer_label(topic)  # type: ignore[attr-defined]
        topic.merged_count = counts.get(topic.pk, 0)  # type: ignore[attr-defined]
    return rows


def _listing(request: AuthedRequest, *, queue: bool) -> dict[str, Any]:
    form, rows = filtered_topics(request, queue=queue)
    page = Paginator(rows, TOPICS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _with_details(list(page.object_list))
    query = QueryDict(mutable=True)
    sent: QueryDict = form.data  # type: ignore[assignment]
    for key in sent:
        if key != "page":
            query.setlist(key, sent.getlist(key))
    return {"form": form, "page": page, "query": query.urlencode(), "queue": queue}


@require_GET
def topic_list(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW, Topic):
        _forbid(request)
    context = _listing(request, queue=False)
    context["can_propose"] = proposes(request.user)
    context["is_office"] = is_office(request.user)
    return render(request, "meetings/topic_list.html", context)


@require_GET
def topic_queue(request: AuthedRequest) -> HttpResponse:
    _require_office(request)
    context = _listing(request, queue=True)
    context["accept_form"] = AcceptForm()
    return render(request, "meetings/topic_queue.html", context)


# --- Proposing ------------------------------------------------------------------------------


def _checked_files(request: AuthedRequest, files: list[Any]) -> list[CheckedUpload]:
    """Every file checked before anything is written; one refused refuses them all."""
    checked: list[CheckedUpload] = []
    try:
        for f in files:
            checked.append(checked_upload(request, f))
    except UploadRefused as refused:
        for c in checked:
            c.discard()
        raise ValidationError({"attachments": refused.messages}) from refused
    return checked


def _same_topic(request: AuthedRequest, data: dict[str, Any]) -> str | None:
    since = timezone.now() - datetime.timedelta(minutes=SAME_CONTENT_MINUTES)
    found = (
        Topic.objects.filter(
            committee=request.committee,
            proposed_by=request.user,
            created_at__gte=since,
            title=data["title"],
            year=data["year"],
            kind=data["kind"],
        )
        .order_by("-pk")
        .first()
    )
    return found.get_absolute_url() if found is not None else None


@require_http_methods(["GET", "POST"])
def topic_new(request: AuthedRequest) -> HttpResponse:
    options = topics.proposer_options(request.user)
    if not options:
        _forbid(request)

    def build(*args: Any, **kwargs: Any) -> TopicForm:
        return TopicForm(
            *args, committee=request.committee, user=request.user, options=options, **kwargs
        )

    def render_form(form: TopicForm, token: str, origin: topics.Origin | None) -> HttpResponse:
        context = {
            "form": bootstrap(form),
            "token": token,
            "origin": origin,
            "single": form.single_proposer,
            "cancel_url": origin.url if origin else reverse("meetings:topic_list"),
        }
        return render(request, "meetings/topic_form.html", context)

    if request.method != "POST":
        initial: dict[str, Any] = {"year": current_year(), "proposer": options[0].code}
        origin = None
        value = request.GET.get("origin", "")
        if value:
            try:
                origin = topics.find_origin(request.user, value)
            except topics.OriginNotFound:
                raise Http404 from None
            initial.update(origin=origin.value, title=origin.title[:200], description=origin.text)
        if options[0].group is not None:
            initial["group"] = options[0].group.pk
        return render_form(build(initial=initial), new_token(), origin)

    form = build(request.POST, request.FILES)

    def create(data: dict[str, Any]) -> Created:
        proposer = data["proposer_as"]
        uploads = _checked_files(request, data.get("attachments") or [])
        try:
            topic = topics.propose(
                request.committee,
                data,
                request.user,
                proposer=proposer,
                origin=form.found_origin,
                uploads=uploads,
            )
        except BaseException:
            for c in uploads:
                c.discard()
            raise
        messages.success(
            request, _("The topic was proposed. The joint-meeting office has been told.")
        )
        return Created(topic.get_absolute_url())

    return create_once(
        request,
        form,
        create,
        render_form=lambda bound, token: render_form(bound, token, bound.found_origin),
        fallback_url=reverse("meetings:topic_list"),
        same_as=lambda data: _same_topic(request, data),
    )


# --- A topic's page -----------------------------------------------------------------------------


def _history_rows(topic: Topic, meeting_titles: dict[int, str]) -> list[dict[str, Any]]:
    rows = []
    for event in topics.history(topic):
        detail = event.detail or {}
        status = detail.get("status")
        after = status[1] if isinstance(status, list) and len(status) == 2 else None
        note = ""
        if event.event == events.RECORD_CREATED:
            what = _("Proposed the topic")
        elif "merged_from" in detail:
            what = _("Another topic was merged into this one")
        elif "unscheduled_from" in detail:
            what = _("Taken off the agenda")
            note = meeting_titles.get(detail["unscheduled_from"], "")
        elif after == S.ACCEPTED:
            what = _("Accepted the topic")
        elif after == S.RETURNED:
            what = _("Returned the topic")
            note = str(detail.get("return_reason") or "")
        elif after == S.MERGED:
            what = _("Merged into another topic")
        elif after == S.SCHEDULED:
            what = _("Put on the agenda")
            note = meeting_titles.get(detail.get("meeting") or 0, "")
        elif after in S.values:
            what = _("Status changed to %(status)s") % {"status": S(after).label}
        else:
            what = _("Changed")
        rows.append({"event": event, "what": what, "note": note})
    return rows


def _merge_choices(topic: Topic, q: str) -> list[Topic]:
    found = topics.merge_candidates(topic)
    for word in q.split()[:5]:
        found = found.filter(title__icontains=word)
    same_kind = Case(When(kind=topic.kind, then=Value(0)), default=Value(1))
    rows = list(_rows_query(found).order_by(same_kind, "-created_at", "-id")[: MERGE_CHOICES + 1])
    return _with_details(rows)


def _page(
    request: AuthedRequest,
    topic: Topic,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    user = request.user
    office = is_office(user)
    merged_from = _with_details(
        list(
            _rows_query(Topic.objects.filter(merged_into_id=topic.pk)).order_by("created_at", "id")
        )
    )
    shown = visible_ids(
        user,
        Topic,
        [t.pk for t in merged_from] + ([topic.merged_into_id] if topic.merged_into_id else []),
    )
    proposers = [topics.proposer_label(topic)]
    for other in merged_from:
        label = other.proposer_label  # type: ignore[attr-defined]
        if label not in proposers:
            proposers.append(label)
    items = list(
        visible(user, AgendaItem)
        .filter(topic=topic)
        .select_related("meeting__group", "reporter_unit")
        .order_by("meeting__starts_at", "id")
    )
    agenda = [
        {
            "item": item,
            "meeting": item.meeting,
            "url": _meeting_url(item.meeting_id),
            "when": timezone.localtime(item.meeting.starts_at),
            "outcome_shown": item.meeting.status == JointMeeting.Status.MINUTES_APPROVED,
            "may_unschedule": office and item.meeting.status in topics.AGENDA_OPEN,
        }
        for item in items
    ]
    history = topics.history(topic)
    meeting_ids = {
        int(v)
        for e in history
        for k, v in (e.detail or {}).items()
        if k in ("meeting", "unscheduled_from") and isinstance(v, int)
    }
    meeting_titles = dict(
        visible(user, JointMeeting).filter(pk__in=meeting_ids).values_list("pk", "title")
    )
    context: dict[str, Any] = {
        "topic": topic,
        "proposers": proposers,
        "origin_url": topics.origin_link(user, topic),
        "merged_from": merged_from,
        "shown_ids": shown,
        "agenda": agenda,
        "files": list(topics.files_of(topic)),
        "history": _history_rows(topic, meeting_titles),
        "office": office,
        "carried_url": _meeting_url(topic.carried_from_id) if topic.carried_from_id else "",
    }
    if office:
        decidable = topic.status in topics.DECIDABLE
        merge_q = (request.GET.get("merge_q") or "")[:100].strip()
        initial = {"version": topic.version}
        meetings = (
            [
                (m.pk, f"{m.group.name} · {topics.meeting_label(m)}")
                for m in topics.schedulable_meetings(topic)
            ]
            if decidable
            else []
        )
        merge_rows = _merge_choices(topic, merge_q) if decidable else []
        context.update(
            decidable=decidable,
            accept_form=bound.get("accept") or AcceptForm(initial=initial),
            return_form=bootstrap(bound.get("return") or ReturnForm(initial=initial)),
            merge_form=bootstrap(bound.get("merge") or MergeForm(initial=initial)),
            schedule_form=bootstrap(
                bound.get("schedule") or ScheduleForm(initial=initial, meetings=meetings)
            ),
            merge_q=merge_q,
            merge_rows=merge_rows[:MERGE_CHOICES],
            merge_more=len(merge_rows) > MERGE_CHOICES,
            has_meetings=bool(meetings),
            unschedule_error=bound.get("unschedule_error", ""),
        )
        context["meeting_new_url"] = reverse("meetings:meeting_new")
    return render(request, "meetings/topic_detail.html", context, status=status)


@require_GET
def topic_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, get_topic_for_user(request.user, pk))


# --- The office's decisions ---------------------------------------------------------------------


def _back_to(request: AuthedRequest, topic: Topic) -> str:
    """Where a decision sends the office back to: the queue it came from, or the topic."""
    nxt = request.POST.get("next", "")
    queue = reverse("meetings:topic_queue")
    if nxt.startswith(queue) and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}
    ):
        return nxt
    return topic.get_absolute_url()


def _decide(
    request: AuthedRequest,
    pk: int,
    key: str,
    form: Any,
    act: Any,
    done: str,
) -> HttpResponse:
    topic = get_topic_for_user(request.user, pk)
    _require_office(request, topic)
    if form.is_valid():
        finished = form_step(
            request, form, lambda: act(topic, form.cleaned_data), done, _back_to(request, topic)
        )
        if finished is not None:
            return finished
    return _page(request, topic, bound={key: form})


@require_POST
def topic_accept(request: AuthedRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        "accept",
        AcceptForm(request.POST),
        lambda topic, data: topics.accept(topic, request.user, version=data["version"]),
        _("The topic was accepted. Its proposers have been told."),
    )


@require_POST
def topic_return(request: AuthedRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        "return",
        ReturnForm(request.POST),
        lambda topic, data: topics.return_topic(
            topic, request.user, reason=data["reason"], version=data["version"]
        ),
        _("The topic was returned. Its proposers have been told why."),
    )


def _merge(request: AuthedRequest, topic: Topic, data: dict[str, Any]) -> None:
    into = visible(request.user, Topic).filter(pk=data["into"]).first()
    if into is None:
        raise ValidationError(
            {"into": [_("Choose the topic to merge this one into from the list.")]}
        )
    topics.merge(topic, into, request.user, version=data["version"])


@require_POST
def topic_merge(request: AuthedRequest, pk: int) -> HttpResponse:
    return _decide(
        request,
        pk,
        "merge",
        MergeForm(request.POST),
        lambda topic, data: _merge(request, topic, data),
        _("The topic was merged. Its proposers follow the other topic now and have been told."),
    )


def _schedule(request: AuthedRequest, topic: Topic, data: dict[str, Any]) -> None:
    meeting = visible(request.user, JointMeeting).filter(pk=data["meeting"]).first()
    if meeting is None:
        raise ValidationError({"meeting": [_("Choose the meeting from the list.")]})
    topics.schedule(topic, meeting, request.user, version=data["version"])


@require_POST
def topic_schedule(request: AuthedRequest, pk: int) -> HttpResponse:
    topic = get_topic_for_user(request.user, pk)
    _require_office(request, topic)
    meetings = [
        (m.pk, f"{m.group.name} · {topics.meeting_label(m)}")
        for m in topics.schedulable_meetings(topic)
    ]
    form = ScheduleForm(request.POST, meetings=meetings)
    if form.is_valid():
        done = form_step(
            request,
            form,
            lambda: _schedule(request, topic, form.cleaned_data),
            _("The topic is on the meeting's agenda. Its proposers have been told."),
            _back_to(request, topic),
        )
        if done is not None:
            return done
    return _page(request, topic, bound={"schedule": form})


@require_POST
def topic_unschedule(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    topic = get_topic_for_user(request.user, pk)
    _require_office(request, topic)
    item = visible(request.user, AgendaItem).filter(pk=item_pk, topic=topic).first()
    if item is None:
        raise Http404
    try:
        topics.unschedule(item, request.user)
    except ValidationError as error:
        return _page(request, topic, bound={"unschedule_error": " ".join(error.messages)})
    messages.success(request, _("The topic was taken off the agenda. It is accepted again."))
    return redirect(topic.get_absolute_url())


urlpatterns: list[URLPattern] = [
    path("topics/", topic_list, name="topic_list"),
    path("topics/queue/", topic_queue, name="topic_queue"),
    path("topics/new/", topic_new, name="topic_new"),
    path("topics/<int:pk>/", topic_detail, name="topic_detail"),
    path("topics/<int:pk>/accept/", topic_accept, name="topic_accept"),
    path("topics/<int:pk>/return/", topic_return, name="topic_return"),
    path("topics/<int:pk>/merge/", topic_merge, name="topic_merge"),
    path("topics/<int:pk>/schedule/", topic_schedule, name="topic_schedule"),
    path(
        "topics/<int:pk>/agenda/<int:item_pk>/remove/",
        topic_unschedule,
        name="topic_unschedule",
    ),
]
