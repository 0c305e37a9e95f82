from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("intake", "0011_redaction_settings")]

    operations = []  # type: ignore[var-annotated]
