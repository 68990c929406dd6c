"""A task can be withdrawn (撤销, its own status), and a step that moves the deadline keeps
the dates before and after it in the task's history."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0002_unit_and_party_org_versions'),
        ('tracking', '0004_history_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='task',
            name='tracking_task_status_known',
        ),
        migrations.AddField(
            model_name='tasktransition',
            name='deadline_after',
            field=models.DateField(blank=True, null=True, verbose_name='deadline after'),
        ),
        migrations.AddField(
            model_name='tasktransition',
            name='deadline_before',
            field=models.DateField(blank=True, null=True, verbose_name='deadline before'),
        ),
        migrations.AlterField(
            model_name='task',
            name='status',
            field=models.CharField(choices=[('assigned', 'Assigned'), ('received', 'Signed for'), ('in_progress', 'In progress'), ('reported_done', 'Reported done'), ('returned', 'Returned for redo'), ('long_running', 'Long-running, kept under follow-up'), ('closed', 'Closed'), ('withdrawn', 'Withdrawn')], default='assigned', max_length=16, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='tasktransition',
            name='from_status',
            field=models.CharField(blank=True, choices=[('assigned', 'Assigned'), ('received', 'Signed for'), ('in_progress', 'In progress'), ('reported_done', 'Reported done'), ('returned', 'Returned for redo'), ('long_running', 'Long-running, kept under follow-up'), ('closed', 'Closed'), ('withdrawn', 'Withdrawn')], max_length=16, verbose_name='from'),
        ),
        migrations.AlterField(
            model_name='tasktransition',
            name='step',
            field=models.CharField(choices=[('create', 'assign'), ('receive', 'sign for'), ('start', 'start work'), ('report_done', 'report done'), ('return', 'return for redo'), ('close', 'close'), ('keep_following', 'mark as long-running'), ('resume', 'resume work'), ('request_extension', 'request an extension'), ('approve_extension', 'approve the extension'), ('refuse_extension', 'refuse the extension'), ('change_deadline', 'set a new deadline'), ('withdraw', 'withdraw')], max_length=20, verbose_name='step'),
        ),
        migrations.AlterField(
            model_name='tasktransition',
            name='to_status',
            field=models.CharField(choices=[('assigned', 'Assigned'), ('received', 'Signed for'), ('in_progress', 'In progress'), ('reported_done', 'Reported done'), ('returned', 'Returned for redo'), ('long_running', 'Long-running, kept under follow-up'), ('closed', 'Closed'), ('withdrawn', 'Withdrawn')], max_length=16, verbose_name='to'),
        ),
        migrations.AddConstraint(
            model_name='task',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['assigned', 'received', 'in_progress', 'reported_done', 'returned', 'long_running', 'closed', 'withdrawn'])), name='tracking_task_status_known'),
        ),
    ]
