from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("triage", "0018_suggestions")]

    operations = []  # type: ignore[var-annotated]
