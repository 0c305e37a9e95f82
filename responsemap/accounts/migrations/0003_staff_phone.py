"""Staff phones for SMS alerts: a person's own mobile number, sealed under the staff key
(protection.staff_data), used once verified by a code texted to it (docs/people.md)."""

from __future__ import annotations

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_teams")]

    operations = [
        migrations.CreateModel(
            name="StaffPhone",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="staff_phone",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("number", models.BinaryField()),
                ("masked", models.CharField(max_length=32)),
                ("language", models.CharField(max_length=10)),
                ("verified_at", models.DateTimeField(blank=True, null=True)),
                ("code_digest", models.CharField(blank=True, max_length=64)),
                ("code_sent_at", models.DateTimeField(blank=True, null=True)),
                ("code_tries", models.PositiveSmallIntegerField(default=0)),
                ("codes_sent", models.PositiveSmallIntegerField(default=0)),
                ("updated_at", models.DateTimeField()),
            ],
        ),
    ]
