# An import's file name and header row are free text, sealed under the project key
# like its file (ADR 0008); its errors name a column by number, not by its header.
# Existing rows are sealed here with EncryptedTextField's binding
# (project|imports.importjob|field|pk) into new columns that then take the old names.
# A project whose key is already destroyed loses them (it is being purged).

import json

from django.db import migrations

import responsemap.protection.fields

BATCH = 500


def _binding(project_id, name, pk):
    return f"{project_id}|imports.importjob|{name}|{pk}".encode()


def _column_numbers(errors, headers):
    numbered = []
    for error in errors or []:
        column = error.get("column")
        number = headers.index(column) if column in headers else None
        numbered.append({**error, "column": number})
    return numbered


def seal_free_text(apps, schema_editor):
    from responsemap.protection.keyring import KeyDestroyed, seal

    ImportJob = apps.get_model("imports", "ImportJob")
    rows = ImportJob.objects.values_list(
        "pk", "project_id", "file_name", "headers", "errors"
    ).order_by("pk")
    for pk, project_id, file_name, headers, errors in rows.iterator(chunk_size=BATCH):
        headers = list(headers or [])
        try:
            name_token = seal(project_id, _binding(project_id, "file_name", pk), file_name)
            headers_token = seal(
                project_id, _binding(project_id, "headers", pk), json.dumps(headers)
            )
        except KeyDestroyed:
            name_token = headers_token = None
        ImportJob.objects.filter(pk=pk).update(
            file_name_sealed=name_token,
            headers_sealed=headers_token,
            errors=_column_numbers(errors, headers),
        )


def open_free_text(apps, schema_editor):
    from responsemap.protection.keyring import DecryptionError, unseal

    ImportJob = apps.get_model("imports", "ImportJob")
    rows = ImportJob.objects.values_list(
        "pk", "project_id", "file_name_sealed", "headers_sealed", "errors"
    ).order_by("pk")
    for pk, project_id, name_token, headers_token, errors in rows.iterator(chunk_size=BATCH):
        try:
            name = unseal(project_id, _binding(project_id, "file_name", pk), bytes(name_token))
            headers = json.loads(
                unseal(project_id, _binding(project_id, "headers", pk), bytes(headers_token))
            )
        except (DecryptionError, TypeError):
            name, headers = "", []
        named = [
            {
                **e,
                "column": headers[e["column"]]
                if isinstance(e.get("column"), int) and e["column"] < len(headers)
                else "",
            }
            for e in errors or []
        ]
        ImportJob.objects.filter(pk=pk).update(file_name=name, headers=headers, errors=named)


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="file_name_sealed",
            field=responsemap.protection.fields.EncryptedTextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="importjob",
            name="headers_sealed",
            field=responsemap.protection.fields.EncryptedTextField(blank=True, null=True),
        ),
        migrations.RunPython(seal_free_text, open_free_text),
        migrations.RemoveField(model_name="importjob", name="file_name"),
        migrations.RemoveField(model_name="importjob", name="headers"),
        migrations.RenameField(
            model_name="importjob", old_name="file_name_sealed", new_name="file_name"
        ),
        migrations.RenameField(
            model_name="importjob", old_name="headers_sealed", new_name="headers"
        ),
    ]
