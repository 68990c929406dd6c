"""Indexes that hold a year's (or a department's) tasks of one status in deadline order,
so the board, the task list and the home page's counts read a page of tasks from an
index instead of sorting the year. The first replaces the index by year and status."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0006_task_number"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["committee", "year", "status", "deadline", "id"],
                name="tracking_task_year_status_due",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["committee", "department", "status", "deadline", "id"],
                name="tracking_task_dept_status_due",
            ),
        ),
        migrations.RemoveIndex(model_name="task", name="tracking_task_year_idx"),
    ]
