from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("geo", "0002_adminarea_updated_at")]

    operations: list[migrations.operations.base.Operation] = []
