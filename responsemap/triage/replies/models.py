"""Replies that close the loop, the templates they start from, and call-back attempts.

A reply's text is sealed under the project key like a note (the outbound message it
queues holds its own sealed copy, which the worker opens to send). Templates are the
organisation's own words with placeholders — never a person's text or name — so they
are kept in clear, like the consent notices (docs/replies.md).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from responsemap.protection.fields import EncryptedTextField


class ReplyTemplate(models.Model):
    """A reply a manager writes once, one text per language, with placeholders
    ({reference}, {status}, {project}) filled from the record when it is picked."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    # {language code: text}; organisation text, in clear (see the module's header).
    texts = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="reply_template_code_unique")
        ]
        ordering = ["code"]

    def __str__(self) -> str:
        return f"reply template {self.code}"


class Reply(models.Model):
    """A reply sent from a record to its sender, on the channel it came in on."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    feedback = models.ForeignKey(
        "triage.Feedback", on_delete=models.CASCADE, related_name="replies", db_index=False
    )
    # The message that carries it; its state is the reply's delivery status.
    outbound = models.OneToOneField(
        "intake.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()
    text = EncryptedTextField()
    # Shown on the public status page to whoever has the record's reference code
    # (triage.status_lookup), as the answer to everyone who asks; never for a
    # protection case.
    public = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["feedback", "-created_at"]),
            models.Index(fields=["project", "created_at"]),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"reply to {self.feedback_id}"


class CallbackOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    DECLINED = "declined", _("Declined to talk")


# Outcomes that end a call-back task; after "no answer" it stays open for another try.
FINAL_OUTCOMES = (CallbackOutcome.REACHED, CallbackOutcome.WRONG_NUMBER, CallbackOutcome.DECLINED)


class CallbackAttempt(models.Model):
    """One try at calling back a person who asked for it: the outcome coded, the note
    sealed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    feedback = models.ForeignKey(
        "triage.Feedback",
        on_delete=models.CASCADE,
        related_name="callback_attempts",
        db_index=False,
    )
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=CallbackOutcome.choices)
    note = EncryptedTextField()

    class Meta:
        indexes = [models.Index(fields=["feedback", "-created_at"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"call-back attempt on {self.feedback_id}"
