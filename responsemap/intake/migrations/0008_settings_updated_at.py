# Channels and intake policies get a last-change time, checked by the inbound statement
# and the worker instead of a cache that lived for a fixed time (ADR 0004, addendum).

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0007_importjob_moved_to_imports"),
    ]

    operations = [
        migrations.AddField(
            model_name="channel",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="intakepolicy",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
    ]
