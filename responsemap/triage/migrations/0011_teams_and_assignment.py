# A record assigned to a team (issue 10, point 4).
from __future__ import annotations

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("triage", "0010_rules_and_alerts"), ("accounts", "0002_teams")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="feedback",
            name="team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="accounts.team",
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(fields=["project", "team"], name="triage_feed_project_b83f5d_idx"),
        ),
    ]
