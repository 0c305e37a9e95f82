"""What a person who writes to a closed project is told, in the project's language."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext

from responsemap.projects.models import Project


def closure_notice(project: Project) -> str:
    """One plain SMS (GSM-7 letters in the languages that have them)."""
    with translation.override(project.default_language):
        return gettext(
            "This feedback line is closed. Your message was not kept. Thank you for writing to us."
        )
