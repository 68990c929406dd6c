from django.db import migrations


def files_to_tasks(apps, schema_editor):
    """Files of progress reports belong to the report's task: its readers may open them."""
    ProgressReport = apps.get_model("tracking", "ProgressReport")
    Attachment = apps.get_model("files", "Attachment")
    through = ProgressReport.attachments.through
    for attachment_id, task_id in through.objects.values_list(
        "attachment_id", "progressreport__task_id"
    ):
        Attachment.objects.filter(pk=attachment_id, record_type="").update(
            record_type="tracking.task", record_id=task_id
        )


def files_unlinked(apps, schema_editor):
    Attachment = apps.get_model("files", "Attachment")
    Attachment.objects.filter(record_type="tracking.task").update(record_type="", record_id=None)


class Migration(migrations.Migration):
    dependencies = [
        ("files", "0002_attachment_belongs_to_record"),
        ("tracking", "0002_source_kind_from_registry"),
    ]

    operations = [migrations.RunPython(files_to_tasks, files_unlinked)]
