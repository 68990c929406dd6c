"""Letters (发函) and their receipts (签收): sending, signing for, answering, chasing.

Each action is one transaction that ends with its audit row; the other side is told at
once (notifications written with the change, keyed so each person hears of it once, and
sent after the commit). A refusal is a ``ValidationError`` with a message in the reader's
language; a refused action changes nothing.

A letter's document number (文号, ``京直工函〔2026〕12号``) is the next serial of its
committee's year, allotted inside the sending transaction while the year's
:class:`LetterCounter` row is locked: two letters sent at once wait for each other, and a
send that fails rolls its serial back with it. Numbers therefore run without gaps or
duplicates, and the database refuses a duplicate all the same
(``liaison_letter_unique_serial``). The counter is taken first in the transaction, before
the audit chain's lock, in the same order every time.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heli.accounts.models import Role, RoleAssignment, User
from heli.accounts.policy import Action, can, scope_of
from heli.audit import events
from heli.audit.actions import record
from heli.files.actions import CheckedUpload, keep_upload
from heli.files.models import Attachment
from heli.liaison.access import records
from heli.liaison.models import (
    SUBJECT_CODES,
    Contact,
    ContactUnit,
    Form,
    Letter,
    LetterCounter,
    LetterReceipt,
    LiaisonSettings,
)
from heli.lib.dates import format_date
from heli.notifications.actions import notify
from heli.org.models import Committee, Unit

KIND_SENT = "liaison.letter_sent"
KIND_SIGNED = "liaison.letter_signed"
KIND_ANSWERED = "liaison.letter_answered"
KIND_REMINDED = "liaison.letter_chased"


# --- Settings and numbers -----------------------------------------------------------------


def settings_of(committee: Committee) -> LiaisonSettings:
    """The committee's liaison settings, made with the defaults the first time."""
    return LiaisonSettings.of(committee)


def issuer_of(committee: Committee, liaison: LiaisonSettings | None = None) -> str:
    liaison = liaison or settings_of(committee)
    return liaison.issuer or committee.name


def document_number(prefix: str, year: int, serial: int) -> str:
    """How a letter's number reads: 京直工函〔2026〕12号."""
    return f"{prefix}〔{year}〕{serial}号"


def next_serial(committee: Committee, year: int) -> int:
    """The next serial of the committee's year; call inside the sending transaction.

    The counter row is locked until the transaction ends. The first letter of a year
    creates the row; two first letters at once both try, the database's unique
    constraint lets one in, and the other waits for it and then locks the row it made.
    """
    counter = LetterCounter.objects.select_for_update().filter(committee=committee, year=year)
    found = counter.first()
    if found is None:
        try:
            with transaction.atomic():
                LetterCounter.objects.create(committee=committee, year=year, last=0)
        except IntegrityError:
            pass
        found = counter.get()
    found.last += 1
    found.save(update_fields=["last"])
    return found.last


# --- People told ---------------------------------------------------------------------------


def _people(committee_id: int, roles: Iterable[str], **where: Any) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.filter(
            committee_id=committee_id, role__in=list(roles), user__is_active=True, **where
        )
        .select_related("user")
        .order_by("user_id")
    )


def unit_recipients(
    committee_id: int, unit_ids: Iterable[int], *, leadership: bool = False
) -> dict[int, list[User]]:
    """Each unit's secretaries and party-affairs staff (and party group, with
    ``leadership``), in one query."""
    roles = [Role.UNIT_SECRETARY, Role.UNIT_STAFF]
    if leadership:
        roles.append(Role.UNIT_LEADERSHIP)
    people: dict[int, list[User]] = defaultdict(list)
    for row in _people(committee_id, roles, unit_id__in=list(unit_ids)):
        if row.unit_id is not None and row.user not in people[row.unit_id]:
            people[row.unit_id].append(row.user)
    return people


def sender_side(letter: Letter) -> list[User]:
    """Who hears of a unit's signature and answer: the sender and the staff of the
    sender's departments."""
    departments = RoleAssignment.objects.filter(
        committee_id=letter.committee_id,
        user_id=letter.sent_by_id,
        role=Role.COMMITTEE_STAFF,
        department__isnull=False,
    ).values("department_id")
    people = [letter.sent_by]
    for row in _people(letter.committee_id, [Role.COMMITTEE_STAFF], department_id__in=departments):
        if row.user not in people:
            people.append(row.user)
    return people


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _notify(
    letter: Letter,
    kind: str,
    key: str,
    people: Iterable[User],
    by: User | None,
    *,
    title: str,
    body: str,
    url: str,
) -> None:
    recipients = [p for p in people if by is None or p.pk != by.pk]
    if recipients:
        notify(
            Committee(pk=letter.committee_id),
            kind,
            key,
            recipients,
            title=title,
            body=body,
            url=url,
        )


def _sent_notices(letter: Letter, unit_ids: Sequence[int]) -> None:
    people = unit_recipients(letter.committee_id, unit_ids, leadership=True)
    url = letter.get_absolute_url()
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "number": letter.number,
            "title": letter.title,
            "who": _name(letter.sent_by),
            "issuer": letter.signer,
        }
        body = (
            _(
                "%(who)s sent this letter (%(number)s) on behalf of %(issuer)s. Sign for it on the letter's page."
            )
            % values
        )
        if letter.answer_by is not None:
            body += " " + _("Please answer it by %(date)s.") % {
                "date": format_date(letter.answer_by)
            }
        title = _("New letter for your unit: %(title)s") % values
    for unit_id in unit_ids:
        _notify(
            letter,
            KIND_SENT,
            f"{KIND_SENT}:{letter.pk}:{unit_id}",
            people.get(unit_id, []),
            letter.sent_by,
            title=title,
            body=body,
            url=url,
        )


# --- Sending --------------------------------------------------------------------------------


def check_units(committee: Committee, units: Sequence[Unit]) -> None:
    if not units:
        raise ValidationError(
            {"units": _("Choose at least one unit to send the letter to.")}, code="no_units"
        )
    for unit in units:
        if unit.committee_id != committee.pk or not unit.is_active:
            raise ValidationError(
                {
                    "units": _(
                        "%(unit)s is not a current unit of this committee; choose the units from the list."
                    )
                    % {"unit": unit.name}
                },
                code="bad_unit",
            )


def check_subjects(subjects: Sequence[str]) -> list[str]:
    chosen = [code for code in SUBJECT_CODES if code in set(subjects)]
    if not chosen or len(chosen) != len(set(subjects)):
        raise ValidationError(
            {"subjects": _("Tick at least one of the five subjects the letter covers.")},
            code="no_subjects",
        )
    return chosen


def send_letter(
    committee: Committee,
    *,
    units: Sequence[Unit],
    title: str,
    body: str,
    subjects: Sequence[str],
    date: datetime.date,
    by: User,
    answer_by: datetime.date | None = None,
    files: Sequence[CheckedUpload] = (),
    request: HttpRequest | None = None,
) -> Letter:
    """Send a letter to ``units``: its contact, its number and one receipt per unit.

    ``files`` are uploads checked beforehand (``heli.files.actions.check_upload``); they
    are kept in this transaction as files of the letter's contact.
    """
    if not records(scope_of(by)) or by.committee_id != committee.pk:
        raise ValidationError(
            _("Only committee leaders and department staff can send letters."), code="not_allowed"
        )
    title, body = title.strip(), body.strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the letter a title.")]
    if not body:
        errors["body"] = [_("Write the text of the letter.")]
    if answer_by is not None and answer_by < date:
        errors["answer_by"] = [
            _("The answer date cannot be before the letter's date (%(date)s).")
            % {"date": format_date(date)}
        ]
    if errors:
        raise ValidationError(errors)
    check_units(committee, units)
    chosen = check_subjects(subjects)
    unique_units = list({u.pk: u for u in units}.values())
    with transaction.atomic():
        liaison = settings_of(committee)
        year = date.year
        serial = next_serial(committee, year)
        contact = Contact.objects.create(
            committee=committee,
            year=year,
            form=Form.LETTER,
            subjects=chosen,
            date=date,
            title=title,
            summary=body,
            created_by=by,
        )
        ContactUnit.objects.bulk_create(
            ContactUnit(committee=committee, contact=contact, unit=u) for u in unique_units
        )
        letter = Letter.objects.create(
            committee=committee,
            contact=contact,
            year=year,
            serial=serial,
            number=document_number(liaison.letter_prefix, year, serial),
            title=title,
            body=body,
            signer=issuer_of(committee, liaison),
            sent_at=timezone.now(),
            sent_by=by,
            answer_by=answer_by,
        )
        LetterReceipt.objects.bulk_create(
            LetterReceipt(committee=committee, letter=letter, unit=u) for u in unique_units
        )
        kept = []
        for upload in files:
            upload.belongs_to = contact
            kept.append(keep_upload(upload, request=request).pk)
        _sent_notices(letter, [u.pk for u in unique_units])
        record(
            events.RECORD_CREATED,
            request=request,
            user=by,
            obj=letter,
            detail={
                "number": letter.number,
                "contact": contact.pk,
                "units": [u.pk for u in unique_units],
                "subjects": chosen,
                "answer_by": answer_by,
                "files": kept,
            },
        )
    return letter


# --- The units' side ------------------------------------------------------------------------


def _check_changer(receipt: LetterReceipt, user: User) -> None:
    if not can(user, Action.CHANGE, receipt):
        raise ValidationError(
            _(
                "Only the secretary and party-affairs staff of %(unit)s can sign for and answer this letter."
            )
            % {"unit": receipt.unit.name},
            code="not_allowed",
        )


def _locked(receipt: LetterReceipt) -> LetterReceipt:
    return (
        LetterReceipt.objects.select_for_update()
        .select_related("letter", "unit")
        .get(pk=receipt.pk)
    )


def _sign_fields(receipt: LetterReceipt, user: User, now: datetime.datetime) -> None:
    receipt.signed_at, receipt.signed_by = now, user


def _tell_sender(receipt: LetterReceipt, kind: str, by: User, *, title: str, body: str) -> None:
    letter = receipt.letter
    _notify(
        letter,
        kind,
        f"{kind}:{receipt.pk}",
        sender_side(letter),
        by,
        title=title,
        body=body,
        url=reverse("liaison:letter_receipts", args=[letter.pk]),
    )


def _signed_notice(receipt: LetterReceipt, user: User) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "who": _name(user),
            "unit": receipt.unit.name,
            "number": receipt.letter.number,
            "title": receipt.letter.title,
        }
        _tell_sender(
            receipt,
            KIND_SIGNED,
            user,
            title=_("%(unit)s signed for %(number)s") % values,
            body=_("%(who)s (%(unit)s) signed for the letter %(number)s “%(title)s”.") % values,
        )


def sign(
    receipt: LetterReceipt, user: User, *, request: HttpRequest | None = None
) -> LetterReceipt:
    """The unit signs for the letter (签收): who and when, once."""
    _check_changer(receipt, user)
    with transaction.atomic():
        locked = _locked(receipt)
        if locked.signed_at is not None:
            raise ValidationError(
                _(
                    "%(unit)s already signed for this letter on %(date)s; it needs no second signature."
                )
                % {
                    "unit": locked.unit.name,
                    "date": format_date(timezone.localdate(locked.signed_at)),
                },
                code="signed",
            )
        _sign_fields(locked, user, timezone.now())
        locked.save(update_fields=["signed_at", "signed_by"])
        _signed_notice(locked, user)
        record(
            events.RECORD_UPDATED,
            request=request,
            user=user,
            obj=locked,
            detail={"step": "signed", "letter": locked.letter_id, "unit": locked.unit_id},
        )
    return locked


def answer(
    receipt: LetterReceipt,
    user: User,
    text: str,
    files: Sequence[CheckedUpload] = (),
    *,
    request: HttpRequest | None = None,
) -> LetterReceipt:
    """The unit answers the letter, with files if it likes; a letter not yet signed for
    is signed for by the same person at the same moment."""
    _check_changer(receipt, user)
    text = text.strip()
    if not text:
        raise ValidationError(
            {"text": _("Write the answer: what your unit has done or thinks about the letter.")},
            code="empty",
        )
    with transaction.atomic():
        locked = _locked(receipt)
        if locked.answered_at is not None:
            raise ValidationError(
                _("%(unit)s already answered this letter on %(date)s.")
                % {
                    "unit": locked.unit.name,
                    "date": format_date(timezone.localdate(locked.answered_at)),
                },
                code="answered",
            )
        now = timezone.now()
        signed_now = locked.signed_at is None
        if signed_now:
            _sign_fields(locked, user, now)
        locked.answer, locked.answered_at, locked.answered_by = text, now, user
        locked.save(
            update_fields=["signed_at", "signed_by", "answer", "answered_at", "answered_by"]
        )
        kept = []
        for upload in files:
            upload.belongs_to = locked
            kept.append(keep_upload(upload, request=request).pk)
        if signed_now:
            _signed_notice(locked, user)
        with translation.override(settings.LANGUAGE_CODE):
            values = {
                "who": _name(user),
                "unit": locked.unit.name,
                "number": locked.letter.number,
                "title": locked.letter.title,
            }
            _tell_sender(
                locked,
                KIND_ANSWERED,
                user,
                title=_("%(unit)s answered %(number)s") % values,
                body=_("%(who)s (%(unit)s) answered the letter %(number)s “%(title)s”:") % values
                + "\n"
                + text,
            )
        record(
            events.RECORD_UPDATED,
            request=request,
            user=user,
            obj=locked,
            detail={
                "step": "answered",
                "letter": locked.letter_id,
                "unit": locked.unit_id,
                "signed_now": signed_now,
                "files": kept,
            },
        )
    return locked


def files_of(receipt: LetterReceipt) -> Any:
    return Attachment.objects.filter(record_type="liaison.letterreceipt", record_id=receipt.pk)


# --- Chasing ------------------------------------------------------------------------------


def chase_text(receipt: LetterReceipt) -> tuple[str, str]:
    """The title and text of a reminder of this receipt: to sign, or to answer."""
    letter = receipt.letter
    values = {
        "number": letter.number,
        "title": letter.title,
        "date": format_date(timezone.localdate(letter.sent_at)),
        "by": format_date(letter.answer_by),
    }
    with translation.override(settings.LANGUAGE_CODE):
        if receipt.signed_at is None:
            return (
                _("Please sign for the letter %(number)s") % values,
                _(
                    "The letter %(number)s “%(title)s” was sent to your unit on %(date)s and has not been signed for. Sign for it on the letter's page."
                )
                % values,
            )
        if letter.answer_by is not None:
            return (
                _("Please answer the letter %(number)s") % values,
                _(
                    "The letter %(number)s “%(title)s” asks your unit to answer by %(by)s; no answer has come yet. Answer it on the letter's page."
                )
                % values,
            )
        return (
            _("Please answer the letter %(number)s") % values,
            _(
                "The letter %(number)s “%(title)s” has not been answered yet. Answer it on the letter's page."
            )
            % values,
        )


def remind(target: Letter | LetterReceipt, by: User, *, request: HttpRequest | None = None) -> int:
    """Chase one unit's receipt, or every unit of a letter that has not signed for it:
    the unit's secretary and staff are told now. How many units were chased."""
    letter = target if isinstance(target, Letter) else target.letter
    if not records(scope_of(by)) or by.committee_id != letter.committee_id:
        raise ValidationError(
            _("Only committee leaders and department staff can remind units."), code="not_allowed"
        )
    with transaction.atomic():
        if isinstance(target, Letter):
            receipts = list(
                LetterReceipt.objects.select_for_update()
                .filter(letter=letter, signed_at__isnull=True)
                .select_related("letter", "unit")
                .order_by("unit__sort_order", "unit_id")
            )
        else:
            receipts = [_locked(target)]
            if receipts[0].answered_at is not None:
                raise ValidationError(
                    _(
                        "%(unit)s has signed for and answered this letter: there is nothing to remind it of."
                    )
                    % {"unit": receipts[0].unit.name},
                    code="done",
                )
        if not receipts:
            raise ValidationError(
                _("Every unit has signed for this letter: nobody needs reminding."), code="nobody"
            )
        now = timezone.now()
        people = unit_recipients(letter.committee_id, [r.unit_id for r in receipts])
        for receipt in receipts:
            receipt.reminded_at = now
            title, body = chase_text(receipt)
            _notify(
                letter,
                KIND_REMINDED,
                f"{KIND_REMINDED}:{receipt.pk}:{now.isoformat()}",
                people.get(receipt.unit_id, []),
                by,
                title=title,
                body=body,
                url=letter.get_absolute_url(),
            )
        LetterReceipt.objects.bulk_update(receipts, ["reminded_at"])
        record(
            events.RECORD_UPDATED,
            request=request,
            user=by,
            obj=letter,
            detail={
                "step": "reminded",
                "receipts": [r.pk for r in receipts],
                "units": [r.unit_id for r in receipts],
            },
        )
    return len(receipts)
