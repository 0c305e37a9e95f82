from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

ProjectId = UUID | str


@dataclass(frozen=True)
class Viewer:
    """A person acting in one project, as the kernel sees them.

    ``accounts`` builds it from a membership; the kernel needs no more than this.
    """

    user_id: int | None
    label: str
    role: str
    project_id: ProjectId
    permissions: frozenset[str]

    def can(self, permission: str | None) -> bool:
        return permission is None or permission in self.permissions
