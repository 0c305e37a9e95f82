# ImportJob moves to the imports app (its 0001); the table stays where it is (no SQL).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0006_inbound_channel_no_extra_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ImportJob")],
        ),
    ]
