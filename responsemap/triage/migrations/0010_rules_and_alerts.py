# Issue 10: rules, alert policy, alerts,
# notifications; a record's sensitivity review and response-time target (due_at).
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def set_due_times(apps: Any, schema_editor: Any) -> None:
    """Records made before response-time targets get the default ones (docs/alerts.md):
    72 h after receipt, 24 h for a protection concern or a critical record. Two UPDATE
    statements, whatever the table's size."""
    feedback = apps.get_model("triage", "Feedback")
    rows = feedback.objects.filter(due_at__isnull=True)
    urgent = models.Q(type_code="protection") | models.Q(urgency="critical")
    rows.filter(urgent).update(due_at=models.F("received_at") + timedelta(hours=24))
    rows.update(due_at=models.F("received_at") + timedelta(hours=72))


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0009_coding_framework"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Alert",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "cause",
                    models.CharField(
                        choices=[("rule", "Matched a rule"), ("urgency", "Urgency")], max_length=8
                    ),
                ),
                ("rule_ids", models.JSONField(blank=True, default=list)),
                ("created_at", models.DateTimeField()),
                ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
                ("escalated_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="AlertPolicy",
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
                ("alert_urgencies", models.JSONField(default=list)),
                ("alert_roles", models.JSONField(default=list)),
                ("escalation_roles", models.JSONField(default=list)),
                ("escalate_after_minutes", models.PositiveIntegerField(default=30)),
                ("target_hours", models.JSONField(default=dict)),
                ("default_target_hours", models.PositiveIntegerField(default=72)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name_plural": "alert policies",
            },
        ),
        migrations.CreateModel(
            name="Notification",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("alert", "Urgent record"),
                            ("escalation", "Not acknowledged in time"),
                        ],
                        max_length=10,
                    ),
                ),
                ("created_at", models.DateTimeField()),
                ("read_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="Rule",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("name", models.CharField(max_length=100)),
                ("is_active", models.BooleanField(default=True)),
                ("keywords", models.JSONField(blank=True, default=dict)),
                ("type_codes", models.JSONField(blank=True, default=list)),
                ("area_ids", models.JSONField(blank=True, default=list)),
                ("repeat_count", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("repeat_hours", models.PositiveSmallIntegerField(blank=True, null=True)),
                (
                    "sets_urgency",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "Leave as it is"),
                            ("high", "High"),
                            ("critical", "Critical"),
                        ],
                        default="",
                        max_length=8,
                    ),
                ),
                ("suggests_protection", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["name"],
            },
        ),
        migrations.AddField(
            model_name="feedback",
            name="due_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="feedback",
            name="sensitivity_review",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Not raised by a rule"),
                    ("to_confirm", "Raised by a rule, to confirm"),
                    ("confirmed", "Confirmed by protection staff"),
                    ("lowered", "Lowered by protection staff"),
                ],
                default="",
                max_length=12,
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(fields=["project", "due_at"], name="triage_feed_project_7b9e7f_idx"),
        ),
        migrations.AddField(
            model_name="alert",
            name="acknowledged_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="alert",
            name="feedback",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="triage.feedback"
            ),
        ),
        migrations.AddField(
            model_name="alert",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="projects.project"
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="alert",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="triage.alert",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="projects.project"
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="rule",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="projects.project"
            ),
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(
                condition=models.Q(
                    ("acknowledged_at__isnull", True), ("escalated_at__isnull", True)
                ),
                fields=["created_at"],
                name="alert_open_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                fields=["user", "project", "-created_at"], name="triage_noti_user_id_a5f9c9_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                fields=("alert", "user", "kind"), name="notification_once_per_person"
            ),
        ),
        migrations.AddIndex(
            model_name="rule",
            index=models.Index(
                fields=["project", "is_active"], name="triage_rule_project_bbc0eb_idx"
            ),
        ),
        migrations.RunPython(set_due_times, migrations.RunPython.noop),
    ]
