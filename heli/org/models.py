"""The organisation registry: committee, departments, units, party bodies and groups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Committee(models.Model):
    """An organs work committee (市直机关工委): the tenant that owns every other record."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=50)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    min_contacts_per_year = models.PositiveSmallIntegerField(
        _("liaison contacts per unit per year"), default=1
    )
    min_meetings_per_year = models.PositiveSmallIntegerField(
        _("joint meetings per group per year"), default=2
    )
    leads_per_group = models.PositiveSmallIntegerField(_("lead units per group"), default=2)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class TenantModel(models.Model):
    """A row owned by one committee; every query is scoped by it."""

    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="+", verbose_name=_("committee")
    )

    class Meta:
        abstract = True


class Department(TenantModel):
    """A department (处室) of the committee; one of them hosts the joint-meeting office."""

    name = models.CharField(_("name"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_meeting_office = models.BooleanField(_("hosts the joint-meeting office"), default=False)
    duties = models.TextField(_("duties"), blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "name"], name="org_department_unique_name"
            ),
            models.UniqueConstraint(
                fields=["committee"],
                condition=Q(is_meeting_office=True),
                name="org_department_one_meeting_office",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Unit(TenantModel):
    """A municipal body (单位) the committee leads; never deleted, only merged or abolished."""

    class LeadingBody(models.TextChoices):
        PARTY_GROUP = "party_group", _("Party group (党组)")
        PARTY_COMMITTEE = "party_committee", _("Party committee (党委)")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        MERGED = "merged", _("Merged")
        ABOLISHED = "abolished", _("Abolished")

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    code = models.CharField(_("code"), max_length=30, blank=True)
    leading_body = models.CharField(
        _("leading body"),
        max_length=20,
        choices=LeadingBody.choices,
        default=LeadingBody.PARTY_GROUP,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    status_date = models.DateField(_("date of merger or abolition"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("successor"),
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    address = models.CharField(_("address"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Optimistic locking: a save names the version it started from (see actions).
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "name"], name="org_unit_unique_name"),
            models.CheckConstraint(
                condition=(
                    Q(status="active", status_date__isnull=True, successor__isnull=True)
                    | Q(status="abolished", status_date__isnull=False)
                    | Q(status="merged", status_date__isnull=False, successor__isnull=False)
                ),
                name="org_unit_status_consistent",
            ),
            models.CheckConstraint(
                condition=~Q(successor=models.F("id")), name="org_unit_not_own_successor"
            ),
        ]
        indexes = [models.Index(fields=["committee", "status"], name="org_unit_status_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class OrganPartyOrg(TenantModel):
    """A unit's organ party organisation (机关党委/总支/支部); its secretary sits on the joint meeting."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Organ party committee (机关党委)")
        GENERAL_BRANCH = "general_branch", _("Organ general branch (机关总支)")
        BRANCH = "branch", _("Organ branch (机关支部)")

    unit = models.OneToOneField(
        Unit, on_delete=models.PROTECT, related_name="organ_party_org", verbose_name=_("unit")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMMITTEE)
    name = models.CharField(_("name"), max_length=150)
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="secretary_of",
        verbose_name=_("secretary"),
    )
    member_count = models.PositiveIntegerField(_("party members"), null=True, blank=True)
    branch_count = models.PositiveIntegerField(_("party branches"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Optimistic locking: a save names the version it started from (see actions).
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("organ party organisation")
        verbose_name_plural = _("organ party organisations")
        ordering = ["unit__sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Group(TenantModel):
    """One of the groups (组) of units of similar nature and close business."""

    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=50)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "number"], name="org_group_unique_number"),
            models.UniqueConstraint(fields=["committee", "name"], name="org_group_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class GroupYear(TenantModel):
    """A group in one work year: its member units, lead units and liaison leader."""

    class LeadsStatus(models.TextChoices):
        PROPOSED = "proposed", _("Proposed, awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")

    group = models.ForeignKey(
        Group, on_delete=models.PROTECT, related_name="years", verbose_name=_("group")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    liaison_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="liaison_group_years",
        verbose_name=_("liaison leader"),
    )
    leads_status = models.CharField(
        _("lead units"), max_length=12, choices=LeadsStatus.choices, default=LeadsStatus.PROPOSED
    )
    leads_confirmed_at = models.DateTimeField(_("leads confirmed at"), null=True, blank=True)
    leads_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("leads confirmed by"),
    )

    class Meta:
        verbose_name = _("group year")
        verbose_name_plural = _("group years")
        ordering = ["year", "group__number"]
        constraints = [
            models.UniqueConstraint(fields=["group", "year"], name="org_groupyear_unique_year"),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="org_groupyear_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.year}"


class GroupMembership(TenantModel):
    """A unit's membership of a group in one year; a unit belongs to one group a year."""

    group_year = models.ForeignKey(
        GroupYear,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("group year"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("unit")
    )
    # Repeats group_year.year so the database can hold "one group per unit per year".
    year = models.PositiveSmallIntegerField(_("year"))
    is_lead = models.BooleanField(_("lead unit"), default=False)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        ordering = ["unit__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "unit"], name="org_membership_one_group_a_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.group_year}"


class LeadOverride(TenantModel):
    """A recorded manual change to the lead units the rotation proposed for a group year."""

    group_year = models.ForeignKey(
        GroupYear,
        on_delete=models.CASCADE,
        related_name="lead_overrides",
        verbose_name=_("group year"),
    )
    replaced_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("replaced lead unit")
    )
    chosen_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("chosen lead unit")
    )
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lead override")
        verbose_name_plural = _("lead overrides")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="org_leadoverride_reason_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_year}: {self.replaced_unit} → {self.chosen_unit}"
