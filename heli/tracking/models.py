"""Tasks followed until closed (督办事项), their history, progress reports and extensions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heli.org.models import Department, TenantModel, Unit
from heli.tracking import sources
from heli.tracking.queries import TaskQuerySet
from heli.tracking.workflow import Status, Step


class AppendOnly(models.Model):
    """A row that is written once and never changed or removed: history stays as it was."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{type(self).__name__} rows are append-only")


class Task(TenantModel):
    """A matter (督办事项) assigned to a lead unit and followed until the department closes it."""

    Status = Status

    objects = TaskQuerySet.as_manager()

    class Priority(models.TextChoices):
        HIGH = "high", _("High")
        NORMAL = "normal", _("Normal")
        LOW = "low", _("Low")

    year = models.PositiveSmallIntegerField(_("work year"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # The code of a registered task source (heli.tracking.sources); no fixed choices, so
    # an area adds its source without a migration here.
    source_kind = models.CharField(_("source"), max_length=20, default=sources.MANUAL)
    basis = models.CharField(_("basis"), max_length=200, blank=True)
    # The record the task came from (a contact, a meeting decision): its model label and
    # id, with a snapshot of how it read, so the link works without this app knowing it.
    source_type = models.CharField(_("source record type"), max_length=100, blank=True)
    source_id = models.PositiveBigIntegerField(_("source record id"), null=True, blank=True)
    source_label = models.CharField(_("source record"), max_length=200, blank=True)
    source_url = models.CharField(_("source record address"), max_length=300, blank=True)
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="led_tasks", verbose_name=_("lead unit")
    )
    cooperating_units: models.ManyToManyField[Unit, TaskUnit] = models.ManyToManyField(
        Unit,
        through="TaskUnit",
        related_name="cooperating_tasks",
        blank=True,
        verbose_name=_("cooperating units"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="supervised_tasks",
        verbose_name=_("supervising department"),
    )
    assigned_at = models.DateField(_("assigned on"))
    deadline = models.DateField(_("deadline"))
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent task"),
    )
    # 1 for a top-level task, 2 for a sub-task: two levels at most, checked in the database.
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    weight = models.PositiveSmallIntegerField(_("weight"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ASSIGNED
    )
    # Empty until someone reports a percentage; a parent's is its children's average.
    progress = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    # Optimistic locking: a save names the version it started from (see actions).
    version = models.PositiveIntegerField(_("version"), default=1)
    # Its place in the committee's work year (2026-0123), given without gaps when it is
    # assigned (heli.tracking.numbers); empty only until rows inserted in bulk are numbered.
    number = models.PositiveIntegerField(_("task number"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "number"], name="tracking_task_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=F("assigned_at")), name="tracking_task_deadline_after"
            ),
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | Q(progress__lte=100),
                name="tracking_task_progress_range",
            ),
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | Q(weight__gte=1),
                name="tracking_task_weight_positive",
            ),
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level=2, parent__isnull=False),
                name="tracking_task_two_levels",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="tracking_task_not_own_parent"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="tracking_task_year_range"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="tracking_task_status_known"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="closed", closed_at__isnull=False, closed_by__isnull=False)
                    | (~Q(status="closed") & Q(closed_at__isnull=True, closed_by__isnull=True))
                ),
                name="tracking_task_closed_consistent",
            ),
            models.CheckConstraint(
                condition=Q(source_type="", source_id__isnull=True)
                | (~Q(source_type="") & Q(source_id__isnull=False)),
                name="tracking_task_source_link",
            ),
        ]
        indexes = [
            # A year's tasks of one status in deadline order: the board's columns, the
            # task list's pages (heli.tracking.lists.UrgentFirst) and every count by
            # year and status read this index instead of sorting the year.
            models.Index(
                fields=["committee", "year", "status", "deadline", "id"],
                name="tracking_task_year_status_due",
            ),
            # A department's tasks of one status in deadline order: what waits for its
            # staff (to verify, overdue), counted and listed on the home page.
            models.Index(
                fields=["committee", "department", "status", "deadline", "id"],
                name="tracking_task_dept_status_due",
            ),
            models.Index(fields=["source_type", "source_id"], name="tracking_task_source_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED

    @property
    def is_withdrawn(self) -> bool:
        return self.status == Status.WITHDRAWN

    @property
    def is_final(self) -> bool:
        """Closed or withdrawn: nothing can be done to the task any more."""
        return self.status in (Status.CLOSED, Status.WITHDRAWN)

    @property
    def source_kind_label(self) -> str:
        """How the task's source reads (the label of its registered source)."""
        return sources.label(self.source_kind)


class TaskUnit(TenantModel):
    """A unit that cooperates on a task (配合单位)."""

    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="cooperations", verbose_name=_("task")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="task_cooperations", verbose_name=_("unit")
    )

    class Meta:
        verbose_name = _("cooperating unit")
        verbose_name_plural = _("cooperating units")
        constraints = [
            models.UniqueConstraint(fields=["task", "unit"], name="tracking_taskunit_unique"),
        ]


class TaskTransition(AppendOnly, TenantModel):
    """One step in a task's life: who did what, when and why. Never changed."""

    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, related_name="transitions", verbose_name=_("task")
    )
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)
    # A step that moved the deadline (an approved extension, a new deadline set by the
    # department) keeps both dates, so the history says what changed.
    deadline_before = models.DateField(_("deadline before"), null=True, blank=True)
    deadline_after = models.DateField(_("deadline after"), null=True, blank=True)

    class Meta:
        verbose_name = _("task step")
        verbose_name_plural = _("task steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.step} {self.at:%Y-%m-%d %H:%M}"


class ProgressReport(AppendOnly, TenantModel):
    """A dated report (反馈) on how a task is going, with an optional percentage and files."""

    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, related_name="reports", verbose_name=_("task")
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    text = models.TextField(_("progress"))
    percent = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    attachments = models.ManyToManyField(
        "files.Attachment", related_name="progress_reports", blank=True, verbose_name=_("files")
    )

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["reported_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__lte=100),
                name="tracking_report_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reported_at:%Y-%m-%d} {self.text[:30]}"


class ExtensionRequest(TenantModel):
    """The lead unit asks for a later deadline; the supervising department decides."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("task")
    )
    current_deadline = models.DateField(_("deadline before"))
    requested_deadline = models.DateField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
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
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(status="pending"),
                name="tracking_extension_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(requested_deadline__gt=F("current_deadline")),
                name="tracking_extension_later",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True, decided_by__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False, decided_by__isnull=False)),
                name="tracking_extension_decided_consistent",
            ),
        ]
