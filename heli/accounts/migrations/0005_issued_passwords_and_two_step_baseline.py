# Two-step verification for administrators becomes a baseline the database enforces, and
# one-time passwords issued by an administrator wait for a second administrator's word.
#
# Policies that had waived two-step verification are switched back on before the check is
# added. One-time passwords still open (must_change_password) get the issued-password row
# they would have had, with the issuer taken from the audit log, so a password issued
# before this change cannot be used by its issuer either.

import django.db.models.deletion
import django.utils.timezone
import heli.accounts.models
from django.conf import settings
from django.db import migrations, models


ISSUING_EVENTS = {"account.created": "created", "password.reset": "reset"}


def two_step_back_on(apps, schema_editor):
    SecurityPolicy = apps.get_model("accounts", "SecurityPolicy")
    SecurityPolicy.objects.filter(otp_required_for_admins=False).update(
        otp_required_for_admins=True
    )


def open_passwords_wait_for_confirmation(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    IssuedPassword = apps.get_model("accounts", "IssuedPassword")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    for pk in User.objects.filter(must_change_password=True).values_list("pk", flat=True):
        event = (
            AuditEvent.objects.filter(
                event__in=list(ISSUING_EVENTS),
                object_type="accounts.user",
                object_id=str(pk),
                user__isnull=False,
            )
            .exclude(user_id=pk)
            .order_by("-created_at", "-id")
            .first()
        )
        if event is not None:
            IssuedPassword.objects.create(
                user_id=pk,
                issued_by_id=event.user_id,
                reason=ISSUING_EVENTS[event.event],
                issued_at=event.created_at,
            )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_encrypt_phone'),
        ('org', '0002_unit_and_party_org_versions'),
        ('audit', '0003_append_only_triggers'),
    ]

    operations = [
        migrations.CreateModel(
            name='IssuedPassword',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(choices=[('created', 'New account'), ('reset', 'Password reset')], max_length=10, verbose_name='reason')),
                ('issued_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='issued at')),
                ('first_sign_in_at', models.DateTimeField(blank=True, null=True, verbose_name='first signed in at')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
            ],
            options={
                'verbose_name': 'issued password',
                'verbose_name_plural': 'issued passwords',
                'ordering': ['-issued_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='SignInCheck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code_digest', models.CharField(max_length=64, verbose_name='code digest')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='address')),
                ('user_agent', models.CharField(blank=True, max_length=200, verbose_name='browser')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='signed in at')),
                ('status', models.CharField(choices=[('waiting', 'Waiting'), ('confirmed', 'Confirmed'), ('refused', 'Refused')], default='waiting', max_length=10, verbose_name='status')),
                ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided at')),
            ],
            options={
                'verbose_name': 'sign-in check',
                'verbose_name_plural': 'sign-in checks',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.AlterField(
            model_name='securitypolicy',
            name='otp_required_for_admins',
            field=models.BooleanField(default=True, help_text='Level-3 graded protection requires it of the system, security and audit administrators: it cannot be turned off.', validators=[heli.accounts.models.require_on], verbose_name='administrators must use a one-time code'),
        ),
        migrations.RunPython(two_step_back_on, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='securitypolicy',
            constraint=models.CheckConstraint(condition=models.Q(('otp_required_for_admins', True)), name='accounts_policy_admins_use_two_step', violation_error_message='Administrators must use two-step verification: level-3 graded protection requires it, so it cannot be turned off.'),
        ),
        migrations.AddField(
            model_name='issuedpassword',
            name='issued_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='issued by'),
        ),
        migrations.AddField(
            model_name='issuedpassword',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='issued_passwords', to=settings.AUTH_USER_MODEL, verbose_name='account'),
        ),
        migrations.AddField(
            model_name='signincheck',
            name='decided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by'),
        ),
        migrations.AddField(
            model_name='signincheck',
            name='issued',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='checks', to='accounts.issuedpassword', verbose_name='issued password'),
        ),
        migrations.AddConstraint(
            model_name='issuedpassword',
            constraint=models.UniqueConstraint(condition=models.Q(('closed_at__isnull', True)), fields=('user',), name='accounts_issued_password_one_open'),
        ),
        migrations.AddConstraint(
            model_name='issuedpassword',
            constraint=models.CheckConstraint(condition=models.Q(('issued_by', models.F('user')), _negated=True), name='accounts_issued_password_not_to_oneself'),
        ),
        migrations.AddConstraint(
            model_name='signincheck',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('decided_at__isnull', True), ('decided_by__isnull', True), ('status', 'waiting')), models.Q(('decided_at__isnull', False), ('decided_by__isnull', False), ('status__in', ['confirmed', 'refused'])), _connector='OR'), name='accounts_signin_check_decided_by_someone'),
        ),
        migrations.RunPython(open_passwords_wait_for_confirmation, migrations.RunPython.noop),
    ]
