"""Filling a reply template for a record: its language, its placeholders, and how many
SMS segments the result costs.

Only three placeholders exist — {reference}, {status}, {project} — all coded or
organisation data: a template never carries a person's own words or name.
"""

from __future__ import annotations

from django.utils import translation

from responsemap.projects.models import Project
from responsemap.triage.choices import Status
from responsemap.triage.models import Feedback
from responsemap.triage.replies.models import ReplyTemplate

PLACEHOLDERS = ("reference", "status", "project")

# The GSM 03.38 basic set and its extension (each extension character costs two).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")


def template_language(template: ReplyTemplate, language: str, project: Project) -> str:
    """The language a template is filled in: the record's if the template has a text in
    it, else the project's default, else the first the template has."""
    texts = {code: text for code, text in (template.texts or {}).items() if text.strip()}
    for choice in (language, project.default_language):
        if choice and choice in texts:
            return choice
    return next(iter(sorted(texts)), "")


def fill(template_text: str, record: Feedback, project: Project, language: str) -> str:
    """The template's text with its placeholders replaced (plain replacement, not
    ``str.format``: a template can't reach into anything else)."""
    with translation.override(language or project.default_language):
        status = str(Status(record.status).label) if record.status in Status.values else ""
    values = {"reference": record.reference, "status": status, "project": project.name}
    text = template_text
    for name in PLACEHOLDERS:
        text = text.replace("{" + name + "}", values[name])
    return text


def fill_for(template: ReplyTemplate, record: Feedback, project: Project) -> tuple[str, str]:
    """(language, filled text) of ``template`` for ``record``."""
    language = template_language(template, record.language, project)
    return language, fill((template.texts or {}).get(language, ""), record, project, language)


def sms_segments(text: str) -> tuple[int, int]:
    """(characters, SMS segments) of ``text``: GSM-7 160 in one, 153 each when split;
    anything outside GSM-7 makes it UCS-2, 70 in one, 67 each when split."""
    if not text:
        return 0, 0
    if all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text):
        units = sum(2 if ch in GSM_EXTENSION else 1 for ch in text)
        single, multi = 160, 153
    else:
        units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
        single, multi = 70, 67
    return len(text), 1 if units <= single else -(-units // multi)
