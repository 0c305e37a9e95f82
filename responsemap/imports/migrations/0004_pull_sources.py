from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("imports", "0003_sheets_and_mappings")]

    operations = []  # type: ignore[var-annotated]
