"""What imports keep per form: the saved column mapping and recodes, and the link of a
repeat row's record to its submission's."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from responsemap.protection.fields import EncryptedTextField


class SavedMapping(models.Model):
    """The mapping and recodes last used for a form, offered on its next file (and used
    by the pulls from Kobo and ODK Central).

    ``form_key`` is a keyed hash of the form's id (Kobo's ``_xform_id_string``,
    ``formhub/uuid``, an ODK form id) or, without one, of the file's header names.
    ``mapping`` is sealed JSON: header names (a header may be a respondent's words)
    and choice values, see ``saved.NamedMapping``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    form_key = models.CharField(max_length=80)
    mapping = EncryptedTextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "form_key"], name="saved_mapping_form")
        ]

    def __str__(self) -> str:
        return f"saved mapping {str(self.pk)[:8]}"


class SubmissionLink(models.Model):
    """A record made from a repeat group's row → its submission, by the key the
    submission's own record has (a keyed hash of its uuid, never the uuid).

    The record is named by its id, not a foreign key: imports' migrations come before
    triage's. The link goes with its project; a link whose record is gone leads
    nowhere and holds nothing personal (an id and a keyed hash).
    """

    feedback_id = models.UUIDField(primary_key=True)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    submission_key = models.CharField(max_length=80)

    class Meta:
        indexes = [models.Index(fields=["project", "submission_key"])]

    def __str__(self) -> str:
        return f"submission link {self.pk}"
