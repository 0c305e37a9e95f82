from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_destruction")]

    operations = []  # type: ignore[var-annotated]
