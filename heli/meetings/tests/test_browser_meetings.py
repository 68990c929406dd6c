"""A joint meeting walked in the system Chromium from a topic to a task on the battle map.

The lead unit of group 1 proposes a topic; the joint-meeting office accepts it, plans
the group's meeting around it for later today, puts it on the agenda, approves the plan
and sends the notice (after confirming). The member units answer: unit 0's secretary
attends, unit 1's sends a substitute. At the meeting unit 0's secretary signs in on the
phone with the address of the QR code, and a second visit says it is done. The meeting
started earlier than planned: the office moves it (with the reason) to half an hour ago
and marks it held. The lead unit writes the minutes — the topic decided — and records a
decision, which becomes a task on the battle map; the office approves the minutes. The
compliance view counts one more meeting held, the battle map lists the task, the
decision's page shows the task's state, and the office was told of the proposal once.

The clock is the real one, so the live server needs none mocked: the meeting is planned
for today, less than two hours ahead, so that the notice can still be answered and the
QR code already signs in; "held" needs its start to have passed, and the answers close
at the start, so the meeting is moved to a start just past (never before today's
midnight) once the answers are in.

HELI_SHOTS=<folder> saves a screenshot of every page walked through at 1440 and 390 px
in that folder.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from heli.accounts.models import Role
from heli.meetings.models import AgendaItem, AgendaKind, Attendance, Decision, JointMeeting, Topic
from heli.meetings.tests.browser_helpers import (
    PHONE,
    TIMEOUT,
    WIDE,
    Errors,
    Shots,
    local_input,
    notification_titles,
    to_minute,
)
from heli.org.tests.test_browser import login
from heli.testing import World, grant, make_user
from heli.tracking.models import Task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOPIC = "推动机关党建与业务深度融合"
DECISION = "制定党建业务融合工作清单"
S = JointMeeting.Status


def _held(page: Any, live_server: Any, group_year_pk: int) -> int:
    """How many meetings the compliance view counts as held for the group year."""
    page.goto(f"{live_server.url}/meetings/compliance/")
    row = page.locator(f'#compliance-groups tr[data-group-year="{group_year_pk}"]')
    text = row.locator("td").first.inner_text().strip()  # "1/2": held of the rule
    match = re.match(r"(\d+)\D+(\d+)$", text)
    assert match is not None, text
    return int(match.group(1))


def _times() -> tuple[datetime.datetime, datetime.datetime]:
    """The planned start (later today, within the QR code's two hours) and the start it is
    moved to once the answers are in (just past, not before today's midnight)."""
    now = timezone.localtime()
    year_end = now.replace(month=12, day=31, hour=23, minute=59, second=0, microsecond=0)
    planned = min(to_minute(now + datetime.timedelta(minutes=110)), year_end)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    moved = to_minute(max(midnight, now - datetime.timedelta(minutes=30)))
    assert planned > now >= moved, (planned, now, moved)
    return planned, moved


def test_a_topic_a_meeting_its_minutes_and_a_decision_on_the_battle_map(
    page: Any, browser: Any, live_server: Any, world: World
) -> None:
    shots, errors = Shots(), Errors()
    base = live_server.url
    gy = world.group_years[0]
    unit0, unit1 = world.units[0], world.units[1]
    # Unit 1 of group 1 has nobody in the World: its secretary, named by its organ party
    # organisation before the notice goes out, so that the unit's seat invites them.
    secretary1 = make_user(world.committee, "unit1_secretary", "钱书记")
    grant(secretary1, Role.UNIT_SECRETARY, unit=unit1)
    org = unit1.organ_party_org
    org.secretary = secretary1
    org.save(update_fields=["secretary"])
    planned, moved = _times()

    # The office looks at the compliance view first. (Its refused notice answers 400,
    # so it has a context of its own; the lead unit, refused nothing, is the page fixture.)
    office_context = errors.context(browser)
    office = office_context.new_page()
    login(office, live_server, "office")
    held_before = _held(office, live_server, gy.pk)
    shots(office, "compliance-before")

    # 1. The lead unit of group 1 proposes a topic, in the group's name.
    lead = page
    lead.set_viewport_size(WIDE)
    lead.set_default_timeout(TIMEOUT)
    login(lead, live_server, "unit0_secretary")
    lead.goto(f"{base}/meetings/topics/new/")
    assert lead.locator("#topic-proposer").is_visible()  # one name to propose in
    assert lead.locator("#topic-group").inner_text().strip() == world.groups[0].name
    lead.locator(f'#topic-kind input[value="{AgendaKind.ISSUES}"]').check()
    lead.locator("#id_title").fill(TOPIC)
    lead.locator("#id_description").fill("交流各单位推动党建与业务融合的做法，研究共性问题。")
    shots(lead, "topic-new")
    lead.locator("#topic-form button[type=submit]").click()
    lead.wait_for_url(re.compile(r"/meetings/topics/\d+/$"))
    topic = Topic.objects.get(title=TOPIC)
    assert (topic.status, topic.proposer_unit, topic.group) == (
        Topic.Status.PROPOSED,
        unit0,
        world.groups[0],
    )
    assert topic.proposed_by == world.user("unit0_secretary")
    assert lead.locator("#topic-status [data-status]").get_attribute("data-status") == "proposed"
    shots(lead, "topic-proposed")

    # 2. The office accepts it in its queue.
    office.goto(f"{base}/meetings/topics/queue/")
    row = office.locator(f'#topic-table tr[data-topic="{topic.pk}"]')
    expect(row).to_have_count(1)
    shots(office, "topic-queue")
    office.locator(f"#accept-{topic.pk}").click()
    expect(office.locator(f"#accept-{topic.pk}")).to_have_count(0)
    topic.refresh_from_db()
    assert (topic.status, topic.decided_by) == (Topic.Status.ACCEPTED, world.user("office"))
    office.goto(f"{base}/meetings/topics/{topic.pk}/")
    assert office.locator('#topic-status [data-status="accepted"]').is_visible()
    shots(office, "topic-accepted")

    # ... plans the group's meeting for later today, hosted by the lead unit.
    office.goto(f"{base}/meetings/new/")
    office.locator("#id_group").select_option(value=str(world.groups[0].pk))
    assert office.locator("#id_year").input_value() == str(gy.year)
    office.locator("#id_host").select_option(value=str(unit0.pk))
    office.locator("#id_starts_at").fill(local_input(planned))
    office.locator("#id_ends_at").fill(local_input(planned + datetime.timedelta(hours=2)))
    office.locator("#id_place").fill("工委三楼会议室")
    office.locator("#id_plan_notes").fill(
        "围绕党建与业务融合议题交流研讨，各成员单位准备书面材料。"
    )
    shots(office, "meeting-new")
    office.locator("#meeting-save").click()
    office.wait_for_url(re.compile(r"/meetings/\d+/$"))
    meeting = JointMeeting.objects.get(group_year=gy)
    meeting_url = f"{base}/meetings/{meeting.pk}/"
    assert office.url == meeting_url
    assert (meeting.status, meeting.host, meeting.starts_at, meeting.sequence_in_year) == (
        S.PLANNED,
        unit0,
        planned,
        1,
    )
    assert office.locator("#agenda-empty").is_visible()

    # ... puts the topic on its agenda, with who reports on it.
    office.locator("#id_agenda_topic").select_option(value=str(topic.pk))
    office.locator("#agenda-add-form button[type=submit]").click()
    agenda_row = office.locator(f'.meeting-agenda-item[data-topic="{topic.pk}"]')
    agenda_row.wait_for()
    item = AgendaItem.objects.get(meeting=meeting, topic=topic)
    assert Topic.objects.get(pk=topic.pk).status == Topic.Status.SCHEDULED
    agenda_row.locator("summary").click()
    agenda_row.locator(f'[name="item{item.pk}-reporter_unit"]').select_option(value=str(unit0.pk))
    agenda_row.locator(f'[name="item{item.pk}-reporter_note"]').fill("介绍本单位融合做法")
    agenda_row.locator(".agenda-item-form button[type=submit]").click()
    office.wait_for_url(re.compile(rf"/meetings/{meeting.pk}/"))
    item.refresh_from_db()
    assert (item.reporter_unit, item.reporter_note) == (unit0, "介绍本单位融合做法")
    shots(office, "meeting-planned")

    # ... approves the plan.
    office.locator("#approve-form button[type=submit]").click()
    office.locator('#meeting-status [data-status="plan_approved"]').wait_for()
    meeting.refresh_from_db()
    assert meeting.status == S.PLAN_APPROVED
    assert meeting.plan_approved_by == world.user("office")
    shots(office, "meeting-plan-approved")

    # ... and sends the notice: first without ticking the confirmation — refused, nothing
    # sent, the message next to the box — then confirmed.
    assert office.locator("#id_notice_notice_text").input_value()  # the usual text
    office.locator("#notice-form button[type=submit]").click()
    office.locator("#notice-form .invalid-feedback").first.wait_for()
    assert office.locator("#id_notice_confirm").is_visible()
    meeting.refresh_from_db()
    assert meeting.status == S.PLAN_APPROVED and not Attendance.objects.filter(meeting=meeting)
    shots(office, "meeting-notice-refused")
    office.locator("#id_notice_confirm").check()
    office.locator("#notice-form button[type=submit]").click()
    office.locator('#meeting-status [data-status="notice_sent"]').wait_for()
    meeting.refresh_from_db()
    assert meeting.status == S.NOTICE_SENT and meeting.checkin_token
    assert meeting.reply_by == timezone.localdate()
    seats = {s.unit_id: s for s in Attendance.objects.filter(meeting=meeting)}
    assert set(seats) == {unit0.pk, unit1.pk, None}  # the two units and the liaison leader
    assert seats[unit0.pk].user == world.user("unit0_secretary")
    assert seats[unit1.pk].user == secretary1 and seats[unit1.pk].name == "钱书记"
    assert seats[None].user == world.user("leader")
    shots(office, "meeting-notice-sent")

    # 3. The member units answer the notice: unit 0's secretary attends ...
    seat0, seat1 = seats[unit0.pk], seats[unit1.pk]
    lead.goto(f"{base}/meetings/{meeting.pk}/reply/")
    form0 = lead.locator(f"#reply-form-{seat0.pk}")
    form0.locator('input[name="reply"][value="attending"]').check()
    shots(lead, "reply-unit0")
    form0.locator("button[type=submit]").click()
    lead.locator(f"#reply-current-{seat0.pk}").wait_for()
    seat0.refresh_from_db()
    assert (seat0.reply, seat0.replied_by) == (Attendance.Reply.ATTENDING, seat0.user)
    assert lead.locator(f'#reply-seat-{seat0.pk}[data-reply="attending"]').is_visible()
    shots(lead, "reply-unit0-answered")

    # ... unit 1's sends a substitute: without the post first (refused, the name kept).
    unit1_context = errors.context(browser)
    unit1_page = unit1_context.new_page()
    login(unit1_page, live_server, "unit1_secretary")
    unit1_page.goto(f"{base}/meetings/{meeting.pk}/reply/")
    assert unit1_page.locator(f"#reply-form-{seat0.pk}").count() == 0  # not theirs
    form1 = unit1_page.locator(f"#reply-form-{seat1.pk}")
    form1.locator('input[name="reply"][value="substitute"]').check()
    form1.locator(f"#seat{seat1.pk}_substitute_name").fill("孙副书记")
    form1.locator("button[type=submit]").click()
    unit1_page.locator(f"#reply-form-{seat1.pk} .invalid-feedback").first.wait_for()
    form1 = unit1_page.locator(f"#reply-form-{seat1.pk}")
    assert form1.locator(f"#seat{seat1.pk}_substitute_name").input_value() == "孙副书记"
    seat1.refresh_from_db()
    assert seat1.reply == Attendance.Reply.PENDING
    shots(unit1_page, "reply-unit1-refused")
    form1.locator(f"#seat{seat1.pk}_substitute_post").fill("机关党委副书记")
    form1.locator("button[type=submit]").click()
    unit1_page.locator(f"#reply-current-{seat1.pk}").wait_for()
    seat1.refresh_from_db()
    assert (seat1.reply, seat1.substitute_name, seat1.substitute_post, seat1.replied_by) == (
        Attendance.Reply.SUBSTITUTE,
        "孙副书记",
        "机关党委副书记",
        secretary1,
    )
    shots(unit1_page, "reply-unit1-answered")
    unit1_context.close()

    # 4. At the meeting: the office shows the QR code; unit 0's secretary opens its address
    # on the phone, signs in, and a second visit says it is done.
    office.goto(f"{base}/meetings/{meeting.pk}/checkin/qr/")
    assert office.locator("#checkin-qr svg").is_visible()
    address = office.locator("#checkin-url a").inner_text().strip()
    assert address.endswith(f"/meetings/{meeting.pk}/checkin/{meeting.checkin_token}/")
    shots(office, "checkin-qr")
    phone_context = errors.context(browser, PHONE, is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    login(phone, live_server, "unit0_secretary")
    assert phone.goto(address).status == 200
    assert phone.locator("#checkin").get_attribute("data-state") == "open"
    shots(phone, "checkin-phone")
    phone.locator("#checkin-button").click()
    phone.wait_for_url(address)
    assert phone.locator("#checkin-signed").is_visible()
    seat0.refresh_from_db()
    assert (seat0.presence, seat0.signed_via, seat0.signed_by) == (
        Attendance.Presence.PRESENT,
        Attendance.Via.QR,
        seat0.user,
    )
    signed_at = seat0.signed_at
    shots(phone, "checkin-phone-signed")
    assert phone.goto(address).status == 200  # a second visit
    assert phone.locator("#checkin").get_attribute("data-state") == "signed"
    assert phone.locator("#checkin-signed").is_visible()
    assert phone.locator("#checkin-button").count() == 0
    assert Attendance.objects.get(pk=seat0.pk).signed_at == signed_at
    phone_context.close()

    # 5. The meeting began earlier than planned: before its planned start it cannot be
    # marked held; the office moves it, with the reason, and then marks it held.
    office.goto(meeting_url)
    assert office.locator("#held-not-yet").is_visible()
    assert office.locator("#held-form").count() == 0
    office.locator("#meeting-edit").click()
    office.wait_for_url(f"{meeting_url}edit/")
    assert office.locator("#move-explained").is_visible()
    office.locator("#id_move_starts_at").fill(local_input(moved))
    office.locator("#id_move_ends_at").fill(local_input(moved + datetime.timedelta(hours=2)))
    office.locator("#id_move_reason").fill("经商定，会议提前召开。")
    shots(office, "meeting-move")
    office.locator("#meeting-save").click()
    office.wait_for_url(meeting_url)
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.ics_sequence) == (moved, 1)
    office.once("dialog", lambda dialog: dialog.accept())
    office.locator("#held-form button[type=submit]").click()
    office.locator('#meeting-status [data-status="held"]').wait_for()
    meeting.refresh_from_db()
    assert meeting.status == S.HELD and meeting.held_at is not None
    shots(office, "meeting-held")

    # 6. The lead unit writes the minutes: the topic decided ...
    minutes_url = f"{base}/meetings/minutes/{meeting.pk}/"
    lead.goto(minutes_url)
    lead.locator("#id_minutes_summary").fill(
        "会议由测试单位0机关党委书记主持，成员单位交流了党建与业务融合的做法。"
    )
    lead.locator(f"#id_minutes_outcome_{item.pk}").select_option(AgendaItem.Outcome.DECIDED)
    lead.locator(f"#id_minutes_text_{item.pk}").fill("会议议定制定融合工作清单。")
    shots(lead, "minutes-write")
    lead.locator("#minutes-save").click()
    lead.wait_for_url(minutes_url)
    item.refresh_from_db()
    meeting.refresh_from_db()
    assert item.outcome == AgendaItem.Outcome.DECIDED
    assert meeting.minutes.startswith("会议由测试单位0")

    # ... and records the decision: the lead unit, a cooperating unit, the supervising
    # department and the deadline.
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    lead.locator("#decision-new").click()
    lead.wait_for_url(re.compile(rf"/meetings/minutes/{meeting.pk}/decisions/new/$"))
    lead.locator("#id_decision_agenda_item").select_option(value=str(item.pk))
    lead.locator("#id_decision_title").fill(DECISION)
    lead.locator("#id_decision_content").fill("各成员单位于一个月内制定党建业务融合工作清单。")
    lead.locator("#id_decision_lead_unit").select_option(value=str(unit0.pk))
    lead.locator("#coop-list").get_by_label(unit1.name, exact=True).check()
    lead.locator("#id_decision_department").select_option(value=str(world.department.pk))
    lead.locator("#id_decision_deadline").fill(deadline.isoformat())
    shots(lead, "decision-new")
    lead.locator("#decision-save").click()
    lead.wait_for_url(re.compile(rf"/meetings/minutes/{meeting.pk}/(#decisions)?$"))
    decision = Decision.objects.get(meeting=meeting)
    assert (decision.serial, decision.lead_unit, decision.department, decision.deadline) == (
        1,
        unit0,
        world.department,
        deadline,
    )
    assert decision.agenda_item == item
    assert list(decision.unit_links.values_list("unit_id", flat=True)) == [unit1.pk]
    task = Task.objects.get(
        source_kind="meetings", source_type="meetings.decision", source_id=decision.pk
    )
    assert (task.lead_unit, task.department, task.deadline) == (
        unit0,
        world.department,
        deadline,
    )
    assert task.status == Task.Status.ASSIGNED
    assert lead.locator(f'#decision-table tr[data-decision="{decision.pk}"]').is_visible()
    shots(lead, "minutes-with-decision")

    # The office approves the minutes, after confirming.
    office.goto(minutes_url)
    assert office.locator("#approval-blockers").count() == 0
    shots(office, "minutes-approve")
    office.locator("#id_approve_confirm").check()
    office.locator("#approve-submit").click()
    office.locator("#minutes-locked").wait_for()
    meeting.refresh_from_db()
    assert meeting.status == S.MINUTES_APPROVED
    assert meeting.minutes_approved_by == world.user("office")
    assert Topic.objects.get(pk=topic.pk).status == Topic.Status.DISCUSSED
    shots(office, "minutes-approved")

    # 7. The compliance view counts one more meeting held for group 1.
    assert _held(office, live_server, gy.pk) == held_before + 1
    row = office.locator(f'#compliance-groups tr[data-group-year="{gy.pk}"]')
    assert row.locator(f'a[data-last="{meeting.pk}"]').count() == 1
    shots(office, "compliance-after")

    # The battle map lists the task; the decision's page shows its state, before and
    # after the lead unit signs for it.
    office.goto(f"{base}/tracking/tasks/")
    expect(office.locator(f'a[href="/tracking/tasks/{task.pk}/"]').first).to_be_visible()
    shots(office, "task-list")
    decision_url = f"{base}/meetings/decisions/{decision.pk}/"
    lead.goto(decision_url)
    on_map = lead.locator(f'#decision-tasks [data-task="{task.pk}"]')
    assert on_map.get_attribute("data-task-status") == Task.Status.ASSIGNED
    shots(lead, "decision")
    lead.goto(f"{base}/tracking/tasks/{task.pk}/")
    lead.locator("form.task-step-form").get_by_role("button", name="签收", exact=True).click()
    lead.wait_for_url(f"{base}/tracking/tasks/{task.pk}/")
    task.refresh_from_db()
    assert task.status != Task.Status.ASSIGNED
    lead.goto(decision_url)
    assert on_map.get_attribute("data-task-status") == task.status
    shots(lead, "decision-task-signed")

    # The office was told of the proposal once; the proposer of its acceptance once.
    with translation.override("zh-hans"):
        proposed = gettext("New topic proposed: %(title)s") % {"title": TOPIC}
        accepted = gettext("Your topic was accepted: %(title)s") % {"title": TOPIC}
    titles = notification_titles(office, live_server)
    assert titles.count(proposed) == 1, titles
    shots(office, "notifications-office")
    assert notification_titles(lead, live_server).count(accepted) == 1
    office_context.close()
    assert not errors.found, errors.found
