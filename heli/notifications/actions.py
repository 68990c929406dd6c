"""State changes of notifications. Views, the command and other apps call these.

Rows are written inside the caller's transaction; messages leave only after it commits
(``transaction.on_commit``), so a rolled-back change never notifies anyone.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from heli.accounts.models import User
from heli.accounts.policy import Action, can
from heli.audit import events
from heli.audit.actions import record
from heli.notifications import addresses, registry, senders
from heli.notifications.models import (
    ROBOT_CHANNELS,
    Channel,
    Delivery,
    Notification,
    NotificationPreference,
    WebhookRobot,
)
from heli.org.models import Committee

log = logging.getLogger(__name__)


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 5))


def email_enabled() -> bool:
    return bool(getattr(settings, "NOTIFY_EMAIL_ENABLED", False))


# --- Creating notifications -----------------------------------------------------------


@dataclass
class Created:
    """What one call wrote: new notifications and new deliveries (ids)."""

    notifications: list[int] = field(default_factory=list)
    deliveries: list[int] = field(default_factory=list)

    def add(self, other: Created) -> None:
        self.notifications += other.notifications
        self.deliveries += other.deliveries


def _wants_email(users: list[User]) -> set[int]:
    """Which of ``users`` are reached by email: it is on, they have an address, and
    they did not turn it off (no preference row means on)."""
    if not email_enabled():
        return set()
    off = set(
        NotificationPreference.objects.filter(
            user_id__in=[u.pk for u in users], email=False
        ).values_list("user_id", flat=True)
    )
    return {u.pk for u in users if u.email and u.pk not in off}


def create_notifications(
    committee: Committee,
    kind: str,
    key: str,
    recipients: Iterable[Any],
    *,
    title: str,
    body: str = "",
    url: str = "",
    to_robots: bool = False,
) -> Created:
    """Write the notification ``key`` for each recipient who lacks it, their email
    deliveries and, with ``to_robots``, one delivery per robot that takes ``kind``.

    Idempotent: a key already given to a person (or robot) is skipped. Sends nothing;
    call ``deliver`` (or use ``notify``) after the transaction commits.
    """
    created = Created()
    people: dict[int, User] = {}
    for person in recipients:
        if (
            isinstance(person, User)
            and person.is_active
            and person.committee_id == committee.pk
            and person.pk not in people
        ):
            people[person.pk] = person
    title = title[:200]
    url = url[:500]
    have = set(
        Notification.objects.filter(
            committee=committee, key=key, recipient_id__in=list(people)
        ).values_list("recipient_id", flat=True)
    )
    new_people = [p for p in people.values() if p.pk not in have]
    emailed = _wants_email(new_people)
    with transaction.atomic():
        for person in new_people:
            notification, made = Notification.objects.get_or_create(
                committee=committee,
                recipient=person,
                key=key,
                defaults={"kind": kind, "title": title, "body": body, "url": url},
            )
            if not made:
                continue
            created.notifications.append(notification.pk)
            if person.pk in emailed:
                delivery = Delivery.objects.create(
                    committee=committee,
                    channel=Channel.EMAIL,
                    key=key,
                    notification=notification,
                    title=title,
                    body=body,
                    url=url,
                )
                created.deliveries.append(delivery.pk)
        if to_robots:
            for robot in WebhookRobot.objects.filter(committee=committee, enabled=True):
                if not robot.accepts(kind):
                    continue
                delivery, made = Delivery.objects.get_or_create(
                    committee=committee,
                    robot=robot,
                    key=key,
                    defaults={
                        "channel": robot.kind,
                        "title": title,
                        "body": body,
                        "url": url,
                    },
                )
                if made:
                    created.deliveries.append(delivery.pk)
    return created


def notify(
    committee: Committee,
    kind: str,
    key: str,
    recipients: Iterable[Any],
    *,
    title: str,
    body: str = "",
    url: str = "",
    to_robots: bool = False,
) -> Created:
    """Notify people now (not a daily reminder): write the rows, send after commit."""
    created = create_notifications(
        committee, kind, key, recipients, title=title, body=body, url=url, to_robots=to_robots
    )
    if created.deliveries:
        ids = list(created.deliveries)
        transaction.on_commit(lambda: deliver(Delivery.objects.filter(pk__in=ids)))
    return created


@dataclass
class RunSummary:
    kinds: int = 0
    reminders: int = 0
    created: Created = field(default_factory=Created)
    failed_kinds: list[str] = field(default_factory=list)


def collect_reminders(committee: Committee, today: datetime.date) -> RunSummary:
    """Ask every registered kind what is due today and write what is new.

    Each kind runs in its own savepoint: one that fails is logged and skipped, the
    others go on.
    """
    summary = RunSummary()
    for kind in registry.kinds():
        summary.kinds += 1
        try:
            with transaction.atomic():
                made = Created()
                count = 0
                for item in kind.due(committee, today):
                    count += 1
                    made.add(
                        create_notifications(
                            committee,
                            kind.code,
                            f"{kind.code}:{item.key}",
                            item.recipients,
                            title=str(item.title),
                            body=str(item.body),
                            url=item.url,
                            to_robots=item.to_robots,
                        )
                    )
        except Exception:
            log.exception("reminder kind %s failed for committee %s", kind.code, committee.code)
            summary.failed_kinds.append(kind.code)
            continue
        summary.reminders += count
        summary.created.add(made)
    return summary


# --- Delivering -----------------------------------------------------------------------


@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def due_deliveries(committee: Committee | None = None) -> Any:
    """Deliveries to try now: pending, or failed with attempts left."""
    qs = Delivery.objects.filter(
        Q(status=Delivery.Status.PENDING)
        | Q(status=Delivery.Status.FAILED, attempts__lt=max_attempts())
    )
    if committee is not None:
        qs = qs.filter(committee=committee)
    return qs


def deliver(deliveries: Any) -> DeliveryResult:
    """Send each delivery once; a failure is kept on its row and does not stop the rest.

    Call outside any transaction that created the rows. Each row is claimed by raising
    its attempt count only if nobody else did first, so two runs at once never both
    send it.
    """
    result = DeliveryResult()
    rows = list(
        deliveries.exclude(status=Delivery.Status.SENT)
        .select_related("notification__recipient", "robot")
        .order_by("id")
    )
    for row in rows:
        claimed = Delivery.objects.filter(
            pk=row.pk, attempts=row.attempts, status=row.status
        ).update(attempts=F("attempts") + 1, last_attempt_at=timezone.now())
        if not claimed:
            result.skipped += 1
            continue
        try:
            _send(row)
        except senders.SendError as error:
            result.failed += 1
            Delivery.objects.filter(pk=row.pk).update(
                status=Delivery.Status.FAILED, last_error=str(error)[:500]
            )
        except Exception as error:  # a bug in one channel must not stop the others
            log.exception("delivery %s failed", row.pk)
            result.failed += 1
            Delivery.objects.filter(pk=row.pk).update(
                status=Delivery.Status.FAILED, last_error=f"{type(error).__name__}"[:500]
            )
        else:
            result.sent += 1
            Delivery.objects.filter(pk=row.pk).update(
                status=Delivery.Status.SENT, sent_at=timezone.now(), last_error=""
            )
    return result


def _send(row: Delivery) -> None:
    if row.channel == Channel.EMAIL:
        if row.notification is None:
            raise senders.SendError("no notification")
        person = row.notification.recipient
        if not person.email or not person.is_active:
            raise senders.SendError("no email address")
        senders.send_email(person.email, row.title, row.body, row.url)
        return
    robot = row.robot
    if robot is None or not robot.enabled:
        raise senders.SendError("robot disabled")
    _send_to_robot(robot, row.title, row.body, row.url)


def _send_to_robot(robot: WebhookRobot, title: str, body: str, url: str) -> None:
    if robot.kind == Channel.WECOM:
        senders.send_wecom(robot.url, title, body, url)
    elif robot.kind == Channel.DINGTALK:
        senders.send_dingtalk(robot.url, robot.secret, title, body, url)
    else:
        raise senders.SendError(f"unknown robot kind {robot.kind}")


# --- Reading --------------------------------------------------------------------------


def mark_read(user: User, notification: Notification) -> None:
    if notification.recipient_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def mark_all_read(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def set_preferences(user: User, *, email: bool) -> NotificationPreference:
    pref, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email": email, "committee_id": user.committee_id}
    )
    return pref


# --- Group robots (the system administrator) ------------------------------------------

ROBOT_FIELDS = ("kind", "name", "enabled", "reminder_kinds")


def _robot_values(robot: WebhookRobot) -> dict[str, Any]:
    # Never the address or the secret: they hold credentials. Only whether they are set.
    values: dict[str, Any] = {name: getattr(robot, name) for name in ROBOT_FIELDS}
    values["has_secret"] = bool(robot.secret)
    return values


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


@transaction.atomic
def save_robot(
    actor: User,
    committee: Committee,
    robot: WebhookRobot,
    *,
    request: HttpRequest | None = None,
) -> WebhookRobot:
    """Create or change a group robot (form-validated ``robot``), audited."""
    _require(can(actor, Action.CHANGE, WebhookRobot) and actor.committee_id == committee.pk)
    if robot.pk is not None and robot.committee_id != committee.pk:
        raise PermissionDenied
    robot.committee = committee
    addresses.check_robot_url(robot.url)
    before: dict[str, Any] = {}
    url_changed = True
    if robot.pk is not None:
        old = WebhookRobot.objects.select_for_update().get(pk=robot.pk)
        before = _robot_values(old)
        url_changed = old.url != robot.url
        secret_changed = old.secret != robot.secret
    else:
        secret_changed = bool(robot.secret)
    robot.save()
    after = _robot_values(robot)
    changed = {
        k: {"before": before.get(k), "after": after[k]} for k in after if before.get(k) != after[k]
    }
    if url_changed:
        changed["url"] = {"changed": True}
    if secret_changed:
        changed["secret"] = {"changed": True}
    record(
        events.SETTINGS_CHANGED,
        request=request,
        user=actor,
        obj=robot,
        detail={"setting": "webhook_robot", "created": not before, "changed": changed},
    )
    return robot


def send_test_message(actor: User, robot: WebhookRobot) -> None:
    """Post a test message to the robot now; SendError says why it failed."""
    _require(can(actor, Action.CHANGE, robot))
    from django.utils.translation import gettext as _

    _send_to_robot(
        robot,
        _("Test message from Heli"),
        _("If this group sees this message, reminders will reach it."),
        "",
    )


__all__ = [
    "ROBOT_CHANNELS",
    "collect_reminders",
    "create_notifications",
    "deliver",
    "due_deliveries",
    "mark_all_read",
    "mark_read",
    "notify",
    "save_robot",
    "send_test_message",
    "set_preferences",
]
