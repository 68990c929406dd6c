"""The liaison mechanism (沟通联系): contacts with units' party groups, letters and receipts.

A :class:`Contact` is one time the committee kept in touch with one or more units' party
groups (党组/党委): by letter, face to face or through an information channel, on one or
more of the five subjects. A :class:`Letter` is a written contact sent with a document
number (文号); each addressed unit signs for it and answers it in its
:class:`LetterReceipt`. The specific problems raised in a contact become tasks on the
battle map (source ``liaison``), which link back to the contact.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from heli.org.models import Committee, TenantModel, Unit


class Channel(models.TextChoices):
    """The three ways of keeping in touch (书面沟通、当面沟通、信息沟通)."""

    WRITTEN = "written", _("In writing")
    FACE = "face", _("Face to face")
    INFORMATION = "information", _("Through information channels")


class Form(models.TextChoices):
    """The form of a contact; each belongs to one channel (:data:`CHANNEL_OF`)."""

    LETTER = "letter", _("Letter")
    SYMPOSIUM = "symposium", _("Symposium")
    VISIT = "visit", _("Visit")
    WEBSITE = "website", _("Party-building website")
    INTRANET = "intranet", _("E-government intranet")
    WECHAT = "wechat", _("WeChat official account")
    BUILDING_TV = "building_tv", _("Building TV")


CHANNEL_OF: dict[str, str] = {
    Form.LETTER: Channel.WRITTEN,
    Form.SYMPOSIUM: Channel.FACE,
    Form.VISIT: Channel.FACE,
    Form.WEBSITE: Channel.INFORMATION,
    Form.INTRANET: Channel.INFORMATION,
    Form.WECHAT: Channel.INFORMATION,
    Form.BUILDING_TV: Channel.INFORMATION,
}


class Subject(models.TextChoices):
    """The five subjects a contact covers (沟通联系的五个方面)."""

    DECISIONS = "decisions", _("Implementing major central and municipal decisions")
    VIEWS = "views", _("Soliciting views on important work and rules")
    REGULATIONS = "regulations", _("Implementing the regulations on party organisations in organs")
    DUTIES = "duties", _("How the organ party committee performs its duties")
    PROBLEMS = "problems", _("Outstanding problems")


SUBJECT_CODES: tuple[str, ...] = tuple(Subject.values)


class LiaisonSettings(models.Model):
    """A committee's settings of the liaison mechanism (the rule itself, contacts per unit
    per year, is ``Committee.min_contacts_per_year``)."""

    committee = models.OneToOneField(
        Committee,
        on_delete=models.PROTECT,
        related_name="liaison_settings",
        verbose_name=_("committee"),
    )
    # A unit not yet covered turns amber when fewer than this many days of the year are left.
    warn_days = models.PositiveSmallIntegerField(
        _("days left before a unit turns amber"), default=60
    )
    # Units are reminded of a letter not signed for or not answered after this many days.
    letter_reminder_days = models.PositiveSmallIntegerField(
        _("days before a letter is chased"), default=7
    )
    # The letters' document number reads <prefix>〔<year>〕<serial>号, e.g. 京直工函〔2026〕12号.
    letter_prefix = models.CharField(_("letter number prefix"), max_length=20, default="京直工函")
    # The issuing body printed in red at the head of a letter and as its signature.
    issuer = models.CharField(_("issuing body"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("liaison settings")
        verbose_name_plural = _("liaison settings")

    def __str__(self) -> str:
        return str(self.committee)

    @classmethod
    def of(cls, committee: Committee) -> LiaisonSettings:
        """The committee's settings, made with the defaults the first time they are asked
        for (the issuing body defaults to the committee's name)."""
        found = cls.objects.filter(committee=committee).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                return cls.objects.create(committee=committee, issuer=committee.name)
        except IntegrityError:  # made by someone else meanwhile
            return cls.objects.get(committee=committee)


class Contact(TenantModel):
    """One liaison contact between the committee and one or more units' party groups."""

    year = models.PositiveSmallIntegerField(_("work year"))
    form = models.CharField(_("form"), max_length=20, choices=Form.choices)
    # Codes of :class:`Subject`, at least one, each once (checked by the form and actions).
    subjects = models.JSONField(_("subjects"), default=list)
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    units: models.ManyToManyField[Unit, ContactUnit] = models.ManyToManyField(
        Unit, through="ContactUnit", related_name="liaison_contacts", verbose_name=_("units")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Set when the last of its matters (tasks) is closed; cleared when a new one is raised.
    matters_handled_at = models.DateTimeField(_("matters handled at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("liaison contact")
        verbose_name_plural = _("liaison contacts")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["committee", "year", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="liaison_contact_year_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("liaison:contact_detail", args=[self.pk])

    @property
    def channel(self) -> str:
        return CHANNEL_OF[self.form]


class ContactUnit(TenantModel):
    """A unit reached by a contact."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="unit_links", verbose_name=_("contact")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )

    class Meta:
        verbose_name = _("unit of a contact")
        verbose_name_plural = _("units of contacts")
        constraints = [
            models.UniqueConstraint(fields=["contact", "unit"], name="liaison_contact_unit_once")
        ]
        indexes = [models.Index(fields=["committee", "unit"])]


class ContactPerson(TenantModel):
    """Someone present at a contact, on the committee's side or a unit's: by name and post,
    linked to the registry's account where they are in it."""

    class Side(models.TextChoices):
        COMMITTEE = "committee", _("Committee")
        UNIT = "unit", _("Unit")

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="people", verbose_name=_("contact")
    )
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    # The name and post are kept as they were: the account is only a link to the registry.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    name = models.CharField(_("name"), max_length=50)
    post = models.CharField(_("post"), max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("person present")
        verbose_name_plural = _("people present")
        ordering = ["side", "sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(side="committee", unit__isnull=True)
                | Q(side="unit", unit__isnull=False),
                name="liaison_person_side_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.post}）" if self.post else self.name


class LetterCounter(TenantModel):
    """The last serial given to a committee's letters of a year; locked while a letter is
    numbered, so two letters sent at once wait for each other (no gaps, no duplicates)."""

    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last serial"), default=0)

    class Meta:
        verbose_name = _("letter counter")
        verbose_name_plural = _("letter counters")
        constraints = [
            models.UniqueConstraint(fields=["committee", "year"], name="liaison_counter_once")
        ]


class Letter(TenantModel):
    """A letter (发函): the written form of a contact, with its document number."""

    contact = models.OneToOneField(
        Contact, on_delete=models.PROTECT, related_name="letter", verbose_name=_("contact")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial"))
    # The document number as printed, e.g. 京直工函〔2026〕12号 (kept as given).
    number = models.CharField(_("document number"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    # Whom the letter is signed by (the issuing body) and its date, as printed.
    signer = models.CharField(_("signed by"), max_length=100)
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sent by"),
    )
    # Whether the units are asked to answer in writing, and by when.
    answer_by = models.DateField(_("answer by"), null=True, blank=True)

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["-year", "-serial"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year", "serial"], name="liaison_letter_unique_serial"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("liaison:letter_detail", args=[self.pk])


class LetterReceipt(TenantModel):
    """One addressed unit's receipt of a letter: who signed for it and when, and its answer."""

    letter = models.ForeignKey(
        Letter, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("letter")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by"),
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    # The last time the committee chased this unit (by hand or by the daily reminder).
    reminded_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("letter receipt")
        verbose_name_plural = _("letter receipts")
        ordering = ["letter", "unit__sort_order", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "unit"], name="liaison_receipt_once"),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(signed_at__isnull=False),
                name="liaison_receipt_signed_before_answer",
            ),
        ]
        indexes = [models.Index(fields=["committee", "unit", "signed_at"])]

    def __str__(self) -> str:
        return f"{self.letter.number} · {self.unit}"
