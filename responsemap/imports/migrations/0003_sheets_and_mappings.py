from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("imports", "0002_seal_file_name_and_headers")]

    operations = []  # type: ignore[var-annotated]
