"""Pulling submissions straight from a form server: KoboToolbox (API v2) and ODK Central
(OData), on a schedule, through the same column mapping and row checks as a file import.

A ``PullSource`` is one form on one server. Every worker's upkeep queues a pull for each
source that is due (``running.pull_due_sources``); a manager's "Fetch now" queues one at
once. A pull asks the server for submissions from the last submission time it has
stored on (inclusive: the same moment again is harmless), page by page, and stores
each page's rows before it moves that time on: a pull cut by an error or a dead worker
loses nothing, the next one asks again. Rows are keyed on the submission's uuid
(Kobo ``_uuid`` / ``meta/instanceID``, ODK ``__id``) exactly as a file import keyed on
that column would be, so a pull and an upload of the same form never make a record twice.
"""
