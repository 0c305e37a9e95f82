"""Every write of a domain row goes through an audited action (ARCHITECTURE.md).

The test reads every module of ``responsemap/`` (tests and migrations aside) with
``ast`` and lists each call that writes to the database outside an ``actions.py``
module or an ``actions/`` package; every one must be in ``ALLOWED`` below, as
``(path, function)`` with the reason. A new write elsewhere fails the test: move it
into a ``do_*`` action, or, if it is bookkeeping nobody would ask about, add it here
with a pointer to ``docs/adr/0006-unaudited-bookkeeping.md``.

What counts as a write (the heuristic, chosen to flag model writes and not the
``update`` of a dict or a set):

- ``get_or_create``, ``update_or_create``, ``bulk_create``, ``bulk_update``: on
  anything (no built-in type has them);
- ``update`` and ``create``: only on a queryset-looking receiver: a chain through
  ``.objects`` / ``._default_manager`` or a queryset method (``filter``, ``exclude``,
  ``all``, ``select_for_update``…), or a local name assigned from one
  (``rows = X.objects.filter(...)``, then ``rows.update(...)``);
- ``save`` and ``delete``: on any receiver (a model instance, a form, a queryset),
  except ``super()`` and a few names that are never models (``cache``, ``storage``…);
- ``rawsql.insert``, ``rawsql.insert_objects``, ``rawsql.delete_ids``: the raw write
  helpers of ``lib.rawsql``.

Not seen: a related manager's ``create`` (``project.roles.create(...)``) and SQL run
on a cursor; reviews catch those. The function named is the innermost ``def`` around
the call.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "responsemap"

ALWAYS = {"get_or_create", "update_or_create", "bulk_create", "bulk_update"}
ON_QUERYSETS = {"update", "create"}
ON_ANYTHING = {"save", "delete"}
QUERYSET_LINKS = {
    "objects",
    "_default_manager",
    "filter",
    "exclude",
    "all",
    "select_for_update",
    "select_related",
    "order_by",
    "only",
    "defer",
    "using",
}
NEVER_MODELS = {"cache", "caches", "storage", "default_storage", "session"}
RAW_WRITES = {"insert", "insert_objects", "delete_ids"}

ADR_0006 = "bookkeeping, not audited (ADR 0006)"
ALLOWED: dict[tuple[str, str], str] = {
    # --- intake: outbound messages --------------------------------------------------
    ("responsemap/intake/messages/send.py", "do_queue_outbound"): (
        "the outbound action (send.py is the sending pipeline); audited"
    ),
    ("responsemap/intake/messages/send.py", "_move"): (
        "every outbound state change (sent, failed, blocked, delivered), each with its "
        "audit event in the same transaction"
    ),
    ("responsemap/intake/messages/send.py", "claim_send_slot"): (
        f"the channel's next_send_at slot: {ADR_0006}"
    ),
    ("responsemap/intake/messages/send.py", "_hand_over"): (
        f"queued -> sending under an attempt id, and the attempt counter: {ADR_0006} "
        "(the outcome, sent/failed/unknown, is audited; ADR 0009)"
    ),
    ("responsemap/intake/messages/send.py", "send_outbound"): (
        "the provider's message id, written with the audited move to sent (_move) in "
        "one transaction"
    ),
    ("responsemap/intake/messages/send.py", "_after_failure"): (
        f"sending -> queued with next_attempt_at and last_error for a retry: {ADR_0006}"
    ),
    ("responsemap/intake/messages/sweep.py", "sweep_batch"): (
        f"InboundMessage received -> processed/failed: {ADR_0006}"
    ),
    # --- imports ----------------------------------------------------------------------
    ("responsemap/imports/transitions.py", "move_job"): (
        "the import job's one transition, audited; outside actions.py so that the tasks "
        "and the actions both use it without an import cycle"
    ),
    ("responsemap/imports/submissions.py", "link_to_submission"): (
        "a repeat row's record -> its submission's key, written with the audited "
        "feedback.create of the record, in its transaction"
    ),
    ("responsemap/imports/tasks.py", "_run_batch"): (
        f"the job's progress counters (processed, created, skipped, failed): {ADR_0006}"
    ),
    ("responsemap/imports/pull/transitions.py", "claim_due_pull"): (
        f"a due pull source's next run moved on by the worker that queues it: {ADR_0006}"
    ),
    ("responsemap/imports/pull/transitions.py", "claim_pull_run"): (
        f"one pull of a source at a time (running_since): {ADR_0006}"
    ),
    ("responsemap/imports/pull/transitions.py", "finish_pull"): (
        "a pull's counts, outcome and next run, with its audit event (import.pull) in "
        "the same transaction"
    ),
    # --- triage: the public form -----------------------------------------------------
    ("responsemap/triage/public_guard.py", "claim_submission_slot"): (
        f"the public form's per-window throttle counter (an HMAC, no address): {ADR_0006}"
    ),
    # --- triage: status by reference ------------------------------------------
    ("responsemap/triage/status_lookup/guard.py", "_claim"): (
        f"the status lookup's per-window counters (HMACs, no address or contact): {ADR_0006}"
    ),
    ("responsemap/triage/status_lookup/references.py", "insert_with_fresh_references"): (
        "the records' insert of do_create_feedback_batch, which audits each (a taken "
        "reference retried with a fresh one)"
    ),
    # --- triage: the SMS receipt ----------------------------------------------
    ("responsemap/triage/status_lookup/receipts.py", "do_queue_receipts"): (
        "a batch's receipts, do_queue_outbound's insert for many at once; audited "
        "(message.queue each), sent after commit"
    ),
    # --- the kernel's own tables -----------------------------------------------------
    ("responsemap/protection/audit.py", "record_events"): "the audit log itself",
    ("responsemap/protection/audit.py", "_append"): "the audit log itself",
    ("responsemap/protection/audit.py", "sequence_pending"): "the audit log itself",
    ("responsemap/protection/audit.py", "purge_project_chain"): (
        "the one removal of a destroyed project's chain, recorded in the system chain"
    ),
    ("responsemap/protection/listing.py", "record_listing"): (
        "the rows of a listing event, written with it"
    ),
    ("responsemap/lib/rawsql.py", "delete_ids"): "the raw write helper itself; callers are checked",
    ("responsemap/lib/tasks.py", "recover_abandoned_tasks"): (
        "the task queue's own rows (django-tasks-db): a task whose worker died, running -> "
        "ready or failed; not a domain row (ADR 0009)"
    ),
    ("responsemap/triage/suggestions/birth.py", "store_suggestions"): (
        "the suggestions made with each record, inside do_create_feedback_batch's "
        "transaction; a person decides on them through the suggestions' actions"
    ),
    ("responsemap/lib/tasks.py", "enqueue_many"): (
        "the task queue's own rows (django-tasks-db): several enqueues in one insert, as "
        "enqueue writes them; not a domain row"
    ),
    # --- intake: receiving ------------------------------------------------------------
    ("responsemap/intake/messages/receive.py", "_receive_with_contact"): (
        "do_receive_message's ORM path (handles, STOP/START): the message's birth, with its "
        "receipt event in the same transaction"
    ),
    ("responsemap/intake/messages/receive.py", "_set_opted_out"): (
        "do_opt_out / do_opt_in: the contact's opt-out, audited in the same transaction"
    ),
    # --- triage ------------------------------------------------------------------------
    ("responsemap/triage/tasks.py", "redact_feedback"): (
        "the redacted copy and area of a record a person typed in (hotline, web form, "
        "import), written by the worker with its feedback.redact event; a task, as "
        "actions.py enqueues it"
    ),
    ("responsemap/triage/redaction.py", "write_search_tokens"): (
        "the redacted copy's keyed search tokens (derived data, ADR 0008), written with "
        "the copy by do_create_feedback_batch or redact_feedback, in their transaction"
    ),
    # --- projects: destruction (docs/destruction.md) ----------------------------------
    ("responsemap/projects/destruction/purge.py", "purge_rows"): (
        "a destroyed project's rows removed in batches, each with the run's counts: part "
        "of do_destroy_project, audited by its decision and its certificate"
    ),
    ("responsemap/projects/destruction/purge.py", "_advance"): (
        "the destruction run's step (so a killed run resumes): bookkeeping of "
        "do_destroy_project (ADR 0006)"
    ),
    ("responsemap/projects/destruction/purge.py", "shred_key_now"): (
        "the destruction run moved past its key step once the key is gone (a conditional "
        "update: a worker may be taking it further): part of do_destroy_project"
    ),
    ("responsemap/projects/destruction/task_rows.py", "purge_task_rows"): (
        "the task queue's rows naming a destroyed project or its rows, removed with its "
        "rows step: part of do_destroy_project, counted on its certificate"
    ),
    ("responsemap/projects/destruction/aggregates.py", "count_project"): (
        "a destroyed project's counts per month, written again if a run resumes: part "
        "of do_destroy_project, listed in its certificate"
    ),
    # --- analytics: protected months (ADR 0010) -------------------------------------
    ("responsemap/analytics/protected/months.py", "_keep"): (
        f"a month's protected figures kept as a cache under a hash of its inputs: {ADR_0006}"
    ),
    ("responsemap/analytics/protected/months.py", "freeze_month"): (
        "marks the kept month frozen inside the audited release (do_release_month)"
    ),
    ("responsemap/analytics/protected/months.py", "forget_months"): (
        f"drops kept months not frozen (recomputed on the next read): {ADR_0006}"
    ),
}


def _links(node: ast.expr) -> list[str]:
    """The attribute names along a call chain, outermost first, and its root name."""
    names: list[str] = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            if isinstance(node, ast.Name):
                names.append(node.id)
            return names


def _is_super(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


class _Writes(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.scopes: list[tuple[str, set[str]]] = [("<module>", set())]
        self.found: list[tuple[str, str, int, str]] = []

    def _querysetish(self, node: ast.expr) -> bool:
        names = _links(node)
        if not names:
            return False
        *links, root = names
        return bool(QUERYSET_LINKS & set(links)) or root in self.scopes[-1][1]

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scopes.append((node.name, set()))
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, ast.Call | ast.Attribute) and self._querysetish(node.value):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.scopes[-1][1].add(target.id)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and self._writes(node.func):
            function = self.scopes[-1][0]
            self.found.append((self.path, function, node.lineno, ast.unparse(node)[:80]))
        self.generic_visit(node)

    def _writes(self, func: ast.Attribute) -> bool:
        method, receiver = func.attr, func.value
        if isinstance(receiver, ast.Name) and receiver.id == "rawsql":
            return method in RAW_WRITES
        if method in ALWAYS:
            return True
        if method in ON_QUERYSETS:
            return self._querysetish(receiver)
        if method in ON_ANYTHING:
            if _is_super(receiver):
                return False
            return not (isinstance(receiver, ast.Name) and receiver.id in NEVER_MODELS)
        return False


def _scanned() -> list[Path]:
    paths = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts or path.name.startswith("test_"):
            continue
        if path.name == "actions.py" or "actions" in parts[:-1]:
            continue
        paths.append(path)
    return paths


def writes_outside_actions() -> list[tuple[str, str, int, str]]:
    found = []
    for path in _scanned():
        visitor = _Writes(str(path.relative_to(ROOT)))
        visitor.visit(ast.parse(path.read_text(), filename=str(path)))
        found += visitor.found
    return found


def test_domain_writes_go_through_actions() -> None:
    unexpected = [
        f"{path}:{line} in {function}(): {call}"
        for path, function, line, call in writes_outside_actions()
        if (path, function) not in ALLOWED
    ]
    assert not unexpected, "writes outside actions.py:\n" + "\n".join(unexpected)


def test_every_allowed_write_still_exists() -> None:
    """An entry whose write has moved into an action is taken off the list."""
    seen = {(path, function) for path, function, _, _ in writes_outside_actions()}
    assert sorted(set(ALLOWED) - seen) == []


def _flagged(source: str) -> list[str]:
    visitor = _Writes("example.py")
    visitor.visit(ast.parse(source))
    return [call for _, _, _, call in visitor.found]


def test_the_heuristic_flags_model_writes_and_not_dicts_or_sets() -> None:
    flagged = _flagged(
        "def f(job, form, seen, extra):\n"
        "    Feedback.objects.create(text='x')\n"
        "    Feedback.objects.filter(pk=1).update(status='closed')\n"
        "    rows = OutboundMessage.objects.filter(channel=1)\n"
        "    rows.update(state='sent')\n"
        "    job.save(update_fields=['state'])\n"
        "    form.save()\n"
        "    Role.objects.bulk_create([])\n"
        "    rawsql.insert(Contact, [])\n"
        "    seen.update({1})\n"
        "    extra.update(a=1)\n"
        "    cache.delete('k')\n"
        "    super().save()\n"
        "    keyring.create(1)\n"
    )
    assert flagged == [
        "Feedback.objects.create(text='x')",
        "Feedback.objects.filter(pk=1).update(status='closed')",
        "rows.update(state='sent')",
        "job.save(update_fields=['state'])",
        "form.save()",
        "Role.objects.bulk_create([])",
        "rawsql.insert(Contact, [])",
    ]
