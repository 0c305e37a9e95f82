from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventContent(models.Model):
    """What an audit event says: who did what to which object, when, why, from where.

    Holds the *names* of fields touched or revealed, never their values. See audit.py.
    """

    chain = models.CharField(max_length=64)
    project_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    fields = models.JSONField(default=list, blank=True)
    reason = models.TextField(blank=True)
    purpose = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=32, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        abstract = True


class AuditEvent(EventContent):
    """One entry of a tamper-evident, append-only chain (one chain per project, one
    system): its content, its place (``seq``), the hash before it and its own."""

    seq = models.PositiveBigIntegerField()
    project_id = models.UUIDField(null=True, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique")
        ]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit event")

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"


class AuditPending(EventContent):
    """An event written on a hot path (an inbound message) and not yet in its chain.

    It is sealed at once with its own HMAC (so it can't be altered unnoticed), written
    in the same statement as the change it records, and moved into the chain, in
    order, by ``audit.sequence_pending`` — the worker's next sweep, within seconds.
    See docs/adr/0004-audit-pending-events.md.
    """

    id = models.BigAutoField(primary_key=True)
    seal = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.chain} pending {self.action}"


class AuditChainHead(models.Model):
    """The last sequence number and hash of a chain: catches a truncated tail."""

    chain = models.CharField(max_length=64, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"{self.chain}@{self.seq}"


class AuditListing(models.Model):
    """One record named by a listing event: a page of a list (the inbox, a search, an
    audit trail) is logged as one event, and each record it showed as one of these rows,
    so the record's own trail shows that it was listed, by whom and when.

    The event's content holds a digest of its rows (``protection.listing``), so a row
    added, changed or removed afterwards is caught by ``verify_audit``.
    """

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(AuditEvent, on_delete=models.CASCADE, related_name="listed")
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} in event {self.event_id}"
