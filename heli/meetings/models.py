"""The joint meeting system (联席会议制度): topics, meetings, attendance, minutes, decisions.

Committee departments and the groups (through their lead units) propose :class:`Topic`\\ s,
each of one of the five agenda kinds; the joint-meeting office collects them in one
queue. A :class:`JointMeeting` belongs to a group's work year and is hosted by one of that
year's lead units; it moves through planned → plan approved → notice sent → held →
minutes approved. Its :class:`AgendaItem`\\ s put topics on the agenda and, in the
minutes, record each topic's outcome. Every member unit (and the group's liaison leader)
has an :class:`Attendance`: the reply to the notice and the sign-in at the meeting.
A :class:`Decision` of the minutes is numbered per group and year without gaps and
becomes a task on the battle map (source ``meetings``). A :class:`CalendarFeed` is a
person's secret, revocable iCalendar address.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from heli.org.models import Committee, Department, Group, GroupYear, TenantModel, Unit


class AgendaKind(models.TextChoices):
    """The five kinds of business a joint meeting does (五个方面进行议事)."""

    STUDY = "study", _("Transmit and study central and municipal directives")
    ISSUES = "issues", _("Discuss major party-building issues")
    VIEWS = "views", _("Solicit views")
    SUPERVISE = "supervise", _("Supervise the year's tasks")
    INSPECT = "inspect", _("Inspect and exchange")


class MeetingSettings(models.Model):
    """A committee's settings of the joint meeting system (the rule itself, meetings per
    group per year, is ``Committee.min_meetings_per_year``)."""

    committee = models.OneToOneField(
        Committee,
        on_delete=models.PROTECT,
        related_name="meeting_settings",
        verbose_name=_("committee"),
    )
    # The usual lead time of a notice: a meeting is noticed this many days before it.
    notice_lead_days = models.PositiveSmallIntegerField(_("days of notice"), default=7)
    # Member units that have not answered a notice are chased this many days after it.
    confirm_reminder_days = models.PositiveSmallIntegerField(
        _("days before an unanswered notice is chased"), default=2
    )
    # Minutes not approved this many days after the meeting are chased.
    minutes_reminder_days = models.PositiveSmallIntegerField(
        _("days before minutes not approved are chased"), default=14
    )
    # Minimum days between two meetings of a group, used to look ahead at compliance.
    min_gap_days = models.PositiveSmallIntegerField(_("days between two meetings"), default=30)
    # The issuing body printed at the head of notices and minutes.
    issuer = models.CharField(_("issuing body"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("joint meeting settings")
        verbose_name_plural = _("joint meeting settings")

    def __str__(self) -> str:
        return str(self.committee)

    @classmethod
    def of(cls, committee: Committee) -> MeetingSettings:
        """The committee's settings, made with the defaults the first time they are asked for."""
        found = cls.objects.filter(committee=committee).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                return cls.objects.create(committee=committee, issuer=committee.name)
        except IntegrityError:  # made by someone else meanwhile
            return cls.objects.get(committee=committee)


class Topic(TenantModel):
    """A proposed agenda topic (议题) for a joint meeting."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        SCHEDULED = "scheduled", _("Scheduled")
        DISCUSSED = "discussed", _("Discussed")
        MERGED = "merged", _("Merged")
        RETURNED = "returned", _("Returned")

    year = models.PositiveSmallIntegerField(_("work year"))
    kind = models.CharField(_("agenda kind"), max_length=20, choices=AgendaKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED
    )
    # Who proposed it: a committee department, or a group through one of its lead units.
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposer_department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposing department"),
    )
    proposer_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposing lead unit"),
    )
    # The group the topic is meant for (a group's own topic, or a department's for one
    # group); empty means any group.
    group = models.ForeignKey(
        Group,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("for group"),
    )
    # The record the topic came from, by model label and id ("liaison.contact", 12), with
    # its description as it read then; empty when proposed directly.
    origin_type = models.CharField(_("origin type"), max_length=100, blank=True, default="")
    origin_id = models.PositiveBigIntegerField(_("origin id"), null=True, blank=True)
    origin_label = models.CharField(_("origin"), max_length=250, blank=True, default="")
    origin_url = models.CharField(_("origin address"), max_length=250, blank=True, default="")
    # Set when merged into another topic (its proposers then follow that topic).
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("merged into"),
    )
    # The reason a topic was returned to its proposer.
    return_reason = models.TextField(_("reason for returning"), blank=True)
    # The meeting it was carried over from, when not reached there.
    carried_from = models.ForeignKey(
        "JointMeeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("carried over from"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["committee", "year", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="meetings_topic_year_range"
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="meetings_topic_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""),
                name="meetings_topic_returned_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:topic_detail", args=[self.pk])


class JointMeeting(TenantModel):
    """A joint meeting (联席会) of one group's secretaries in one work year."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        PLAN_APPROVED = "plan_approved", _("Plan approved")
        NOTICE_SENT = "notice_sent", _("Notice sent")
        HELD = "held", _("Held")
        MINUTES_APPROVED = "minutes_approved", _("Minutes approved")
        CANCELLED = "cancelled", _("Cancelled")

    group_year = models.ForeignKey(
        GroupYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("group year")
    )
    # Repeated from group_year for the numbering and the year's queries.
    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, related_name="+", verbose_name=_("group")
    )
    year = models.PositiveSmallIntegerField(_("work year"))
    # The meeting's place in its group's year: 第1次, 第2次 … (given when planned).
    sequence_in_year = models.PositiveSmallIntegerField(_("meeting of the year"))
    host = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("host unit")
    )
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    # The plan (会议方案): time, place and what the units bring.
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    plan_notes = models.TextField(_("plan notes"), blank=True)
    plan_approved_at = models.DateTimeField(_("plan approved at"), null=True, blank=True)
    plan_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plan approved by"),
    )
    # The notice (会议通知): what it asks of the units, and when it went out.
    notice_text = models.TextField(_("notice"), blank=True)
    reply_by = models.DateField(_("reply by"), null=True, blank=True)
    notice_sent_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)
    notice_sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("notice sent by"),
    )
    held_at = models.DateTimeField(_("marked held at"), null=True, blank=True)
    # The minutes (会议纪要): the summary; each topic's outcome is on its agenda item.
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_approved_at = models.DateTimeField(_("minutes approved at"), null=True, blank=True)
    minutes_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minutes approved by"),
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    # The secret in the sign-in QR code; a new one is drawn when the notice is sent.
    checkin_token = models.CharField(_("sign-in code"), max_length=64, blank=True, editable=False)
    # Shared with all groups (互相学习): minutes and materials readable by every unit.
    shared_at = models.DateTimeField(_("shared at"), null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shared by"),
    )
    shared_note = models.TextField(_("what others may learn"), blank=True)
    # Raised on every change a calendar must see (iCalendar SEQUENCE).
    ics_sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("planned by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["committee", "year", "starts_at"]),
            models.Index(fields=["committee", "group", "year"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="meetings_meeting_year_range",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")),
                name="meetings_meeting_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["committee", "group", "year", "sequence_in_year"],
                name="meetings_meeting_sequence_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting_detail", args=[self.pk])

    @property
    def ics_uid(self) -> str:
        return f"heli-meeting-{self.committee_id}-{self.pk}@heli"

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.MINUTES_APPROVED, self.Status.CANCELLED)


class AgendaItem(TenantModel):
    """A topic on a meeting's agenda, who reports on it, and (in the minutes) its outcome."""

    class Outcome(models.TextChoices):
        PENDING = "", _("Not recorded")
        AGREED = "agreed", _("Agreed")
        DISCUSSED = "discussed", _("Discussed, noted")
        DECIDED = "decided", _("Decided (see decisions)")
        NOT_REACHED = "not_reached", _("Not reached, carried over")

    meeting = models.ForeignKey(
        JointMeeting, on_delete=models.CASCADE, related_name="agenda", verbose_name=_("meeting")
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, related_name="agenda_items", verbose_name=_("topic")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    reporter_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reporting unit"),
    )
    # Who reports on what and the materials the units prepare (会议方案).
    reporter_note = models.CharField(_("who reports on what"), max_length=300, blank=True)
    materials_note = models.CharField(_("materials to prepare"), max_length=300, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, blank=True, default=""
    )
    outcome_text = models.TextField(_("outcome in the minutes"), blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "topic"], name="meetings_agenda_topic_once")
        ]

    def __str__(self) -> str:
        return str(self.topic)


class Attendance(TenantModel):
    """One invited seat at a meeting: a member unit's secretary, or the liaison leader.

    ``reply`` is the answer to the notice; ``presence`` is the sign-in at the meeting.
    """

    class Reply(models.TextChoices):
        PENDING = "pending", _("Not answered")
        ATTENDING = "attending", _("Will attend")
        SUBSTITUTE = "substitute", _("Sends a substitute")
        LEAVE = "leave", _("Asks for leave")

    class Presence(models.TextChoices):
        UNKNOWN = "", _("Not signed in")
        PRESENT = "present", _("Present")
        SUBSTITUTE = "substitute", _("Present by substitute")
        LEAVE = "leave", _("On leave")
        ABSENT = "absent", _("Absent")

    class Via(models.TextChoices):
        NONE = "", _("—")
        HOST = "host", _("Signed in by the host")
        QR = "qr", _("Scanned the QR code")

    meeting = models.ForeignKey(
        JointMeeting,
        on_delete=models.CASCADE,
        related_name="attendance",
        verbose_name=_("meeting"),
    )
    # A member unit's seat; empty for the liaison leader's seat (then ``user`` is set).
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    # The invited person's name and post as printed on the notice and the sheet.
    name = models.CharField(_("name"), max_length=50, blank=True)
    post = models.CharField(_("post"), max_length=100, blank=True)
    reply = models.CharField(
        _("reply"), max_length=12, choices=Reply.choices, default=Reply.PENDING
    )
    substitute_name = models.CharField(_("substitute"), max_length=50, blank=True)
    substitute_post = models.CharField(_("substitute's post"), max_length=100, blank=True)
    reply_note = models.CharField(_("note"), max_length=300, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    replied_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    presence = models.CharField(
        _("sign-in"), max_length=12, choices=Presence.choices, blank=True, default=""
    )
    presence_note = models.CharField(_("sign-in note"), max_length=300, blank=True)
    signed_via = models.CharField(
        _("signed in by"), max_length=8, choices=Via.choices, blank=True, default=""
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed in by"),
    )
    signed_at = models.DateTimeField(_("signed in at"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "unit"],
                condition=Q(unit__isnull=False),
                name="meetings_attendance_unit_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(unit__isnull=True),
                name="meetings_attendance_leader_once",
            ),
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(user__isnull=False),
                name="meetings_attendance_has_seat",
            ),
        ]
        indexes = [models.Index(fields=["committee", "unit"])]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.unit or self.name}"


class DecisionCounter(TenantModel):
    """The last serial given to a group's decisions of a year; locked while a decision is
    numbered, so two decisions saved at once wait for each other (no gaps, no duplicates)."""

    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, related_name="+", verbose_name=_("group")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last serial"), default=0)

    class Meta:
        verbose_name = _("decision counter")
        verbose_name_plural = _("decision counters")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "group", "year"], name="meetings_counter_once"
            )
        ]


class Decision(TenantModel):
    """A decision (议定事项) of a meeting's minutes, numbered per group and year; it becomes
    a task on the battle map for the units it names."""

    meeting = models.ForeignKey(
        JointMeeting,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("meeting"),
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("agenda topic"),
    )
    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, related_name="+", verbose_name=_("group")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial"))
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("lead unit")
    )
    cooperating_units: models.ManyToManyField[Unit, DecisionUnit] = models.ManyToManyField(
        Unit, through="DecisionUnit", related_name="+", verbose_name=_("cooperating units")
    )
    # The committee department that supervises the task made from it.
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("supervised by")
    )
    deadline = models.DateField(_("deadline"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["year", "group", "serial"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "group", "year", "serial"],
                name="meetings_decision_serial_once",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="meetings_decision_year_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("meetings:decision_detail", args=[self.pk])

    @property
    def number(self) -> str:
        """As printed: 第3组〔2026〕2号 (group number, year, serial)."""
        return decision_number(self.group.number, self.year, self.serial)


def decision_number(group_number: int, year: int, serial: int) -> str:
    return f"第{group_number}组〔{year}〕{serial}号"


class DecisionUnit(TenantModel):
    """A cooperating unit named by a decision."""

    decision = models.ForeignKey(
        Decision, on_delete=models.CASCADE, related_name="unit_links", verbose_name=_("decision")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )

    class Meta:
        verbose_name = _("cooperating unit of a decision")
        verbose_name_plural = _("cooperating units of decisions")
        constraints = [
            models.UniqueConstraint(fields=["decision", "unit"], name="meetings_decision_unit_once")
        ]


class CalendarFeed(TenantModel):
    """A person's secret iCalendar address: only a hash of its token is kept; revoking it or
    making a new one ends the old address."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="meeting_feeds",
        verbose_name=_("person"),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar address")
        verbose_name_plural = _("calendar addresses")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(revoked_at__isnull=True),
                name="meetings_feed_one_live_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"

    def is_live(self, now: datetime.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now
