"""Accounts: the custom user and its role assignments."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMITTEE_LEADER = "committee_leader", _("Committee leader")
    COMMITTEE_STAFF = "committee_staff", _("Committee department staff")
    MEETING_OFFICE = "meeting_office", _("Joint-meeting office")
    UNIT_LEADERSHIP = "unit_leadership", _("Unit party group member")
    UNIT_SECRETARY = "unit_secretary", _("Organ party secretary")
    UNIT_STAFF = "unit_staff", _("Unit party-affairs staff")
    SYSADMIN = "sysadmin", _("System administrator")
    SECADMIN = "secadmin", _("Security administrator")
    AUDITOR = "auditor", _("Audit administrator")


COMMITTEE_SCOPED = frozenset(
    {Role.COMMITTEE_LEADER, Role.MEETING_OFFICE, Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR}
)
DEPARTMENT_SCOPED = frozenset({Role.COMMITTEE_STAFF})
UNIT_SCOPED = frozenset({Role.UNIT_LEADERSHIP, Role.UNIT_SECRETARY, Role.UNIT_STAFF})
ADMIN_ROLES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})


class User(AbstractUser):
    """A person who signs in to Heli; belongs to one committee."""

    committee = models.ForeignKey(
        "org.Committee",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("committee"),
    )
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name or self.username


class RoleAssignment(models.Model):
    """One role held by a user, scoped to the committee, a department or a unit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("user"),
    )
    committee = models.ForeignKey(
        "org.Committee", on_delete=models.PROTECT, related_name="+", verbose_name=_("committee")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("department"),
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("unit"),
    )
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=sorted(COMMITTEE_SCOPED), department__isnull=True, unit__isnull=True)
                    | Q(
                        role__in=sorted(DEPARTMENT_SCOPED),
                        department__isnull=False,
                        unit__isnull=True,
                    )
                    | Q(role__in=sorted(UNIT_SCOPED), department__isnull=True, unit__isnull=False)
                ),
                name="accounts_role_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(department__isnull=True, unit__isnull=True),
                name="accounts_role_unique_committee_scope",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "department"],
                condition=Q(department__isnull=False),
                name="accounts_role_unique_department_scope",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=Q(unit__isnull=False),
                name="accounts_role_unique_unit_scope",
            ),
        ]

    def __str__(self) -> str:
        scope = self.unit or self.department or self.committee
        return f"{self.user} · {self.get_role_display()} · {scope}"
