# Rollups (issue 12) and the index on feedback's updated_at that the rollups' upkeep
# asks "which records changed since?" with (analytics/upkeep.py). The index is created
# here, by the app that reads it, in SQL both databases share; the model does not
# declare it, so triage's migrations never see it.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("projects", "0005_subject_requests"),
        ("triage", "0019_subject_requests"),
    ]

    operations = [
        migrations.CreateModel(
            name="RollupState",
            fields=[
                (
                    "project",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="projects.project",
                    ),
                ),
                ("checked_until", models.DateTimeField(null=True)),
                ("recent", models.JSONField(default=dict)),
                ("verified_at", models.DateTimeField(null=True)),
                ("rebuilt_at", models.DateTimeField(null=True)),
            ],
        ),
        migrations.CreateModel(
            name="Rollup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("area_id", models.IntegerField(null=True)),
                ("type_code", models.CharField(max_length=16)),
                ("sector", models.CharField(max_length=16)),
                ("source", models.CharField(max_length=16)),
                ("status", models.CharField(max_length=16)),
                ("gender", models.CharField(max_length=8)),
                ("age_band", models.CharField(max_length=8)),
                ("disability", models.CharField(max_length=8)),
                ("displacement", models.CharField(max_length=10)),
                ("sensitivity", models.CharField(max_length=10)),
                ("records", models.IntegerField(default=0)),
                ("responded", models.IntegerField(default=0)),
                ("response_minutes", models.BigIntegerField(default=0)),
                ("closed", models.IntegerField(default=0)),
                ("close_minutes", models.BigIntegerField(default=0)),
                ("r0", models.IntegerField(default=0)),
                ("r1", models.IntegerField(default=0)),
                ("r2", models.IntegerField(default=0)),
                ("r3", models.IntegerField(default=0)),
                ("r4", models.IntegerField(default=0)),
                ("r5", models.IntegerField(default=0)),
                ("r6", models.IntegerField(default=0)),
                ("c0", models.IntegerField(default=0)),
                ("c1", models.IntegerField(default=0)),
                ("c2", models.IntegerField(default=0)),
                ("c3", models.IntegerField(default=0)),
                ("c4", models.IntegerField(default=0)),
                ("c5", models.IntegerField(default=0)),
                ("c6", models.IntegerField(default=0)),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["project", "day"], name="rollup_project_day")],
            },
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS analytics_feedback_updated ON triage_feedback (updated_at)",
            reverse_sql="DROP INDEX IF EXISTS analytics_feedback_updated",
        ),
    ]
