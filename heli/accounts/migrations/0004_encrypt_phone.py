# Encrypt User.phone with SM4-GCM bound to each row, and add the encrypted ID number.
#
# add row_uid (nullable) → give every existing row its own → make it unique and required;
# widen phone to the ciphertext's width → encrypt the existing numbers → make it an
# EncryptedCharField. The reverse decrypts, so the key that encrypted must still be
# configured when migrating back.

import uuid

from django.db import migrations, models

import heli.lib.fields
import heli.lib.idnumber

USER_LABEL = "accounts.User"
PHONE_STORED_LENGTH = 219  # heli.lib.fields.stored_length(30)


def fill_row_uids(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    for pk in User.objects.filter(row_uid__isnull=True).values_list("pk", flat=True).iterator():
        User.objects.filter(pk=pk).update(row_uid=uuid.uuid4())


def encrypt_phones(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    rows = User.objects.exclude(phone="").values_list("pk", "row_uid", "phone")
    for pk, row_uid, phone in rows.iterator():
        sealed = heli.lib.fields.seal(USER_LABEL, "phone", row_uid, phone)
        User.objects.filter(pk=pk).update(phone=sealed)


def decrypt_phones(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    rows = User.objects.exclude(phone="").values_list("pk", "row_uid", "phone")
    for pk, row_uid, stored in rows.iterator():
        phone = heli.lib.fields.unseal(USER_LABEL, "phone", row_uid, stored)
        User.objects.filter(pk=pk).update(phone=phone)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_password_policy"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="row_uid",
            field=models.UUIDField(editable=False, null=True, verbose_name="row identity"),
        ),
        migrations.RunPython(fill_row_uids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="row_uid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="row identity"
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="phone",
            field=models.CharField(
                blank=True, max_length=PHONE_STORED_LENGTH, verbose_name="phone"
            ),
        ),
        migrations.RunPython(encrypt_phones, decrypt_phones),
        migrations.AlterField(
            model_name="user",
            name="phone",
            field=heli.lib.fields.EncryptedCharField(
                blank=True, max_length=30, verbose_name="phone"
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="id_number",
            field=heli.lib.fields.EncryptedCharField(
                blank=True,
                max_length=18,
                validators=[heli.lib.idnumber.validate_id_number],
                verbose_name="ID number",
            ),
        ),
    ]
