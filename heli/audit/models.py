"""The audit log: who did what, when, from where, with what result."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One audited event; rows form an HMAC-SM3 chain and are never changed or removed."""

    class Result(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")
        DENIED = "denied", _("Denied")

    committee = models.ForeignKey(
        "org.Committee",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("committee"),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # No database constraint: a row must never change, even if its user goes away.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    source_ip = models.GenericIPAddressField(_("source address"), null=True, blank=True)
    event = models.CharField(_("event"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    prev_mac = models.CharField(_("previous MAC"), max_length=64, blank=True)
    mac = models.CharField(_("MAC"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["committee", "created_at"], name="audit_committee_time_idx")
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.username} {self.event} {self.result}"


class AuditAnchor(models.Model):
    """The head of the audit chain: the last row's id and MAC, so removed tail rows show."""

    # One row only (id 1). ``record()`` moves it forward in the same transaction as each
    # new event; on PostgreSQL and SQLite a trigger refuses to delete it or move it back.
    last_id = models.BigIntegerField(_("last event id"))
    last_mac = models.CharField(_("last event MAC"), max_length=64)
    mac = models.CharField(_("MAC"), max_length=64)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_anchor_single")]

    def __str__(self) -> str:
        return f"#{self.last_id} {self.last_mac[:12]}"
