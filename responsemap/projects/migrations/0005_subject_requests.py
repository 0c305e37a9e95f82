from django.db import migrations

PERMISSION = "handle_subject_requests"


def grant(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Existing projects' protection focal points become their data-protection role, as
    new projects' are (accounts.permissions.DEFAULT_ROLES)."""
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code="protection"):
        if PERMISSION not in (role.permissions or []):
            role.permissions = [*(role.permissions or []), PERMISSION]
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_destruction")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
