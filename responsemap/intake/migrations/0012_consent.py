from django.db import migrations, models

import responsemap.protection.fields


class Migration(migrations.Migration):
    dependencies = [("intake", "0011_redaction_settings")]

    operations = [
        migrations.AddField(
            model_name="consentnotice",
            name="rights",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="consentnotice",
            name="sharing",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="consentrecord",
            name="audio_reference",
            field=responsemap.protection.fields.EncryptedTextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="consentrecord",
            name="guardian_name",
            field=responsemap.protection.fields.EncryptedTextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="consentrecord",
            name="witness_name",
            field=responsemap.protection.fields.EncryptedTextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="contact",
            name="consent_withdrawn_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="contact",
            name="erased_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="consentrecord",
            name="method",
            field=models.CharField(
                choices=[
                    ("written", "Written"),
                    ("verbal", "Verbal, certified by a staff member"),
                    ("audio", "Audio recording"),
                    ("sms_notice", "SMS notice"),
                    ("web_notice", "Web form notice"),
                    ("assent_guardian", "A child's assent, with a guardian's consent"),
                ],
                max_length=16,
            ),
        ),
    ]
