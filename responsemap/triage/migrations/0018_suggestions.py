from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("triage", "0017_receipts")]

    operations = []  # type: ignore[var-annotated]
