import django.utils.timezone
from django.db import migrations, models


def anchor_existing_chain(apps, schema_editor):
    """A log that already holds rows gets its head anchor now, at its last row."""
    from heli.audit.chain import anchor_values

    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditAnchor = apps.get_model("audit", "AuditAnchor")
    db = schema_editor.connection.alias
    last = AuditEvent.objects.using(db).order_by("-pk").values_list("pk", "mac").first()
    if last is not None and not AuditAnchor.objects.using(db).exists():
        AuditAnchor.objects.using(db).create(pk=1, **anchor_values(last[0], last[1]))


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_audit_event'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditAnchor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('last_id', models.BigIntegerField(verbose_name='last event id')),
                ('last_mac', models.CharField(max_length=64, verbose_name='last event MAC')),
                ('mac', models.CharField(max_length=64, verbose_name='MAC')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='updated at')),
            ],
            options={
                'verbose_name': 'audit chain head',
                'verbose_name_plural': 'audit chain head',
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='audit_anchor_single')],
            },
        ),
        migrations.RunPython(anchor_existing_chain, migrations.RunPython.noop),
    ]
