"""Notifications: the in-app inbox, deliveries by email and group robots, preferences."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from heli.lib.fields import EncryptedCharField
from heli.notifications import addresses


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WECOM = "wecom", _("WeChat Work group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK)


class Notification(models.Model):
    """One message in one person's notification centre; unique per reminder key."""

    committee = models.ForeignKey(
        "org.Committee", on_delete=models.PROTECT, related_name="+", verbose_name=_("committee")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=60)
    # kind:object:period, e.g. "tracking.overdue:123:2026-11-26". The same key never
    # reaches the same person twice: that is what makes reminders idempotent.
    key = models.CharField(_("key"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "recipient", "key"], name="notifications_unique_key"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notifications_recipient_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notifications_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class WebhookRobot(models.Model):
    """A committee's group robot (WeChat Work or DingTalk) that receives reminders."""

    committee = models.ForeignKey(
        "org.Committee", on_delete=models.PROTECT, related_name="+", verbose_name=_("committee")
    )
    kind = models.CharField(
        _("platform"),
        max_length=10,
        choices=[(c.value, c.label) for c in ROBOT_CHANNELS],
    )
    name = models.CharField(_("name"), max_length=60)
    # The URL carries the robot's access token and the secret signs DingTalk requests:
    # both are stored encrypted, bound to this row (heli.lib.fields).
    url = EncryptedCharField(_("webhook address"), max_length=500)
    secret = EncryptedCharField(_("signing secret"), max_length=200, blank=True)
    row_uid = models.UUIDField(_("row identity"), default=uuid.uuid4, unique=True, editable=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    # Reminder kind codes this robot receives; empty: every kind meant for groups.
    reminder_kinds = models.JSONField(_("reminder kinds"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "name"], name="notifications_robot_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[c.value for c in ROBOT_CHANNELS]),
                name="notifications_robot_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """https on a public server or an allow-listed gateway (heli.notifications.addresses).

        Checked again before every post: what a name resolves to may change.
        """
        super().clean()
        if self.url:
            try:
                addresses.check_robot_url(self.url)
            except ValidationError as error:
                raise ValidationError({"url": error.error_list}) from None

    def accepts(self, kind: str) -> bool:
        return self.enabled and (not self.reminder_kinds or kind in self.reminder_kinds)


class Delivery(models.Model):
    """One message to send by email or to a group robot; retried until sent or given up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    committee = models.ForeignKey(
        "org.Committee", on_delete=models.PROTECT, related_name="+", verbose_name=_("committee")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    key = models.CharField(_("key"), max_length=200)
    # An email goes with one person's notification; a robot message to one group robot.
    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    robot = models.ForeignKey(
        WebhookRobot,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("group robot"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "notification", "channel"],
                condition=Q(notification__isnull=False),
                name="notifications_delivery_unique_personal",
            ),
            models.UniqueConstraint(
                fields=["committee", "robot", "key"],
                condition=Q(robot__isnull=False),
                name="notifications_delivery_unique_robot",
            ),
            models.CheckConstraint(
                condition=Q(channel="email", notification__isnull=False, robot__isnull=True)
                | Q(
                    channel__in=[c.value for c in ROBOT_CHANNELS],
                    notification__isnull=True,
                    robot__isnull=False,
                ),
                name="notifications_delivery_target_matches_channel",
            ),
        ]
        indexes = [
            models.Index(
                fields=["committee", "status"],
                condition=~Q(status="sent"),
                name="notifications_delivery_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} · {self.key}"


class NotificationPreference(models.Model):
    """How one person wants to be reached; in-app notifications are always on."""

    committee = models.ForeignKey(
        "org.Committee", on_delete=models.PROTECT, related_name="+", verbose_name=_("committee")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    email = models.BooleanField(_("also by email"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)
