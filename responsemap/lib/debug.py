"""What developer mode's error page may show.

Django's technical error page (``DEBUG=true`` only) lists each frame's local values and
the request's POST data. Its filter hides what ``sensitive_variables`` and
``sensitive_post_parameters`` mark only when DEBUG is off; this one hides them in
developer mode too, so a fault while the master key is read (``protection.master``) or a
password is checked shows none of it on a developer's screen.
"""

from __future__ import annotations

from typing import Any

from django.views.debug import SafeExceptionReporterFilter


class ReporterFilter(SafeExceptionReporterFilter):
    def is_active(self, request: Any) -> bool:
        return True
