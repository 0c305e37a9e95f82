"""The project's data classification and purpose on what leaves the screen: every
export and download carries them in its headers (screens and prints carry them under the
header, ``projects/_project_mark.html``)."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse

from responsemap.projects.models import Project

PURPOSE_MAX = 500


def mark_export(response: HttpResponse, project: Project) -> HttpResponse:
    """``Data-Classification`` (low, medium, high: the project's sensitivity class) and
    ``Data-Purpose`` (percent-encoded UTF-8, as header values are Latin-1 only)."""
    response["Data-Classification"] = project.sensitivity
    response["Data-Purpose"] = quote(project.purpose[:PURPOSE_MAX], safe=" .,;:()'-/")
    return response
