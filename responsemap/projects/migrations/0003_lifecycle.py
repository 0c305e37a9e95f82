from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("projects", "0002_sharing_agreements")]

    operations = []  # type: ignore[var-annotated]
