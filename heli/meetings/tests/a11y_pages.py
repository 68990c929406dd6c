"""The joint meetings' pages in the accessibility walk (heli/lib/tests/test_accessibility.py)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from heli.meetings.models import Decision, JointMeeting, Topic
from heli.testing import AuditedPage, demo_pick


def a_topic(status: str) -> list[int]:
    topics = Topic.objects.filter(status=status)
    return [demo_pick(topics, "proposer_unit__short_name", f"topic {status}").pk]


def a_meeting(*statuses: str, **lookups: object) -> JointMeeting:
    meetings = JointMeeting.objects.filter(status__in=statuses, **lookups)
    # (the demonstration secretary's unit leads 第二组 this year: its newest meeting)
    return demo_pick(meetings, "attendance__unit__short_name", f"meeting {statuses}", newest=True)


def meeting(*statuses: str) -> list[int]:
    return [a_meeting(*statuses).pk]


def checkin() -> list[object]:
    # The QR code signs in only from two hours before the start to the end of the meeting's
    # day, and the demonstration's meetings fall on other days than the walk's: the one
    # chosen is moved to start within the hour, as a meeting on the day of the walk would.
    chosen = a_meeting("notice_sent", checkin_token__gt="")
    starts = timezone.now() + datetime.timedelta(hours=1)
    JointMeeting.objects.filter(pk=chosen.pk).update(
        starts_at=starts, ends_at=starts + (chosen.ends_at - chosen.starts_at)
    )
    return [chosen.pk, chosen.checkin_token]


def a_decision() -> list[int]:
    decision = Decision.objects.order_by("pk").first()
    assert decision is not None, "the demonstration has no decision"
    return [decision.pk]


PAGES = [
    AuditedPage("meetings:topic_list"),
    AuditedPage("meetings:topic_list", query="status=proposed", note="filtered"),
    AuditedPage("meetings:topic_queue"),
    AuditedPage("meetings:topic_new"),
    *(
        AuditedPage("meetings:topic_detail", lambda s=status: a_topic(s), note=status)  # type: ignore[misc]
        for status in ("proposed", "accepted", "scheduled", "discussed", "merged", "returned")
    ),
    AuditedPage("meetings:meeting_list"),
    AuditedPage("meetings:meeting_new"),
    *(
        AuditedPage("meetings:meeting_detail", lambda s=status: meeting(s), note=status)  # type: ignore[misc]
        for status in ("planned", "plan_approved", "notice_sent", "held", "minutes_approved")
    ),
    AuditedPage("meetings:meeting_edit", lambda: meeting("planned")),
    AuditedPage("meetings:settings"),
    AuditedPage("meetings:reply", lambda: meeting("notice_sent")),
    AuditedPage("meetings:attendance", lambda: meeting("notice_sent", "held")),
    AuditedPage("meetings:checkin_qr", lambda: meeting("notice_sent", "held")),
    AuditedPage("meetings:checkin", checkin),
    AuditedPage("meetings:minutes_waiting"),
    AuditedPage("meetings:minutes", lambda: meeting("held")),
    AuditedPage("meetings:minutes", lambda: meeting("minutes_approved"), note="approved"),
    AuditedPage("meetings:decision_new", lambda: meeting("held")),
    AuditedPage("meetings:decision_detail", a_decision),
    AuditedPage("meetings:decision_edit", a_decision),
    AuditedPage("meetings:calendar"),
    AuditedPage("meetings:compliance"),
    AuditedPage("meetings:doc_templates"),
    AuditedPage("meetings:feed_settings"),
    AuditedPage("meetings:shared"),
    AuditedPage("meetings:share", lambda: meeting("minutes_approved")),
]

NOT_PAGES = {
    "meetings:topic_accept": "a POST: the office accepts a topic, answered on its page",
    "meetings:topic_return": "a POST: the office returns a topic, answered on its page",
    "meetings:topic_merge": "a POST: the office merges topics, answered on the topic's page",
    "meetings:topic_schedule": "a POST: a topic put on a meeting's agenda",
    "meetings:topic_unschedule": "a POST: a topic taken off an agenda",
    "meetings:meeting_approve": "a POST: the plan approved, answered on the meeting's page",
    "meetings:meeting_notice": "a POST: the notice sent, answered on the meeting's page",
    "meetings:meeting_held": "a POST: the meeting recorded as held",
    "meetings:meeting_cancel": "a POST: the meeting cancelled",
    "meetings:meeting_files": "a POST: the meeting's files, answered on its page",
    "meetings:agenda_add": "a POST: an item added to the agenda",
    "meetings:agenda_item": "a POST: an agenda item changed",
    "meetings:agenda_remove": "a POST: an agenda item removed",
    "meetings:minutes_approve": "a POST: the minutes approved, answered on their page",
    "meetings:notice_docx": "a Word download: the notice",
    "meetings:minutes_docx": "a Word download: the minutes",
    "meetings:attendance_xlsx": "an Excel download: the attendance sheet",
    "meetings:doc_template_upload": "a POST: a document template uploaded",
    "meetings:doc_template_reset": "a POST: a document template reset to Heli's own",
    "meetings:feed_create": "a POST: a new calendar address, answered on the feed page",
    "meetings:feed_revoke": "a POST: the calendar address revoked",
    "meetings:feed": "an iCalendar feed read by calendar programs with its secret address",
    "meetings:unshare": "a POST: the shared minutes withdrawn",
}
