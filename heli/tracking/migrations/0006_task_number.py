"""Tasks get their number (督办编号, 2026-0123): existing ones in the order they were
created, per committee and work year, then the database refuses a duplicate."""

from django.db import migrations, models


def number_existing_tasks(apps, schema_editor):
    Task = apps.get_model("tracking", "Task")
    numbered = []
    place = {}
    for task in Task.objects.order_by("committee_id", "year", "created_at", "id").only(
        "id", "committee_id", "year"
    ):
        key = (task.committee_id, task.year)
        place[key] = place.get(key, 0) + 1
        task.number = place[key]
        numbered.append(task)
    Task.objects.bulk_update(numbered, ["number"], batch_size=500)


def forget_numbers(apps, schema_editor):
    apps.get_model("tracking", "Task").objects.update(number=None)


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0005_withdrawn_tasks_and_deadline_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="number",
            field=models.PositiveIntegerField(
                blank=True, editable=False, null=True, verbose_name="task number"
            ),
        ),
        migrations.RunPython(number_existing_tasks, forget_numbers),
        migrations.AddConstraint(
            model_name="task",
            constraint=models.UniqueConstraint(
                fields=("committee", "year", "number"), name="tracking_task_unique_number"
            ),
        ),
    ]
