"""Everything that changes accounts, roles, passwords and second factors.

Each function checks that the actor may do it (the policy, and the rules of 三员分立),
makes the change in one transaction and records it in the audit log. Views and tests
call these; nothing else writes these records.
"""

from __future__ import annotations

from typing import Any

import django_otp
from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from heli.accounts import issued, lockout, notices, otp
from heli.accounts.models import (
    ADMIN_ROLES,
    DEPARTMENT_SCOPED,
    UNIT_SCOPED,
    IssuedPassword,
    Role,
    RoleAssignment,
    SecurityPolicy,
    SignInCheck,
    User,
    policy_for,
    policy_for_user,
)
from heli.accounts.policy import Action, can, forget_scope, visible
from heli.accounts.validators import generate_password
from heli.audit import events
from heli.audit.actions import record
from heli.audit.models import AuditEvent
from heli.org.models import Committee, Department, Unit

FAILURE = AuditEvent.Result.FAILURE


def _require(allowed: bool) -> None:
    # Views turn refusals into 404s before calling; this guards every other caller.
    if not allowed:
        raise PermissionDenied


# --- Accounts (the system administrator) ---------------------------------------------


@transaction.atomic
def create_account(
    actor: User,
    *,
    username: str,
    full_name: str,
    title: str = "",
    request: HttpRequest | None = None,
) -> tuple[User, str]:
    """A new account in the actor's committee, with a one-time password to hand over.

    The account holds no role until the security administrator grants one. Its first
    sign-in waits for a security administrator's confirmation (``heli.accounts.issued``),
    then its owner must choose a new password before anything else.
    """
    _require(can(actor, Action.MANAGE_ACCOUNTS, User))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {
                "username": _("The username %(username)s is taken. Choose another.")
                % {"username": username}
            }
        )
    policy = policy_for(actor.committee)
    password = generate_password(policy, username)
    person = User(
        username=username,
        full_name=full_name,
        title=title,
        committee=actor.committee,
        must_change_password=True,
    )
    person.set_password(password)
    person.save()
    issued.issue(person, actor, IssuedPassword.Reason.CREATED)
    record(
        events.ACCOUNT_CREATED,
        request=request,
        user=actor,
        obj=person,
        detail={"username": username, "full_name": full_name, "title": title},
    )
    return person, password


@transaction.atomic
def reset_password(actor: User, person: User, *, request: HttpRequest | None = None) -> str:
    """A new one-time password for someone who forgot theirs; they must change it at once.

    The issuer cannot use it: a sign-in with it waits for a security administrator to
    confirm it is the owner (or for the owner's own second factor). The owner is told.
    """
    _require(can(actor, Action.MANAGE_ACCOUNTS, person))
    if person.pk == actor.pk:
        raise ValidationError(_("Change your own password on the Change password page."))
    password = generate_password(policy_for_user(person), person.username)
    person.set_password(password)
    person.must_change_password = True
    # The new hash also ends every session of the old password (Django checks it).
    person.save(update_fields=["password", "must_change_password"])
    issue = issued.issue(person, actor, IssuedPassword.Reason.RESET)
    record(
        events.PASSWORD_RESET,
        request=request,
        user=actor,
        obj=person,
        detail={"issued": issue.pk},
    )
    with translation.override(settings.LANGUAGE_CODE):
        notices.send(
            person.committee,
            notices.Notice(
                key=f"accounts.password_reset:{issue.pk}",
                recipients=[person],
                title=_("Your password was reset"),
                body=_(
                    "On %(time)s the system administrator %(name)s set a one-time password "
                    "for your account. Your first sign-in with it waits until the security "
                    "administrator confirms it is you. If you did not ask for a new "
                    "password, tell the security administrator at once."
                )
                % {
                    "time": f"{timezone.localtime(issue.issued_at):%Y-%m-%d %H:%M}",
                    "name": actor.get_full_name(),
                },
                url=reverse("accounts:password_change"),
            ),
        )
    return password


@transaction.atomic
def disable_account(actor: User, person: User, *, request: HttpRequest | None = None) -> None:
    _require(can(actor, Action.MANAGE_ACCOUNTS, person))
    if person.pk == actor.pk:
        raise ValidationError(_("You cannot disable your own account."))
    if not person.is_active:
        return
    person.is_active = False
    person.save(update_fields=["is_active"])
    record(events.ACCOUNT_DISABLED, request=request, user=actor, obj=person)


@transaction.atomic
def enable_account(actor: User, person: User, *, request: HttpRequest | None = None) -> None:
    _require(can(actor, Action.MANAGE_ACCOUNTS, person))
    if person.is_active:
        return
    person.is_active = True
    person.save(update_fields=["is_active"])
    record(events.ACCOUNT_ENABLED, request=request, user=actor, obj=person)


# --- Roles (the security administrator) ----------------------------------------------


@transaction.atomic
def grant_role(
    actor: User,
    person: User,
    role: str,
    *,
    department: Department | None = None,
    unit: Unit | None = None,
) -> RoleAssignment:
    """Give ``person`` a role in the actor's committee, scoped as the role requires.

    三员分立: an account holds at most one of the three administrator roles and, as an
    administrator, no business role (the database also refuses a second admin role).
    """
    _require(can(actor, Action.MANAGE_ROLES, person))
    committee = actor.committee
    if committee is None:
        raise PermissionDenied
    role = Role(role)
    if role in DEPARTMENT_SCOPED:
        if department is None or department.committee_id != committee.pk:
            raise ValidationError({"department": _("Choose the department for this role.")})
        unit = None
    elif role in UNIT_SCOPED:
        if unit is None or unit.committee_id != committee.pk:
            raise ValidationError({"unit": _("Choose the unit for this role.")})
        if unit.status != Unit.Status.ACTIVE:
            raise ValidationError({"unit": _("This unit has been merged or abolished.")})
        department = None
    else:
        department = unit = None
    held = set(
        RoleAssignment.objects.select_for_update()
        .filter(user=person)
        .values_list("role", flat=True)
    )
    if role in ADMIN_ROLES and held & ADMIN_ROLES - {role}:
        raise ValidationError(
            {
                "role": _(
                    "An account may hold only one of the system, security and audit "
                    "administrator roles. Revoke the other one first, or use another account."
                )
            }
        )
    if role in ADMIN_ROLES and held - ADMIN_ROLES:
        raise ValidationError(
            {
                "role": _(
                    "An administrator account holds no business role. Revoke its other "
                    "roles first, or use another account."
                )
            }
        )
    if role not in ADMIN_ROLES and held & ADMIN_ROLES:
        raise ValidationError(
            {
                "role": _(
                    "This is an administrator account: it may hold no business role. "
                    "Use the person's own account."
                )
            }
        )
    exists = RoleAssignment.objects.filter(
        user=person, role=role, department=department, unit=unit
    ).exists()
    if exists:
        raise ValidationError({"role": _("The account already holds this role.")})
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=person, committee=committee, role=role, department=department, unit=unit
            )
    except IntegrityError as error:
        # Two grants at once: the database's one-admin-role index decided.
        raise ValidationError(
            {"role": _("The account already holds an administrator role.")}
        ) from error
    forget_scope(person)
    # ROLE_GRANTED is recorded by the audit app from the model's own signal, wherever a
    # role is created (heli.audit.signals); recording it here too would double it.
    return assignment


@transaction.atomic
def revoke_role(actor: User, assignment: RoleAssignment) -> None:
    _require(can(actor, Action.MANAGE_ROLES, assignment))
    person = assignment.user
    # ROLE_REVOKED is recorded by the audit app from the model's delete signal.
    assignment.delete()
    forget_scope(person)


# --- Lockouts and the security policy (the security administrator) --------------------


@transaction.atomic
def unlock_account(
    actor: User,
    *,
    username: str = "",
    ip_address: str = "",
    request: HttpRequest | None = None,
) -> int:
    """End a sign-in lock early: of one of the committee's accounts, or of an address.

    An address may be unlocked only if it was locked while trying this committee's
    accounts: another committee's attackers are not ours to let back in.
    """
    committee = actor.committee
    _require(committee is not None and can(actor, Action.MANAGE_SECURITY, committee))
    ours = visible(actor, User).values("username")
    locks = lockout.current_locks(ours)
    if username:
        person = visible(actor, User).filter(username=username).first()
        if person is None or username not in {lock.key for lock in locks.accounts}:
            raise ValidationError(_("This account is not locked."))
        count = lockout.unlock(username=username)
        record(events.ACCOUNT_UNLOCKED, request=request, user=actor, obj=person)
        return count
    if ip_address and ip_address in {lock.key for lock in locks.addresses}:
        count = lockout.unlock(ip_address=ip_address)
        record(
            events.ACCOUNT_UNLOCKED,
            request=request,
            user=actor,
            object_type="ip_address",
            object_id=ip_address,
            object_repr=ip_address,
            detail={"ip_address": ip_address},
        )
        return count
    raise ValidationError(_("This address is not locked."))


@transaction.atomic
def set_security_policy(
    actor: User,
    committee: Committee,
    values: dict[str, Any],
    *,
    request: HttpRequest | None = None,
) -> SecurityPolicy:
    """Change the committee's security policy (made on first change), recording before/after."""
    _require(can(actor, Action.MANAGE_SECURITY, committee))
    policy, _created = SecurityPolicy.objects.select_for_update().get_or_create(committee=committee)
    before = policy.values()
    for name in SecurityPolicy.EDITABLE:
        if name in values:
            setattr(policy, name, values[name])
    policy.full_clean()
    after = policy.values()
    if after == before and not _created:
        return policy
    policy.save()
    changed = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    record(
        events.SETTINGS_CHANGED,
        request=request,
        user=actor,
        obj=policy,
        detail={"setting": "security_policy", "before": before, "after": after, "changed": changed},
    )
    return policy


# --- Sign-ins with an issued password (the security administrator) ---------------------


def _checkable(actor: User, check: SignInCheck) -> SignInCheck:
    """The check, locked, if ``actor`` may decide it; refusals as for every other caller."""
    committee = actor.committee
    _require(committee is not None and can(actor, Action.MANAGE_SECURITY, committee))
    locked = (
        SignInCheck.objects.select_for_update()
        .select_related("issued__user")
        .filter(pk=check.pk, issued__user__in=visible(actor, User))
        .first()
    )
    if locked is None:
        raise PermissionDenied
    person = locked.issued.user
    if actor.pk in (person.pk, locked.issued.issued_by_id):
        # 三员分立: no one confirms a sign-in to their own account or with a password
        # they issued.
        raise PermissionDenied
    if (
        locked.status != SignInCheck.Status.WAITING
        or locked.issued.closed_at is not None
        or issued.is_expired(locked)
    ):
        raise ValidationError(
            _(
                "This sign-in is no longer waiting: it was decided, or it waited longer "
                "than %(minutes)d minutes. Ask the person to sign in again."
            )
            % {"minutes": int(issued.CONFIRM_WITHIN.total_seconds() // 60)}
        )
    return locked


def confirm_sign_in(
    actor: User, check: SignInCheck, code: str, *, request: HttpRequest | None = None
) -> None:
    """Let a sign-in with an issued password go on: ``code`` is what its session shows.

    Confirm only after making sure it is the owner who reads the code out (call them
    back on a number you know). A wrong code is audited and refused.
    """
    with transaction.atomic():
        locked = _checkable(actor, check)
        person = locked.issued.user
        if issued.code_matches(locked, code):
            locked.status = SignInCheck.Status.CONFIRMED
            locked.decided_by = actor
            locked.decided_at = timezone.now()
            locked.save(update_fields=["status", "decided_by", "decided_at"])
            record(
                events.SIGN_IN_CONFIRMED,
                request=request,
                user=actor,
                obj=person,
                detail={"check": locked.pk, "ip_address": locked.ip_address},
            )
            return
    record(
        events.SIGN_IN_CONFIRMED,
        request=request,
        user=actor,
        obj=person,
        result=FAILURE,
        detail={"check": locked.pk, "reason": "wrong_code"},
    )
    raise ValidationError(
        {
            "code": _(
                "That is not the code this sign-in shows. Ask the person to read out the "
                "six digits on their screen again."
            )
        }
    )


@transaction.atomic
def refuse_sign_in(actor: User, check: SignInCheck, *, request: HttpRequest | None = None) -> None:
    """Not the owner: the one-time password stops working and its sessions end.

    The system administrator must issue a new one for the owner.
    """
    locked = _checkable(actor, check)
    person = locked.issued.user
    now = timezone.now()
    locked.status = SignInCheck.Status.REFUSED
    locked.decided_by = actor
    locked.decided_at = now
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    SignInCheck.objects.filter(issued=locked.issued, status=SignInCheck.Status.WAITING).update(
        status=SignInCheck.Status.REFUSED, decided_by=actor, decided_at=now
    )
    IssuedPassword.objects.filter(pk=locked.issued_id).update(closed_at=now)
    # A new hash ends every session signed in with the one-time password.
    person.set_unusable_password()
    person.save(update_fields=["password"])
    record(
        events.SIGN_IN_REFUSED,
        request=request,
        user=actor,
        obj=person,
        detail={"check": locked.pk, "ip_address": locked.ip_address},
    )


# --- One's own password and second factor ---------------------------------------------


@transaction.atomic
def change_password(
    request: HttpRequest, user: User, new_password: str, *, validated: bool = False
) -> None:
    """The signed-in user's own new password (the view has checked the old one).

    ``validated``: the form already ran the password rules; the history check hashes
    the password once per remembered password, so it is not run twice.
    """
    if not validated:
        validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    issued.close(user)
    # Stay signed in here; every other session of the old password ends.
    update_session_auth_hash(request, user)
    record(events.PASSWORD_CHANGED, request=request, user=user, obj=user)


@transaction.atomic
def set_display(request: HttpRequest, user: User, *, large_text: bool) -> bool:
    """The signed-in person's own display setting; True if it changed (then audited)."""
    if user.large_text == large_text:
        return False
    before = user.large_text
    user.large_text = large_text
    user.save(update_fields=["large_text"])
    record(
        events.ACCOUNT_UPDATED,
        request=request,
        user=user,
        obj=user,
        detail={"changes": {"large_text": [before, large_text]}},
    )
    return True


def wrong_password(request: HttpRequest, user: User, event: str) -> bool:
    """A re-entered password was wrong: audit it and count it towards the lockout.

    Returns True if that locked the account or the address.
    """
    record(
        event,
        request=request,
        user=user,
        obj=user,
        result=FAILURE,
        detail={"reason": "wrong_password"},
    )
    return lockout.count_failure(request, user.get_username())


def _otp_failure(request: HttpRequest, user: User, device: TOTPDevice, stage: str) -> bool:
    detail: dict[str, Any] = {"stage": stage, "failures": device.throttling_failure_count}
    wait = otp.wait_until(device)
    if wait is not None:
        detail["throttled_until"] = wait
    record(events.OTP_FAILURE, request=request, user=user, obj=user, result=FAILURE, detail=detail)
    return lockout.count_failure(request, user.get_username())


@transaction.atomic
def confirm_device(request: HttpRequest, user: User, device: TOTPDevice, code: str) -> bool:
    """Enrolment: the first code from a new device makes it the user's second factor.

    A device the user had before stops working in the same step: this is also how an
    administrator changes phones (the view has checked the password again).
    """
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if otp.check_code(device, code) is not otp.Check.ACCEPTED:
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    old = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk)
    replaced = [d.persistent_id for d in old]
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    _complete_second_factor(request, user, device)
    detail: dict[str, Any] = {"device": device.persistent_id}
    if replaced:
        detail["replaced"] = replaced
    record(events.OTP_ENROLLED, request=request, user=user, obj=user, detail=detail)
    return True


def enrolment_failed(request: HttpRequest, user: User, device: TOTPDevice) -> bool:
    return _otp_failure(request, user, device, "enrol")


def verify_code(request: HttpRequest, user: User, code: str) -> otp.Check:
    """The second step of signing in: whether the code was accepted, wrong, or not checked.

    A wrong code counts like a wrong password (5 lock the account for 15 minutes); after
    the first wrong ones the device also makes the next try wait (``heli.accounts.otp``).
    A code sent during that wait is not checked and not counted.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            return otp.Check.WRONG
        result = otp.check_code(device, code)
        if result is otp.Check.ACCEPTED:
            _complete_second_factor(request, user, device)
            return result
    if result is otp.Check.WRONG:
        _otp_failure(request, user, device, "sign_in")
    return result


def _complete_second_factor(request: HttpRequest, user: User, device: TOTPDevice) -> None:
    # A new session key for the stronger authentication, then mark it verified.
    request.session.cycle_key()
    django_otp.login(request, device)
    request.session[otp.SESSION_HAS_DEVICE] = True
    lockout.forget_failures(user.get_username())


@transaction.atomic
def remove_device(request: HttpRequest, user: User) -> None:
    """Stop using a second factor (password re-entered by the view).

    Administrators may not: they may only replace their device by enrolling a new one,
    which ends the old one in the same step (``confirm_device``).
    """
    if otp.required_for(user, policy_for_user(user)):
        raise ValidationError(
            _(
                "Administrators must keep two-step verification. To change phones, set up "
                "the new one under Replace your device: the old one stops working in the "
                "same step."
            )
        )
    devices = list(TOTPDevice.objects.filter(user=user))
    if not devices:
        return
    TOTPDevice.objects.filter(user=user).delete()
    request.session[otp.SESSION_HAS_DEVICE] = False
    record(
        events.OTP_REMOVED,
        request=request,
        user=user,
        obj=user,
        detail={"devices": [d.persistent_id for d in devices]},
    )
