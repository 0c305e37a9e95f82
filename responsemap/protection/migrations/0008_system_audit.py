from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("protection", "0007_database_roles")]

    operations = []  # type: ignore[var-annotated]
