from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("intake", "0010_inbound_raw")]

    operations = [
        migrations.AddField(
            model_name="intakepolicy",
            name="redaction_cue_words",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="intakepolicy",
            name="redaction_keep_words",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
