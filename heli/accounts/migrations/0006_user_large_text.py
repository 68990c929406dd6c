# Each person's display setting: larger text (适老化), kept with the account so that it
# holds on every device and across sessions. Off for everyone to begin with.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_issued_passwords_and_two_step_baseline"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="large_text",
            field=models.BooleanField(default=False, verbose_name="larger text"),
        ),
    ]
