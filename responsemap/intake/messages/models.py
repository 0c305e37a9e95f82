"""Messages in and out, each stored before anything else happens to it."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from responsemap.intake.channels.models import Channel
from responsemap.intake.contacts.models import Contact
from responsemap.protection.fields import EncryptedTextField


class InboundMessage(models.Model):
    """A message as received, stored before the gateway is answered."""

    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message")
        OPT_OUT = "opt_out", _("Opt-out")
        OPT_IN = "opt_in", _("Opt-in")

    class State(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    # No index of its own: the unique (channel, provider_message_id) one serves lookups
    # by channel, and every inbound message would pay for a second one.
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="inbound", db_index=False
    )
    provider_message_id = models.CharField(max_length=128)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound"
    )
    text = EncryptedTextField()
    # The body's bytes (base64), sealed, when the text did not decode as the gateway
    # declared: ``text`` is then a best guess, and ``meta["encoding_fault"]`` names
    # the declared charset. Empty for every other message.
    raw = EncryptedTextField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.MESSAGE)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    # The first message from this contact (the contact was made with it): the worker
    # sends the consent notice when it processes the message.
    new_contact = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_message_id"], name="inbound_provider_id_unique"
            )
        ]
        indexes = [models.Index(fields=["state", "received_at"])]

    def __str__(self) -> str:
        return f"inbound {self.pk}"


class OutboundMessage(models.Model):
    """A message to send; the worker sends it, throttled per channel, retried with backoff."""

    class Purpose(models.TextChoices):
        REPLY = "reply", _("Reply")
        NOTICE = "notice", _("Consent notice")
        OPT_OUT_CONFIRMATION = "opt_out_confirm", _("Opt-out confirmation")
        OPT_IN_CONFIRMATION = "opt_in_confirm", _("Opt-in confirmation")
        ALERT = "alert", _("Alert")
        CAMPAIGN = "campaign", _("Campaign")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        # Handed to the provider by a worker (attempt_id); "sent" once it answers.
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        BLOCKED = "blocked", _("Not sent: opted out")
        # Still queued when its project closed: never sent (projects.lifecycle).
        CLOSED = "closed", _("Not sent: project closed")
        # The worker sending it died before the provider answered; never sent again
        # (docs/adr/0009-delivery-after-a-worker-dies.md). A delivery report settles it.
        UNKNOWN = "unknown", _("Not known whether sent")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="outbound")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="outbound")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    text = EncryptedTextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    provider_message_id = models.CharField(max_length=128, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The attempt that moved it to "sending", and when: only that attempt may record
    # what the provider answered; one older than the task timeout was abandoned.
    attempt_id = models.UUIDField(null=True, blank=True)
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    in_reply_to = models.ForeignKey(
        InboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"outbound {self.pk} ({self.state})"
