"""Whether e-mail goes to the local outbox (no mail server), so a page can say where it went."""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


@register.simple_tag
def mail_goes_to_outbox() -> bool:
    return bool(settings.EMAIL_BACKEND == FILE_BACKEND)
