"""Code lists of a feedback record. Per-project coding frameworks come later; these are
the defaults every project starts with."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """Where a piece of feedback came from (not the gateway model ``intake.Channel``)."""

    SMS = "sms", _("SMS")
    HOTLINE = "hotline", _("Hotline")
    WEB = "web", _("Web form")
    SURVEY = "survey", _("Survey")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    IMPORT = "import", _("Import")
    SOCIAL = "social", _("Social media")
    IN_PERSON = "in_person", _("In person")


class FeedbackType(models.TextChoices):
    QUESTION = "question", _("Question")
    COMPLAINT = "complaint", _("Complaint")
    REQUEST = "request", _("Request")
    RUMOUR = "rumour", _("Rumour / misinformation")
    SUGGESTION = "suggestion", _("Suggestion")
    APPRECIATION = "appreciation", _("Appreciation")
    PROTECTION = "protection", _("Protection concern")
    UNCODED = "uncoded", _("Not yet coded")


class Sector(models.TextChoices):
    FOOD = "food", _("Food security")
    WASH = "wash", _("Water, sanitation and hygiene")
    SHELTER = "shelter", _("Shelter")
    HEALTH = "health", _("Health")
    PROTECTION = "protection", _("Protection")
    EDUCATION = "education", _("Education")
    CASH = "cash", _("Cash assistance")
    NUTRITION = "nutrition", _("Nutrition")
    OTHER = "other", _("Other")
    UNCODED = "uncoded", _("Not yet coded")


class Urgency(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Status(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    REFERRED = "referred", _("Referred")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not stated")


class AgeBand(models.TextChoices):
    CHILD = "0-17", _("Under 18")
    YOUTH = "18-24", _("18–24")
    ADULT = "25-59", _("25–59")
    OLDER = "60+", _("60 and over")
    UNKNOWN = "unknown", _("Not stated")


class Disability(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Not stated")


class Displacement(models.TextChoices):
    IDP = "idp", _("Internally displaced")
    REFUGEE = "refugee", _("Refugee")
    RETURNEE = "returnee", _("Returnee")
    HOST = "host", _("Host community")
    UNKNOWN = "unknown", _("Not stated")


class Sensitivity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    SENSITIVE = "sensitive", _("Protection-sensitive")
