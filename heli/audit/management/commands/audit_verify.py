"""Prove that no audit record was changed or removed: ``manage.py audit_verify``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from heli.audit import chain


def _head(value: str) -> tuple[int, str]:
    number, _sep, mac = value.partition(":")
    if not number.isdigit() or len(mac) != 64:
        raise CommandError(f"--head 的格式是 编号:MAC（64 位十六进制），收到的是 {value!r}。")
    return int(number), mac.lower()


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y年%m月%d日 %H:%M:%S") if value else "—"


class Command(BaseCommand):
    help = (
        "Recompute every audit record's HMAC-SM3 in id order and check the links, the "
        "start (only vouched retention pruning may remove rows there) and the end (the "
        "head anchor). Exits non-zero at the first broken record."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--head",
            metavar="ID:MAC",
            help="a head printed by an earlier run, kept outside the database; the chain "
            "must still hold that record unchanged",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        head = _head(options["head"]) if options["head"] else None
        report = chain.verify(head=head)
        if report.guards is False:
            self.stderr.write(
                "警告：数据库里的审计表保护触发器不全或被停用了。运行 manage.py migrate 可以重新"
                "安装；请查明是谁停用的。"
            )
        if not report.ok:
            where = f"（第 {report.problem_id} 条）" if report.problem_id else ""
            raise CommandError(
                f"审计日志校验失败{where}：{report.problem}\n在此之前已核对 {report.rows} 条记录。"
            )
        if not report.rows:
            self.stdout.write(self.style.SUCCESS("审计日志为空，没有需要校验的记录。"))
            return
        lines = [
            f"审计日志完好：共 {report.rows} 条记录（第 {report.first_id} 至 "
            f"{report.last_id} 条），时间从 {_when(report.first_at)} 到 {_when(report.last_at)}。",
            "每条记录的 HMAC-SM3 都相符，前后链接完整，链头与最后一条记录一致。",
        ]
        if report.pruned_by:
            lines.append(
                f"第 {report.first_id} 条之前的记录已按保留期限清理，"
                f"第 {report.pruned_by} 条清理记录为此作证。"
            )
        lines.extend(report.notes)
        lines.append(
            f"链头：{report.last_id}:{report.last_mac}"
            "（请把这一行另存到数据库以外，下次用 --head 核对，可发现连同链头一起被回退的删除）"
        )
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
