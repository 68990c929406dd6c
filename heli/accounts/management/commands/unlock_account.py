"""End a sign-in lock from the command line: ``manage.py unlock_account <username>``.

For when nobody who could unlock it on the lockouts page can sign in, above all the
security administrator locked out of their own account. ``--address <ip>`` reopens a
locked source address instead (or as well). Each unlock is written to the audit log,
with the operating-system account that ran the command.
"""

from __future__ import annotations

import getpass
import ipaddress
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from heli.accounts import lockout
from heli.audit import events
from heli.audit.actions import record

VIA = "manage.py unlock_account"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this process's user id
        return ""


def _time(when: Any) -> str:
    return lockout.shown_time(when) if when is not None else ""


class Command(BaseCommand):
    help = (
        "End the sign-in lock of an account (its failed sign-ins and the wait of its "
        "two-step device), or of a source address with --address. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", default="", help="the account to unlock")
        parser.add_argument("--address", default="", help="a source address to unlock")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"].strip()
        address: str = options["address"].strip()
        if not username and not address:
            raise CommandError("请给出要解锁的用户名，或用 --address 给出来源地址。")
        if address:
            try:
                address = str(ipaddress.ip_address(address))
            except ValueError:
                raise CommandError(f"“{address}”不是有效的 IP 地址。") from None
        if username:
            self._unlock_account(username)
        if address:
            self._unlock_address(address)

    @transaction.atomic
    def _unlock_account(self, username: str) -> None:
        user = get_user_model()._default_manager.filter(username=username).first()
        failures = lockout.failures(lockout.ACCOUNT, username)
        until = lockout.lock_state(username, None).account_until
        waiting = TOTPDevice.objects.filter(
            user__username=username, throttling_failure_count__gt=0
        ).exists()
        if user is None and not failures:
            raise CommandError(f"没有用户名为 {username} 的账号，也没有它的失败登录记录。")
        if not failures and not waiting:
            self.stdout.write(f"账号 {username} 没有被锁定，也没有失败记录，未做改动。")
            return
        cleared = lockout.unlock(username=username)
        detail: dict[str, Any] = {
            "via": VIA,
            "os_user": _os_user(),
            "account": username,
            "was_locked": until is not None,
            "failures_cleared": failures,
        }
        if user is not None:
            record(events.ACCOUNT_UNLOCKED, user=None, obj=user, detail=detail)
        else:
            record(
                events.ACCOUNT_UNLOCKED,
                user=None,
                object_type="username",
                object_id=username[:100],
                object_repr=username,
                detail=detail,
            )
        if until is not None:
            head = f"账号 {username} 原锁定至 {_time(until)}，已解除"
        else:
            head = f"账号 {username} 没有被锁定，已清除其失败记录"
        self.stdout.write(
            f"{head}（{failures} 次失败，{cleared} 条记录；动态口令的等待一并取消）。"
            f"现在可以登录。已记入审计日志（{timezone.localtime():%Y-%m-%d %H:%M}）。"
        )

    @transaction.atomic
    def _unlock_address(self, address: str) -> None:
        failures = lockout.failures(lockout.ADDRESS, address)
        until = lockout.lock_state(None, address).address_until
        if not failures:
            self.stdout.write(f"来源地址 {address} 没有被锁定，也没有失败记录，未做改动。")
            return
        cleared = lockout.unlock(ip_address=address)
        record(
            events.ACCOUNT_UNLOCKED,
            user=None,
            object_type="ip_address",
            object_id=address,
            object_repr=address,
            detail={
                "via": VIA,
                "os_user": _os_user(),
                "ip_address": address,
                "was_locked": until is not None,
                "failures_cleared": failures,
            },
        )
        if until is not None:
            head = f"来源地址 {address} 原锁定至 {_time(until)}，已解除"
        else:
            head = f"来源地址 {address} 没有被锁定，已清除其失败记录"
        self.stdout.write(
            f"{head}（{failures} 次失败，{cleared} 条记录）。已记入审计日志"
            f"（{timezone.localtime():%Y-%m-%d %H:%M}）。"
        )
