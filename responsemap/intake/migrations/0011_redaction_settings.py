from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("intake", "0010_inbound_raw")]

    operations = []  # type: ignore[var-annotated]
