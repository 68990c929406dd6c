"""Accounts: the custom user, its role assignments, password history and the security policy."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heli.lib.fields import EncryptedCharField
from heli.lib.idnumber import validate_id_number


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
    # Personal data, stored SM4-GCM encrypted and bound to this row (heli.lib.fields).
    phone = EncryptedCharField(_("phone"), max_length=30, blank=True)
    id_number = EncryptedCharField(
        _("ID number"), max_length=18, blank=True, validators=[validate_id_number]
    )
    row_uid = models.UUIDField(_("row identity"), default=uuid.uuid4, unique=True, editable=False)
    # When the current password was set; the committee's policy says how long it lasts.
    password_changed_at = models.DateTimeField(_("password changed at"), default=timezone.now)
    # Set for a new account and after an administrator's reset: someone else has seen the
    # password, so its owner must replace it before doing anything else.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # The person's own display setting (适老化): every page in larger text, on every
    # device they sign in from.
    large_text = models.BooleanField(_("larger text"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # ``_password`` holds the raw password only after ``set_password``; a hash upgrade
        # on sign-in clears it before saving, so it neither restarts the expiry clock nor
        # counts as a new password in the history.
        new_password = getattr(self, "_password", None) is not None
        if new_password:
            self.password_changed_at = timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "password_changed_at"}
        super().save(*args, **kwargs)
        if new_password and self.has_usable_password():
            PasswordHistory.remember(self)

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
            # 三员分立: one account holds at most one of the three administrator roles.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role__in=sorted(ADMIN_ROLES)),
                name="accounts_role_one_admin_role_per_user",
            ),
        ]

    def __str__(self) -> str:
        scope = self.unit or self.department or self.committee
        return f"{self.user} · {self.get_role_display()} · {scope}"


# The most passwords a history keeps, whatever a committee's policy asks for.
HISTORY_KEPT = 24


class PasswordHistory(models.Model):
    """A password a user has had (its hash), newest first; new passwords may not repeat one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="password_history",
        verbose_name=_("user"),
    )
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("password history entry")
        verbose_name_plural = _("password history")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="accounts_pwhistory_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def remember(cls, user: User) -> None:
        """Keep the user's current password hash; forget those beyond ``HISTORY_KEPT``."""
        cls.objects.create(user=user, password=user.password)
        stale = cls.objects.filter(user=user).values_list("pk", flat=True)[HISTORY_KEPT:]
        cls.objects.filter(pk__in=list(stale)).delete()


def require_on(value: bool) -> None:
    if not value:
        raise ValidationError(
            _(
                "Administrators must use two-step verification: level-3 graded protection "
                "requires it, so it cannot be turned off."
            ),
            code="baseline",
        )


class SecurityPolicy(models.Model):
    """A committee's identification and session rules (等保 2.0 三级 baselines by default).

    Rows are created on demand: a committee without one follows the defaults. Values
    may only be made stricter than the defaults, never weaker; the database checks it.
    """

    committee = models.OneToOneField(
        "org.Committee",
        on_delete=models.CASCADE,
        related_name="security_policy",
        verbose_name=_("committee"),
    )
    min_length = models.PositiveSmallIntegerField(
        _("minimum password length"),
        default=8,
        validators=[MinValueValidator(8), MaxValueValidator(64)],
    )
    min_classes = models.PositiveSmallIntegerField(
        _("character classes required"),
        default=3,
        validators=[MinValueValidator(3), MaxValueValidator(4)],
        help_text=_("Of: lower-case letters, upper-case letters, digits, other characters."),
    )
    history = models.PositiveSmallIntegerField(
        _("previous passwords that may not be reused"),
        default=5,
        validators=[MinValueValidator(5), MaxValueValidator(HISTORY_KEPT)],
    )
    max_age_days = models.PositiveSmallIntegerField(
        _("password expires after (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    idle_minutes = models.PositiveSmallIntegerField(
        _("idle session ends after (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(30)],
    )
    absolute_hours = models.PositiveSmallIntegerField(
        _("every session ends after (hours)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    # A baseline like the others, kept in the table so the database can refuse a change.
    otp_required_for_admins = models.BooleanField(
        _("administrators must use a one-time code"),
        default=True,
        validators=[require_on],
        help_text=_(
            "Level-3 graded protection requires it of the system, security and audit "
            "administrators: it cannot be turned off."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("security policy")
        verbose_name_plural = _("security policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_length__gte=8, min_length__lte=64)
                & Q(min_classes__gte=3, min_classes__lte=4)
                & Q(history__gte=5, history__lte=HISTORY_KEPT)
                & Q(max_age_days__gte=1, max_age_days__lte=90)
                & Q(idle_minutes__gte=5, idle_minutes__lte=30)
                & Q(absolute_hours__gte=1, absolute_hours__lte=12),
                name="accounts_policy_no_weaker_than_baseline",
            ),
            models.CheckConstraint(
                condition=Q(otp_required_for_admins=True),
                name="accounts_policy_admins_use_two_step",
                violation_error_message=_(
                    "Administrators must use two-step verification: level-3 graded "
                    "protection requires it, so it cannot be turned off."
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(self.committee)

    # Fields a security administrator edits, in the order the screen shows them.
    EDITABLE = (
        "min_length",
        "min_classes",
        "history",
        "max_age_days",
        "idle_minutes",
        "absolute_hours",
        "otp_required_for_admins",
    )

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.EDITABLE}


class IssuedPassword(models.Model):
    """A one-time password an administrator set for someone, open until they choose their own.

    三员分立: the administrator who issued it knows it, so it alone does not let anyone in.
    A sign-in with it waits until a security administrator confirms, by the code that
    session shows, that it is the owner (``SignInCheck``); unless the owner also passes
    their own second factor.
    """

    class Reason(models.TextChoices):
        CREATED = "created", _("New account")
        RESET = "reset", _("Password reset")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="issued_passwords",
        verbose_name=_("account"),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("issued by"),
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    first_sign_in_at = models.DateTimeField(_("first signed in at"), null=True, blank=True)
    # The owner chose their own password, a new one was issued, or a sign-in was refused.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("issued password")
        verbose_name_plural = _("issued passwords")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(closed_at__isnull=True),
                name="accounts_issued_password_one_open",
            ),
            models.CheckConstraint(
                condition=~Q(issued_by=models.F("user")),
                name="accounts_issued_password_not_to_oneself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.issued_at:%Y-%m-%d %H:%M}"


class SignInCheck(models.Model):
    """One sign-in with an issued password, waiting for a security administrator's word."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Refused")

    issued = models.ForeignKey(
        IssuedPassword,
        on_delete=models.CASCADE,
        related_name="checks",
        verbose_name=_("issued password"),
    )
    # The code the signing-in session shows, kept as a keyed digest (heli.accounts.issued).
    code_digest = models.CharField(_("code digest"), max_length=64)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
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

    class Meta:
        verbose_name = _("sign-in check")
        verbose_name_plural = _("sign-in checks")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="waiting", decided_by__isnull=True, decided_at__isnull=True)
                | Q(
                    status__in=["confirmed", "refused"],
                    decided_by__isnull=False,
                    decided_at__isnull=False,
                ),
                name="accounts_signin_check_decided_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issued_id} · {self.status}"


def policy_for(committee: Any) -> SecurityPolicy:
    """The committee's policy, or the defaults when it has none (nothing is written)."""
    if committee is None:
        return SecurityPolicy()
    try:
        policy: SecurityPolicy = committee.security_policy
    except SecurityPolicy.DoesNotExist:
        return SecurityPolicy(committee=committee)
    return policy


def policy_for_user(user: Any) -> SecurityPolicy:
    committee_id = getattr(user, "committee_id", None)
    if committee_id is None:
        return SecurityPolicy()
    return policy_for(user.committee)
