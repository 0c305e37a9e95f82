# A message still queued when its project closes: "Not sent: project closed".
from __future__ import annotations

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("intake", "0013_consent_recording")]

    operations = [
        migrations.AlterField(
            model_name="outboundmessage",
            name="state",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("delivered", "Delivered"),
                    ("failed", "Failed"),
                    ("blocked", "Not sent: opted out"),
                    ("closed", "Not sent: project closed"),
                    ("unknown", "Not known whether sent"),
                ],
                default="queued",
                max_length=10,
            ),
        ),
    ]
