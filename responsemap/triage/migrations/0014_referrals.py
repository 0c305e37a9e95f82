# Referrals of records to partners, and each agreement's disclosure log (issue 10,
# point 8).
from __future__ import annotations

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import responsemap.protection.fields


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0013_replies_and_callbacks"),
        ("projects", "0002_sharing_agreements"),
        ("intake", "0010_inbound_raw"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Referral",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("sent", "Sent, not yet received"),
                            ("received", "Received"),
                            ("in_progress", "In progress"),
                            ("done", "Done"),
                            ("declined", "Declined"),
                        ],
                        default="sent",
                        max_length=16,
                    ),
                ),
                ("referred_at", models.DateTimeField()),
                ("updated_at", models.DateTimeField()),
                ("note", responsemap.protection.fields.EncryptedTextField(blank=True, null=True)),
                ("answer", responsemap.protection.fields.EncryptedTextField(blank=True, null=True)),
                ("answered_at", models.DateTimeField(blank=True, null=True)),
                (
                    "agreement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="referrals",
                        to="projects.datasharingagreement",
                    ),
                ),
                (
                    "consent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="intake.consentrecord",
                    ),
                ),
                (
                    "feedback",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="referrals",
                        to="triage.feedback",
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
                    "referred_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-referred_at"],
            },
        ),
        migrations.CreateModel(
            name="Disclosure",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("reference", models.CharField(max_length=12)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("referred", "Referred"),
                            ("viewed", "Opened by the partner"),
                            ("listed", "Listed in the partner's queue"),
                            ("status", "Status updated by the partner"),
                            ("answered", "Answered by the partner"),
                        ],
                        max_length=12,
                    ),
                ),
                ("fields", models.JSONField(default=list)),
                ("person_label", models.CharField(max_length=150)),
                ("at", models.DateTimeField()),
                ("event_uid", models.UUIDField(blank=True, null=True)),
                (
                    "agreement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="disclosures",
                        to="projects.datasharingagreement",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
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
                    "referral",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="disclosures",
                        to="triage.referral",
                    ),
                ),
            ],
            options={
                "ordering": ["-at", "-id"],
            },
        ),
        migrations.AddIndex(
            model_name="referral",
            index=models.Index(
                fields=["agreement", "status", "-referred_at"],
                name="triage_refe_agreeme_29c644_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="referral",
            constraint=models.UniqueConstraint(
                fields=("feedback", "agreement"), name="referral_once_per_agreement"
            ),
        ),
        migrations.AddIndex(
            model_name="disclosure",
            index=models.Index(fields=["agreement", "-at"], name="triage_disc_agreeme_63435b_idx"),
        ),
        migrations.AddIndex(
            model_name="disclosure",
            index=models.Index(
                fields=["agreement", "reference"], name="triage_disc_agreeme_a10a79_idx"
            ),
        ),
    ]
