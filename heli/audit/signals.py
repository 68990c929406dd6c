"""Events the audit log hears about through signals: sign-ins and role changes.

Role assignments are audited here, on the model's own signals, so a role granted or
revoked anywhere — a view, the import, a management command, the shell — leaves a row
(``QuerySet.update`` and ``bulk_create`` send no signals: code that uses them on
``RoleAssignment`` records its own event). The actor and the source address come from
the request being served, if any.
"""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import post_delete, post_migrate, post_save
from django.http import HttpRequest

from heli.accounts.models import RoleAssignment
from heli.audit import events
from heli.audit.actions import record
from heli.audit.models import AuditEvent

logger = logging.getLogger(__name__)

GUARDS_MIGRATION = "0003_append_only_triggers"
# Long enough for any real username; a pasted essay stops here.
ATTEMPTED_USERNAME_MAX = 150


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(events.LOGIN_SUCCESS, request=request, user=user)


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:  # signing out without having signed in
        return
    record(events.LOGOUT, request=request, user=user)


def _account(username: str) -> Any:
    """The account a failed sign-in aimed at, if there is one."""
    if not username:
        return None
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only the username is kept: Django has already masked the password, and nothing
    # else in the credentials belongs in a log.
    username = str(credentials.get(get_user_model().USERNAME_FIELD) or "")
    username = username[:ATTEMPTED_USERNAME_MAX]
    account = _account(username)
    record(
        events.LOGIN_FAILURE,
        request=request,
        user=account,
        result=AuditEvent.Result.FAILURE,
        detail={"username": username, "account_exists": account is not None},
        committee=getattr(account, "committee_id", None),
    )


def on_locked_out(
    sender: Any,
    request: HttpRequest | None = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    name = str(username or "")[:ATTEMPTED_USERNAME_MAX]
    account = _account(name)
    record(
        events.LOGIN_LOCKOUT,
        request=request,
        user=account,
        result=AuditEvent.Result.DENIED,
        detail={"username": name, "ip_address": ip_address or ""},
        committee=getattr(account, "committee_id", None),
    )


def _role_detail(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "role": assignment.role,
        # The user column names who acted; the holder of the role is named here.
        "holder_id": assignment.user_id,
        "holder": _holder(assignment),
        "department_id": assignment.department_id,
        "unit_id": assignment.unit_id,
    }


def _holder(assignment: RoleAssignment) -> str:
    user = get_user_model()._default_manager.filter(pk=assignment.user_id).first()
    return getattr(user, "username", "") or str(assignment.user_id)


def _role_repr(assignment: RoleAssignment) -> str:
    try:
        return str(assignment)
    except Exception:  # a related row already gone (deleted along with the user)
        return f"{assignment.user_id} · {assignment.get_role_display()}"


def on_role_saved(sender: Any, instance: RoleAssignment, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata
        return
    detail = _role_detail(instance)
    record(
        events.ROLE_GRANTED if created else events.ROLE_CHANGED,
        obj=instance,
        object_repr=_role_repr(instance),
        committee=instance.committee_id,
        detail=detail,
    )


def on_role_deleted(sender: Any, instance: RoleAssignment, **kwargs: Any) -> None:
    detail = _role_detail(instance)
    record(
        events.ROLE_REVOKED,
        obj=instance,
        object_repr=_role_repr(instance),
        committee=instance.committee_id,
        detail=detail,
    )


def reinstall_guards(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After every migrate: put back triggers that a rebuilt SQLite table lost."""
    from django.db import connections

    from heli.audit import guards

    connection = connections[using]
    if not guards.supported(connection) or guards.installed(connection):
        return
    # Not after the migration that installs them was undone on purpose.
    applied = MigrationRecorder(connection).applied_migrations()
    if (sender_label(sender), GUARDS_MIGRATION) in applied:
        guards.install(connection)


def sender_label(sender: Any) -> str:
    return str(getattr(sender, "label", "audit"))


def connect(sender_app: Any) -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="heli.audit.login")
    user_logged_out.connect(on_logged_out, dispatch_uid="heli.audit.logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="heli.audit.login_failed")
    post_save.connect(on_role_saved, sender=RoleAssignment, dispatch_uid="heli.audit.role_saved")
    post_delete.connect(
        on_role_deleted, sender=RoleAssignment, dispatch_uid="heli.audit.role_deleted"
    )
    post_migrate.connect(reinstall_guards, sender=sender_app, dispatch_uid="heli.audit.guards")
    connect_axes()


def connect_axes() -> bool:
    """Listen to django-axes' lockouts, when axes is installed (it may not be yet)."""
    if not apps.is_installed("axes"):
        return False
    try:
        from axes.signals import user_locked_out
    except ImportError:  # pragma: no cover - installed app without the module
        logger.warning("axes is installed but axes.signals cannot be imported")
        return False
    user_locked_out.connect(on_locked_out, dispatch_uid="heli.audit.locked_out")
    return True
