"""Coded values of the rules concept (no model imports: ``triage.models`` uses them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SensitivityReview(models.TextChoices):
    """Whether a person has looked at a record a rule raised to protection-sensitive."""

    NONE = "", _("Not raised by a rule")
    TO_CONFIRM = "to_confirm", _("Raised by a rule, to confirm")
    CONFIRMED = "confirmed", _("Confirmed by protection staff")
    LOWERED = "lowered", _("Lowered by protection staff")


class RuleUrgency(models.TextChoices):
    """What a rule sets a matching record's urgency to ("" leaves it as it came)."""

    UNCHANGED = "", _("Leave as it is")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")
