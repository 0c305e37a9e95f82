"""Destroying a project, backups included (issue 13, point 3; docs/destruction.md).

Design:
- A closed project is destroyed when its retention period after closure ends, unless a
  legal hold (reason, owner, expiry) stands (``tasks.destroy_due_projects``), or at once
  by an operator's explicit decision (``manage.py destroy_project SLUG``), never under a
  hold.
- The key goes first (crypto-shredding, ``protection.keyring.crypto_shred_project``):
  from that moment every copy of the project's sealed values and keyed indexes, in the
  live database and in every backup, is noise. Every process drops its cached copy
  within ``keyring.RECHECK_SECONDS``.
- Then, in batches that each commit with the run's state (``DestructionRun``), so a run
  killed half-way goes on where it stopped: the non-personal aggregates are counted,
  every table with the project's rows is emptied (found from the models, so a table
  added later is not forgotten), the audit chain is purged (its final hash recorded in
  the system chain), files under ``var/projects/<id>/`` are removed, and the in-process
  caches forgotten.
- What remains: the project's row (name, purpose: published, staff-set), the aggregates
  (counts per kind and month, cells under ``aggregates.THRESHOLD`` suppressed), and the
  destruction certificate, an event of the system chain (MAC'd, head-MAC'd, witnessed,
  never purged) that names what, when, who approved, counts per kind, the destroyed key's
  id and fingerprint and the chain's final hash.
"""
