"""Duplicates, rumour groups and spam flags of feedback records.

Similarity works on sealed data: at a record's birth its text (before sealing) is made
into keyed word tokens (``protection.tokens``) and those into a MinHash signature
(``similarity.py``) — the minimum of each of 16 public permutations over tokens that
are themselves HMACs under the project's key. Without that key a signature says
nothing about a word; with the key destroyed it is noise, like the search tokens
(ADR 0008). No clear text and no reversible fingerprint is stored. Band keys
(``SimilarityBand``: locality-sensitive hashing) let one indexed lookup per batch find
the earlier records that may be similar, from any sender.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DuplicatePolicy(models.Model):
    """A project's duplicate and spam settings; a project without a row has the defaults."""

    project = models.OneToOneField(
        "projects.Project", on_delete=models.CASCADE, related_name="duplicate_policy"
    )
    # Same sender and similar text within this many hours: a duplicate of the earlier one.
    window_hours = models.PositiveIntegerField(default=48)
    # Estimated share of words two texts have in common (0–1) to call them similar.
    similarity = models.FloatField(default=0.5)
    # More than ``rate_messages`` from one sender within ``rate_minutes``: spam.
    rate_messages = models.PositiveIntegerField(default=10)
    rate_minutes = models.PositiveIntegerField(default=10)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"duplicate policy of {self.project_id}"


class TextSignature(models.Model):
    """A record's MinHash signature (16 × 8 bytes, keyed; see the module header), its
    sender and time: what the birth-time lookup compares."""

    feedback = models.OneToOneField(
        "triage.Feedback", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    contact = models.ForeignKey(
        "intake.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    received_at = models.DateTimeField()
    minhash = models.BinaryField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["project", "contact", "received_at"])]

    def __str__(self) -> str:
        return f"signature of {self.feedback_id}"


class SimilarityBand(models.Model):
    """One band key of a record's signature (8 a record): two records sharing a key are
    candidates, compared on their whole signatures."""

    feedback = models.ForeignKey(
        "triage.Feedback", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.BigIntegerField()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Also the index that deleting a record's bands uses.
            models.UniqueConstraint(fields=["feedback", "key"], name="similarity_band_unique"),
        ]
        indexes = [models.Index(fields=["project", "key", "received_at"])]

    def __str__(self) -> str:
        return f"band of {self.feedback_id}"


class LinkKind(models.TextChoices):
    BIRTH = "birth", _("Found when it arrived")
    HAND = "hand", _("Linked by hand")
    MERGE = "merge", _("Merged")


class DuplicateLink(models.Model):
    """``duplicate`` repeats ``original``. Never deleted: unlinking ends the link
    (``ended_at``), so a record's history shows every link it had."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    duplicate = models.ForeignKey(
        "triage.Feedback", on_delete=models.CASCADE, related_name="duplicate_links"
    )
    original = models.ForeignKey(
        "triage.Feedback", on_delete=models.CASCADE, related_name="duplicated_by"
    )
    kind = models.CharField(max_length=8, choices=LinkKind.choices)
    # The estimated share of words in common when found at birth; None by hand.
    similarity = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["duplicate"],
                condition=models.Q(ended_at__isnull=True),
                name="duplicate_link_one_current",
            ),
        ]
        indexes = [models.Index(fields=["original", "created_at"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.duplicate_id} duplicates {self.original_id}"


class RumourGroup(models.Model):
    """Similar text from different senders: a rumour (or a real problem) spreading. Its
    count and first/last seen are computed from its members (``queries``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["project", "-created_at"])]

    def __str__(self) -> str:
        return f"rumour group {self.pk}"


class RumourMember(models.Model):
    """A record in a rumour group (one group a record at most)."""

    group = models.ForeignKey(RumourGroup, on_delete=models.CASCADE, related_name="members")
    feedback = models.OneToOneField(
        "triage.Feedback", on_delete=models.CASCADE, related_name="rumour_membership"
    )
    # The record's own time, kept here so a group's first/last seen need no join.
    received_at = models.DateTimeField()
    kind = models.CharField(max_length=8, choices=LinkKind.choices)
    added_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["group", "received_at"])]

    def __str__(self) -> str:
        return f"{self.feedback_id} in {self.group_id}"


class SpamReason(models.TextChoices):
    BLOCKED = "blocked", _("Sender on the block list")
    RATE = "rate", _("Too many messages from one sender")
    HAND = "hand", _("Marked by hand")


class SpamMark(models.Model):
    """A record flagged as spam: hidden from the inbox's default view (``not_spam_q``)."""

    feedback = models.OneToOneField(
        "triage.Feedback", on_delete=models.CASCADE, primary_key=True, related_name="spam_mark"
    )
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=8, choices=SpamReason.choices)
    marked_at = models.DateTimeField()
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"spam mark of {self.feedback_id}"


class SenderBlock(models.Model):
    """A sender on the project's block list, by the contact's keyed phone (or handle)
    index — never the number itself. Their new messages are flagged spam at birth."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    sender_index = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "sender_index"], name="sender_block_unique")
        ]

    def __str__(self) -> str:
        return f"blocked sender in {self.project_id}"
