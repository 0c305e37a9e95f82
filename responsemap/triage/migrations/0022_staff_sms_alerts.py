"""SMS alerts to staff phones: the policy's "also by SMS" and its channel, and one row per
alert, person and kind texted (docs/alerts.md, "By SMS")."""

from __future__ import annotations

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0021_alert_bar"),
        ("intake", "0002_channel_consentnotice_inboundmessage_intakepolicy_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="alertpolicy",
            name="sms_channel",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="intake.channel",
            ),
        ),
        migrations.AddField(
            model_name="alertpolicy",
            name="sms_enabled",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.CreateModel(
            name="StaffSms",
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
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("sending", "Sending"),
                            ("sent", "Sent"),
                            ("failed", "Not sent: the gateway refused it"),
                            ("closed", "Not sent: project closed"),
                            ("no_phone", "Not sent: no verified number"),
                            ("no_channel", "Not sent: no channel to send it"),
                            ("not_member", "Not sent: no longer a member"),
                            ("unknown", "Not known whether sent"),
                        ],
                        default="queued",
                        max_length=10,
                    ),
                ),
                ("provider_message_id", models.CharField(blank=True, max_length=128)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("attempt_id", models.UUIDField(blank=True, null=True)),
                ("attempt_started_at", models.DateTimeField(blank=True, null=True)),
                ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                ("last_error", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField()),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "alert",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sms",
                        to="triage.alert",
                    ),
                ),
                (
                    "channel",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="intake.channel",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "staff SMS",
                "verbose_name_plural": "staff SMS",
                "constraints": [
                    models.UniqueConstraint(fields=("alert", "user", "kind"), name="staff_sms_once")
                ],
            },
        ),
    ]
