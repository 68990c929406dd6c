"""The database keeps a task's history: steps, progress reports and their files, append-only.

A report's files are part of what was reported, so its links to them are kept as well.
See ``heli.lib.append_only`` for what the triggers refuse, on PostgreSQL and SQLite.
"""

from django.db import migrations

from heli.lib.append_only import MakeAppendOnly

MESSAGE = "督办历史只能追加，不能修改或删除 (task history is append-only)"


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0003_report_files_belong_to_their_task"),
    ]

    operations = [
        MakeAppendOnly("tasktransition", message=MESSAGE),
        MakeAppendOnly("progressreport", message=MESSAGE),
        MakeAppendOnly("progressreport", through="attachments", message=MESSAGE),
    ]
