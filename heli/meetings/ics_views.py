"""The calendar address: the page where a person makes, replaces or revokes the secret
address of their meetings' calendar, and the feed itself at that address.

The feed needs no session: calendar programs fetch it on their own. It answers only a
live address of an active person, with what that person may see now; an unknown address
is a 404, a revoked or expired one a 410, each with a short Chinese text saying how to get
a new address. Calendar programs poll, so the feed may be kept five minutes by the
client (never by a shared cache).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST, require_safe

from heli.accounts.policy import Action, can, scope_of
from heli.audit.actions import deny
from heli.lib.forms import bootstrap
from heli.lib.http import AuthedRequest
from heli.meetings import ics
from heli.meetings.models import CalendarFeed, JointMeeting

CALENDAR_TYPE = "text/calendar; charset=utf-8"
CACHE = "private, max-age=300"
UNKNOWN_TEXT = (
    "此日历订阅地址不存在。\n"
    "请登录合力平台，在“联席会议 → 我的日历订阅地址”中生成新的地址，并在日历程序中重新订阅。\n"
)
ENDED_TEXT = (
    "此日历订阅地址已停用或已过期。\n"
    "请登录合力平台，在“联席会议 → 我的日历订阅地址”中生成新的地址，并在日历程序中重新订阅。\n"
)


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("Yes, the current address stops working"),
        error_messages={
            "required": gettext_lazy(
                "Tick the box to confirm: calendars subscribed to the current address stop updating."
            )
        },
    )


def _require_person(request: AuthedRequest) -> None:
    """The page is for people who see meetings (not the three administrators)."""
    if not can(request.user, Action.VIEW, JointMeeting) or not scope_of(request.user).committee_id:
        deny(Action.VIEW, request=request, model=CalendarFeed)


def _base_url(request: HttpRequest) -> str:
    """The server's address as people reach it: ``SITE_URL``, or the request's own."""
    site = str(getattr(settings, "SITE_URL", "") or "")
    return (site or request.build_absolute_uri("/")).rstrip("/")


def _feed_url(request: HttpRequest, token: str) -> str:
    return _base_url(request) + reverse("meetings:feed", args=[token])


def _page(
    request: AuthedRequest,
    *,
    token: str = "",
    replace_form: ConfirmForm | None = None,
    revoke_form: ConfirmForm | None = None,
    status: int = 200,
) -> HttpResponse:
    feed = ics.live_feed(request.user)
    now = timezone.now()
    context = {
        "feed": feed,
        "live": feed is not None and feed.is_live(now),
        "expired": feed is not None and not feed.is_live(now),
        "address": _feed_url(request, token) if token else "",
        "replace_form": bootstrap(replace_form or ConfirmForm(prefix="replace")),
        "revoke_form": bootstrap(revoke_form or ConfirmForm(prefix="revoke")),
        "lifetime_days": ics.LIFETIME.days,
    }
    response = render(request, "meetings/feed_settings.html", context, status=status)
    if token:
        # The page shows the secret once: it must not be kept anywhere on the way.
        response["Cache-Control"] = "no-store"
    return response


@require_GET
def feed_settings(request: AuthedRequest) -> HttpResponse:
    _require_person(request)
    return _page(request)


@require_POST
def feed_create(request: AuthedRequest) -> HttpResponse:
    """Make the address (replacing a live one needs the confirmation); shows it once."""
    _require_person(request)
    current = ics.live_feed(request.user)
    if current is not None and current.is_live(timezone.now()):
        form = ConfirmForm(request.POST, prefix="replace")
        if not form.is_valid():
            return _page(request, replace_form=form, status=400)
    _feed, token = ics.new_feed(request.user, request=request)
    messages.success(
        request,
        _("Your new calendar address is below. Copy it now: it is shown only this once."),
    )
    return _page(request, token=token)


@require_POST
def feed_revoke(request: AuthedRequest) -> HttpResponse:
    _require_person(request)
    form = ConfirmForm(request.POST, prefix="revoke")
    if not form.is_valid():
        return _page(request, revoke_form=form, status=400)
    if ics.revoke_feed(request.user, request=request):
        messages.success(request, _("Your calendar address was revoked. It no longer works."))
    else:
        messages.info(request, _("You had no calendar address; nothing was changed."))
    return redirect("meetings:feed_settings")


def _plain(text: str, status: int) -> HttpResponse:
    response = HttpResponse(text, content_type="text/plain; charset=utf-8", status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_not_required
@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The calendar at a secret address; no session needed."""
    found = ics.find_feed(token)
    now = timezone.now()
    if found is None:
        return _plain(UNKNOWN_TEXT, 404)
    user = found.user
    if not user.is_active or user.committee_id != found.committee_id:
        return _plain(UNKNOWN_TEXT, 404)
    if not found.is_live(now):
        return _plain(ENDED_TEXT, 410)
    ics.note_use(found, now)
    content = ics.feed_for(user, base_url=_base_url(request))
    response = HttpResponse(content, content_type=CALENDAR_TYPE)
    response["Cache-Control"] = CACHE
    response["Content-Disposition"] = 'inline; filename="heli-meetings.ics"'
    return response


urlpatterns: list[URLPattern] = [
    path("feed/", feed_settings, name="feed_settings"),
    path("feed/new/", feed_create, name="feed_create"),
    path("feed/revoke/", feed_revoke, name="feed_revoke"),
    path("feed/<str:token>.ics", feed, name="feed"),
]
