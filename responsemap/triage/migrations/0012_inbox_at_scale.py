# Issue 10: the inbox's composite indexes (one per filter,
# each ordered by time then id; triage.inbox.listing), replacing (project, -received_at)
# and (project, status) which they cover; and saved filters (sealed name and query).
# On PostgreSQL the indexes are built inside the migration's transaction (writes to
# feedback wait meanwhile: about a minute at 1,000,000 records).
from __future__ import annotations

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import responsemap.protection.fields


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0011_teams_and_assignment"),
        ("projects", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SavedFilter",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("name", responsemap.protection.fields.EncryptedTextField(blank=True, null=True)),
                ("query", responsemap.protection.fields.EncryptedTextField(blank=True, null=True)),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "ordering": ["created_at"],
            },
        ),
        migrations.RemoveIndex(
            model_name="feedback",
            name="triage_feed_project_8da902_idx",
        ),
        migrations.RemoveIndex(
            model_name="feedback",
            name="triage_feed_project_44a434_idx",
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(fields=["project", "received_at", "id"], name="feedback_inbox_time"),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(
                models.F("project"),
                models.Case(
                    models.When(then=models.Value(0), urgency="critical"),
                    models.When(then=models.Value(1), urgency="high"),
                    models.When(then=models.Value(2), urgency="normal"),
                    models.When(then=models.Value(3), urgency="low"),
                    default=models.Value(4),
                    output_field=models.IntegerField(),
                ),
                models.OrderBy(models.F("received_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                name="feedback_inbox_most_urgent",
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(
                fields=["project", "sensitivity", "received_at", "id"],
                name="feedback_inbox_sensitivity",
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(
                fields=["project", "status", "received_at", "id"],
                include=("sensitivity",),
                name="feedback_inbox_status",
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(
                fields=["project", "type_code", "received_at", "id"],
                include=("sensitivity",),
                name="feedback_inbox_type_code",
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(
                fields=["project", "urgency", "received_at", "id"],
                include=("sensitivity",),
                name="feedback_inbox_urgency",
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(
                fields=["project", "source", "received_at", "id"],
                include=("sensitivity",),
                name="feedback_inbox_source",
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(
                fields=["project", "sector", "received_at", "id"],
                include=("sensitivity",),
                name="feedback_inbox_sector",
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(
                fields=["project", "area", "received_at", "id"],
                include=("sensitivity",),
                name="feedback_inbox_area",
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(
                fields=["project", "assignee", "received_at", "id"],
                include=("sensitivity",),
                name="feedback_inbox_assignee",
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(
                fields=["project", "team", "received_at", "id"],
                include=("sensitivity",),
                name="feedback_inbox_team",
            ),
        ),
        migrations.AddField(
            model_name="savedfilter",
            name="owner",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="savedfilter",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="projects.project"
            ),
        ),
        migrations.AddIndex(
            model_name="savedfilter",
            index=models.Index(
                fields=["project", "owner", "created_at"], name="triage_save_project_d4d7a6_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(
                condition=models.Q(("status__in", ["answered", "closed"]), _negated=True),
                fields=["project", "assignee", "received_at", "id"],
                include=("sensitivity",),
                name="feedback_inbox_open_assignee",
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(
                condition=models.Q(("status__in", ["answered", "closed"]), _negated=True),
                fields=["project", "team", "received_at", "id"],
                include=("sensitivity",),
                name="feedback_inbox_open_team",
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(
                condition=models.Q(
                    models.Q(("status__in", ["answered", "closed"]), _negated=True),
                    ("due_at__isnull", False),
                ),
                fields=["project", "received_at", "id"],
                include=("sensitivity",),
                name="feedback_inbox_open_due",
            ),
        ),
    ]
