"""``python manage.py rotate_field_key``: re-encrypt every encrypted field with the current key.

Rotation: set the new key as FIELD_ENCRYPTION_KEY, move the old one to
FIELD_ENCRYPTION_OLD_KEYS, restart, run this command, then remove the old key. Rows are
handled in batches by primary key, one transaction each, so the command can be stopped
and run again: rows already under the current key are skipped.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction

from heli.lib.fields import EncryptedCharField, Sealed, key_id_of
from heli.lib.keys import keyring


def encrypted_models() -> list[tuple[type[models.Model], list[EncryptedCharField]]]:
    """Concrete models with the encrypted fields each defines itself."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, EncryptedCharField) and f.model is model
        ]
        if fields:
            found.append((model, fields))
    return found


def rotate_model(
    model: type[models.Model],
    fields: list[EncryptedCharField],
    current_key_id: str,
    batch_size: int,
    dry_run: bool = False,
) -> tuple[int, int]:
    """Re-encrypt the values not under ``current_key_id``; (rows seen, rows re-encrypted)."""
    names = [f.attname for f in fields]
    rows = model._base_manager.order_by("pk").only("pk", "row_uid", *names)
    seen = changed = 0
    last_pk: Any = None
    while True:
        with transaction.atomic():
            batch_query = rows if last_pk is None else rows.filter(pk__gt=last_pk)
            batch = list(batch_query.select_for_update()[:batch_size])
            for obj in batch:
                stale = [
                    name
                    for name in names
                    if isinstance(obj.__dict__[name], Sealed)
                    and key_id_of(obj.__dict__[name]) != current_key_id
                ]
                if stale and not dry_run:
                    obj.save(update_fields=stale)  # pre_save opens and re-seals each value
                changed += bool(stale)
        if not batch:
            return seen, changed
        seen += len(batch)
        last_pk = batch[-1].pk


class Command(BaseCommand):
    help = "用当前字段加密密钥重新加密所有加密字段（轮换密钥后运行；可中断后重跑）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="每个事务处理的行数")
        parser.add_argument("--dry-run", action="store_true", help="只统计需要重新加密的行，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        current = keyring().current
        if keyring().development:
            self.stderr.write("注意：当前密钥由 SECRET_KEY 派生，仅供开发使用。")
        total = 0
        for model, fields in encrypted_models():
            seen, changed = rotate_model(
                model, fields, current.key_id, options["batch_size"], options["dry_run"]
            )
            total += changed
            verb = "需重新加密" if options["dry_run"] else "已重新加密"
            self.stdout.write(
                f"{model._meta.label}（{', '.join(f.name for f in fields)}）："
                f"共 {seen} 行，{verb} {changed} 行。"
            )
        self.stdout.write(f"完成：当前密钥 {current.key_id}，{total} 行。")
