from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("projects", "0003_lifecycle")]

    operations = []  # type: ignore[var-annotated]
