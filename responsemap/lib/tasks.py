from __future__ import annotations

from datetime import datetime
from typing import Any


def enqueue_at(task: Any, when: datetime, *args: Any) -> bool:
    """Enqueue ``task`` to run at ``when``; False if the backend can't defer (the
    immediate backend used by tests), in which case the caller's retry state stays in
    the row and the next sweep picks it up."""
    if not task.get_backend().supports_defer:
        return False
    task.using(run_after=when).enqueue(*args)
    return True
