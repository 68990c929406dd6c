"""Triggers that make the audit tables append-only, on PostgreSQL and SQLite.

The SQL lives in ``heli.audit.guards`` (shared with the post-migrate re-install and the
test flush); see its docstring for what is refused and the one sanctioned exception.
"""

from django.db import migrations


def install(apps, schema_editor):
    from heli.audit import guards

    if schema_editor.connection.vendor in ("postgresql", "sqlite"):
        guards.install(schema_editor.connection)


def remove(apps, schema_editor):
    from heli.audit import guards

    if schema_editor.connection.vendor in ("postgresql", "sqlite"):
        guards.remove(schema_editor.connection, permit_table=True)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_audit_anchor'),
    ]

    operations = [
        migrations.RunPython(install, remove),
    ]
