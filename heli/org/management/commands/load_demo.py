"""``python manage.py load_demo``: load the demonstration committee (示例数据) and show its logins."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from heli.lib.dates import current_year
from heli.org.demo import DemoConflict, DemoResult, load_demo
from heli.org.demo_loader import refuse_in_production
from heli.org.demo_people import development_run
from heli.org.models import GroupMembership


def _width(text: str) -> int:
    """Columns the text takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table with aligned columns, for the console."""
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    rule = "  ".join("-" * w for w in widths)
    lines = [
        "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join([lines[0], rule, *lines[1:]])


def leads_table(result: DemoResult, year: int) -> str:
    """Who leads each group this year: the lead units' secretaries, who plan and run their
    group's joint meetings with their demonstration logins."""
    rows = [
        [
            m.group_year.group.name,
            m.unit.short_name or m.unit.name,
            m.unit.organ_party_org.secretary.username,
            m.unit.organ_party_org.secretary.full_name,
        ]
        for m in GroupMembership.objects.filter(committee=result.committee, year=year, is_lead=True)
        .select_related("group_year__group", "unit__organ_party_org__secretary")
        .order_by("group_year__group__number", "unit__sort_order")
        if getattr(m.unit, "organ_party_org", None) is not None
        and m.unit.organ_party_org.secretary is not None
    ]
    return format_table(["组", "牵头单位", "书记账号", "姓名"], rows)


def logins_table(result: DemoResult) -> str:
    header = ["用户名", "密码", "角色", "范围", "姓名", "职务"]
    rows = [
        [
            login.username,
            result.password,
            login.role_label,
            login.scope_label,
            login.full_name,
            login.title,
        ]
        for login in result.logins
    ]
    return format_table(header, rows)


class Command(BaseCommand):
    help = "载入示例工委（示例数据，非正式名册）并列出示例登录账号；可重复运行。"

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] >= 1
        try:
            refuse_in_production()
            result = load_demo(stdout=self.stdout if verbose else None)
        except DemoConflict as error:
            raise CommandError(str(error)) from error
        if not verbose:
            return
        self.stdout.write("")
        if result.changed:
            self.stdout.write(self.style.SUCCESS(f"示例数据已载入：{result.committee.name}。"))
        else:
            self.stdout.write(self.style.SUCCESS("示例数据已是最新，未作任何修改。"))
        self.stdout.write("")
        self.stdout.write("示例登录账号（仅供演示，请勿用于生产环境）：")
        self.stdout.write(logins_table(result))
        self.stdout.write("")
        self.stdout.write(
            "各单位的机关党委书记和工作人员账号为 u001_secretary、u001_staff……"
            f"u122_secretary、u122_staff，密码同为 {result.password}。"
        )
        year = current_year()
        self.stdout.write("")
        self.stdout.write(f"{year}年度各组牵头单位（其书记负责本组的联席会）：")
        self.stdout.write(leads_table(result, year))
        if development_run():
            self.stdout.write(
                "这是开发运行（DEBUG=True，make run 即如此）：示例账号可直接用上面的密码登录。"
            )
        else:
            self.stdout.write(
                "这不是开发运行（DEBUG 未开启）：示例密码是公开的，每个示例账号首次登录时"
                "须先把它改成自己的密码（新密码不能与示例密码相同）。"
            )
        self.stdout.write(
            "系统管理员、安全管理员、审计管理员（admin、secadmin、auditor）首次登录时（须改密码的先改密码）"
            "还须绑定两步验证：用手机上的身份验证器（如 Microsoft Authenticator）扫描页面上的二维码，"
            "再输入其显示的六位动态口令。"
        )
