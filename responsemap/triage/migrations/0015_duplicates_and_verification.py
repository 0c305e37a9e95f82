# Issue 10: duplicate links, rumour groups,
# spam flags and the block list, similarity signatures, verification and its checklist.
from __future__ import annotations

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import responsemap.protection.fields


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0014_referrals"),
        ("intake", "0010_inbound_raw"),
        ("projects", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DuplicatePolicy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("window_hours", models.PositiveIntegerField(default=48)),
                ("similarity", models.FloatField(default=0.5)),
                ("rate_messages", models.PositiveIntegerField(default=10)),
                ("rate_minutes", models.PositiveIntegerField(default=10)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "project",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="duplicate_policy",
                        to="projects.project",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="RumourGroup",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("created_at", models.DateTimeField()),
                (
                    "created_by",
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
            ],
        ),
        migrations.CreateModel(
            name="RumourMember",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("received_at", models.DateTimeField()),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("birth", "Found when it arrived"),
                            ("hand", "Linked by hand"),
                            ("merge", "Merged"),
                        ],
                        max_length=8,
                    ),
                ),
                ("added_at", models.DateTimeField()),
                (
                    "feedback",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rumour_membership",
                        to="triage.feedback",
                    ),
                ),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="members",
                        to="triage.rumourgroup",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="SenderBlock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sender_index", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField()),
                (
                    "created_by",
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
            ],
        ),
        migrations.CreateModel(
            name="SimilarityBand",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.BigIntegerField()),
                ("received_at", models.DateTimeField()),
                (
                    "feedback",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="triage.feedback",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="SpamMark",
            fields=[
                (
                    "feedback",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="spam_mark",
                        serialize=False,
                        to="triage.feedback",
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("blocked", "Sender on the block list"),
                            ("rate", "Too many messages from one sender"),
                            ("hand", "Marked by hand"),
                        ],
                        max_length=8,
                    ),
                ),
                ("marked_at", models.DateTimeField()),
                (
                    "marked_by",
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
            ],
        ),
        migrations.CreateModel(
            name="TextSignature",
            fields=[
                (
                    "feedback",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="triage.feedback",
                    ),
                ),
                ("received_at", models.DateTimeField()),
                ("minhash", models.BinaryField(blank=True)),
                (
                    "contact",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="intake.contact",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="Verification",
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
                            ("unverified", "Not verified"),
                            ("verified", "Verified"),
                            ("false", "False"),
                        ],
                        default="unverified",
                        max_length=12,
                    ),
                ),
                ("sources_count", models.PositiveIntegerField(default=0)),
                ("notes", responsemap.protection.fields.EncryptedTextField(blank=True, null=True)),
                ("updated_at", models.DateTimeField()),
                (
                    "feedback",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="verification",
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
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="VerificationCheck",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "item",
                    models.CharField(
                        choices=[
                            ("provenance", "Provenance: is this the first post of it?"),
                            ("source", "Source: who posted it, and can they know?"),
                            ("date", "Date: when was it made, not only posted?"),
                            ("location", "Location: where was it made?"),
                            ("consistency", "Consistency: does it agree with other sources?"),
                        ],
                        max_length=12,
                    ),
                ),
                ("ticked", models.BooleanField(default=False)),
                ("note", responsemap.protection.fields.EncryptedTextField(blank=True, null=True)),
                ("checked_at", models.DateTimeField()),
                (
                    "checked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "feedback",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="verification_checks",
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
            ],
        ),
        migrations.CreateModel(
            name="DuplicateLink",
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
                            ("birth", "Found when it arrived"),
                            ("hand", "Linked by hand"),
                            ("merge", "Merged"),
                        ],
                        max_length=8,
                    ),
                ),
                ("similarity", models.FloatField(blank=True, null=True)),
                ("created_at", models.DateTimeField()),
                ("ended_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "duplicate",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="duplicate_links",
                        to="triage.feedback",
                    ),
                ),
                (
                    "ended_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "original",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="duplicated_by",
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
            ],
            options={
                "ordering": ["-created_at"],
                "indexes": [
                    models.Index(
                        fields=["original", "created_at"], name="triage_dupl_origina_627bc8_idx"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("ended_at__isnull", True)),
                        fields=("duplicate",),
                        name="duplicate_link_one_current",
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="rumourgroup",
            index=models.Index(
                fields=["project", "-created_at"], name="triage_rumo_project_5807fe_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="rumourmember",
            index=models.Index(
                fields=["group", "received_at"], name="triage_rumo_group_i_dc5ef4_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="senderblock",
            constraint=models.UniqueConstraint(
                fields=("project", "sender_index"), name="sender_block_unique"
            ),
        ),
        migrations.AddIndex(
            model_name="similarityband",
            index=models.Index(
                fields=["project", "key", "received_at"], name="triage_simi_project_ffeca5_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="similarityband",
            constraint=models.UniqueConstraint(
                fields=("feedback", "key"), name="similarity_band_unique"
            ),
        ),
        migrations.AddIndex(
            model_name="textsignature",
            index=models.Index(
                fields=["project", "contact", "received_at"], name="triage_text_project_d720db_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="verificationcheck",
            constraint=models.UniqueConstraint(
                fields=("feedback", "item"), name="verification_check_unique"
            ),
        ),
    ]
