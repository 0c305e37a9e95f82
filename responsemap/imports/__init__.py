"""Bulk import of feedback from CSV and XLSX files (KoboToolbox / ODK exports and the like).

Flow: upload (``actions.do_create_import_job``: read once, kept sealed) → column
mapping with suggestions (``mapping``) → dry run: every row checked, nothing written
(``checking``) → confirm (``do_start_import``) → ``tasks.run_import`` stores rows in
batches through ``feedback_rows.FeedbackRowSink`` → result with counts and
an error report of (row, column, reason), never a cell's value.

Who: holders of ``enter_feedback`` (see ``queries``). Re-imports: see the row keys in
``mapping``. Phone numbers are imported only when the importer confirms the people
agreed to them being kept.
"""
