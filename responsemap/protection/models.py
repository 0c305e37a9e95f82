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
    # The event's own id, inside its MAC (or its seal, while pending): a pending event
    # chained twice, or a sealed detail moved to another event, shows (ADR 0007).
    uid = models.UUIDField(null=True, blank=True)
    # ``reason`` and ``fields`` of a project's event, sealed under the project's key and
    # bound to ``uid`` (those two columns are then empty); the MAC covers the ciphertext,
    # so the chain still verifies once the key is destroyed (``audit.event_details``).
    sealed = models.BinaryField(null=True, blank=True)

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
    uid = models.UUIDField(null=True, blank=True, unique=True)

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
    # Not unique here: a duplicated row must be found and refused, not only prevented
    # (``sequence_pending`` chains one id once; ``verify_pending`` names the copies).
    uid = models.UUIDField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.chain} pending {self.action}"


class AuditChainHead(models.Model):
    """The last sequence number and hash of a chain: catches a truncated tail. ``mac``
    (under the audit key) covers chain, seq and hash, so a head rewound by hand to
    match a shortened chain shows; an old head replayed is caught by the witness's
    checkpoints (``protection.witness``, ADR 0007)."""

    chain = models.CharField(max_length=64, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="")
    mac = models.CharField(max_length=64, default="")

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


class DestroyedProject(models.Model):
    """A project whose key was destroyed: insert-only. Its audit chain may then be
    purged (``audit.purge_project_chain``), and ``verify_audit`` no longer expects it
    (it expects the ``audit.chain_purged`` record in the system chain instead)."""

    project_id = models.UUIDField(primary_key=True)
    destroyed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"project {self.project_id} destroyed {self.destroyed_at:%Y-%m-%d}"
