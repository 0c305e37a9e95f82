from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("geo", "0002_adminarea_updated_at")]

    operations = []  # type: ignore[var-annotated]
