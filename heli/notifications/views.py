"""The notification centre, one's channel preferences and the committee's group robots."""

from __future__ import annotations

import logging
from typing import cast

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heli.accounts.policy import Action, can, visible
from heli.audit.actions import record_denial, record_hidden_lookup
from heli.lib.forms import bootstrap
from heli.lib.http import AuthedRequest
from heli.notifications import actions, senders
from heli.notifications.forms import PreferenceForm, RobotForm
from heli.notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    WebhookRobot,
)

PER_PAGE = 30

log = logging.getLogger(__name__)


def get_notification_for_user(user: object, pk: int) -> Notification:
    """One of the user's own notifications; anyone else's is a 404."""
    notification = visible(user, Notification).filter(pk=pk).first()
    if notification is None:
        record_hidden_lookup(user, Notification, pk)
        raise Http404
    return notification


@require_GET
def centre(request: AuthedRequest) -> HttpResponse:
    notifications = visible(request.user, Notification).order_by("-created_at", "-id")
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "only_unread": only_unread,
        "unread": visible(request.user, Notification).filter(read_at__isnull=True).count(),
        "nav_robots": can(request.user, Action.CHANGE, WebhookRobot),
    }
    if request.htmx:
        return render(request, "notifications/list.html", context)
    return render(request, "notifications/centre.html", context)


@require_GET
def open_notification(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to what it is about."""
    notification = get_notification_for_user(request.user, pk)
    actions.mark_read(request.user, notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect("notifications:centre")


@require_POST
def mark_read(request: AuthedRequest, pk: int) -> HttpResponse:
    notification = get_notification_for_user(request.user, pk)
    actions.mark_read(request.user, notification)
    if request.htmx:
        return render(request, "notifications/row.html", {"n": notification})
    return redirect("notifications:centre")


@require_POST
def mark_all_read(request: AuthedRequest) -> HttpResponse:
    count = actions.mark_all_read(request.user)
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect("notifications:centre")


@require_http_methods(["GET", "POST"])
def preferences(request: AuthedRequest) -> HttpResponse:
    pref = NotificationPreference.objects.filter(user=request.user).first()
    initial = {"email": pref.email if pref else True}
    form = PreferenceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.set_preferences(request.user, email=form.cleaned_data["email"])
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")
    context = {
        "form": bootstrap(form),
        "email_available": actions.email_enabled(),
        "has_email": bool(request.user.email),
    }
    return render(request, "notifications/preferences.html", context)


# --- Group robots (the system administrator) ------------------------------------------


def _require_channels(request: AuthedRequest) -> None:
    if not can(request.user, Action.CHANGE, WebhookRobot):
        record_denial(Action.CHANGE, request=request, model=WebhookRobot)
        raise Http404


def _get_robot(request: AuthedRequest, pk: int) -> WebhookRobot:
    _require_channels(request)
    robot = visible(request.user, WebhookRobot).filter(pk=pk).first()
    if robot is None:
        record_hidden_lookup(request.user, WebhookRobot, pk, Action.CHANGE)
        raise Http404
    return robot


@require_http_methods(["GET", "POST"])
def robots(request: AuthedRequest) -> HttpResponse:
    _require_channels(request)
    form = RobotForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        robot = form.save(commit=False)
        actions.save_robot(request.user, request.committee, robot, request=request)
        messages.success(request, _("The group robot was saved."))
        return redirect("notifications:robots")
    rows = list(WebhookRobot.objects.filter(committee=request.committee).order_by("id"))
    failed = dict.fromkeys((r.pk for r in rows), 0)
    for robot_id in Delivery.objects.filter(
        committee=request.committee, robot__in=rows, status=Delivery.Status.FAILED
    ).values_list("robot_id", flat=True):
        failed[robot_id] += 1
    for row in rows:
        row.failed_count = failed[row.pk]  # type: ignore[attr-defined]
    return render(
        request,
        "notifications/robots.html",
        {"robots": rows, "form": bootstrap(cast(django_forms.Form, form))},
    )


@require_http_methods(["GET", "POST"])
def robot_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    robot = _get_robot(request, pk)
    form = RobotForm(request.POST if request.method == "POST" else None, instance=robot)
    if request.method == "POST" and form.is_valid():
        actions.save_robot(
            request.user, request.committee, form.save(commit=False), request=request
        )
        messages.success(request, _("The group robot was saved."))
        return redirect("notifications:robots")
    return render(
        request,
        "notifications/robot_form.html",
        {"robot": robot, "form": bootstrap(cast(django_forms.Form, form))},
    )


@require_POST
def robot_test(request: AuthedRequest, pk: int) -> HttpResponse:
    robot = _get_robot(request, pk)
    try:
        actions.send_test_message(request.user, robot)
    except senders.SendError as error:
        # One message whatever went wrong (refused address, no answer, TLS, HTTP status,
        # the platform's error code): telling them apart would let the page probe which
        # hosts and ports answer. The reason goes to the server log only.
        log.warning("test message to group robot %s failed: %s", robot.pk, error)
        messages.error(
            request,
            _(
                "The test message to %(name)s could not be delivered. Check the robot's "
                "address (and, for DingTalk, its signing secret) and try again; the "
                "operators find the reason in the server log."
            )
            % {"name": robot.name},
        )
    else:
        messages.success(
            request,
            _("A test message was sent to %(name)s. Check the group.") % {"name": robot.name},
        )
    return redirect("notifications:robots")
