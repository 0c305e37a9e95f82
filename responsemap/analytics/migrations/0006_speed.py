"""Dashboard speed (issue 12): an index per filter the dashboard shares with the inbox,
so that a filtered dashboard reads only the matching rollup cells."""

from __future__ import annotations

from django.db import migrations, models

FILTER_COLUMNS = (
    ("area", "area_id"),
    ("type", "type_code"),
    ("sector", "sector"),
    ("source", "source"),
    ("status", "status"),
)

# Must read as ``queries.open_cases`` asks (``queries.OPEN_SQL``) for the database to
# use the indexes.
OPEN_RECORDS = "status NOT IN ('answered', 'closed')"


class Migration(migrations.Migration):
    dependencies = [("analytics", "0005_reports")]

    operations = [
        *(
            migrations.AddIndex(
                model_name="rollup",
                index=models.Index(fields=["project", column, "day"], name=f"rollup_{name}_day"),
            )
            for name, column in FILTER_COLUMNS
        ),
        # The dashboard's two counts of open records (``queries.open_cases``: open
        # urgent, overdue), read from indexes of the open records alone (partial, so
        # the million answered and closed ones cost nothing). Like 0001's index on
        # ``updated_at``: on the records' table, for the dashboards.
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS analytics_feedback_open_urgency "
            "ON triage_feedback (project_id, urgency) "
            f"WHERE {OPEN_RECORDS}",
            reverse_sql="DROP INDEX IF EXISTS analytics_feedback_open_urgency",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS analytics_feedback_open_due "
            "ON triage_feedback (project_id, due_at) "
            f"WHERE {OPEN_RECORDS} AND due_at IS NOT NULL",
            reverse_sql="DROP INDEX IF EXISTS analytics_feedback_open_due",
        ),
    ]
