from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A feedback project: the unit of purpose, access, keys and destruction.

    The primary key is also the id of the project's data key in the keystore.
    """

    class Status(models.TextChoices):
        DESIGN = "design", _("In design")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        DESTROYED = "destroyed", _("Destroyed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    country = models.CharField(max_length=2, help_text=_("ISO 3166-1 alpha-2, e.g. HT"))
    languages = models.JSONField(default=list, help_text=_("Language codes, first is default"))
    purpose = models.TextField(help_text=_("The specified purpose the data is collected for"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DESIGN)
    retention_days = models.PositiveIntegerField(default=730)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else "en"


# Partners and data-sharing agreements, by concept (imported here so Django finds them).
from responsemap.projects.sharing.models import (  # noqa: E402
    DataSharingAgreement,
    Partner,
    PartnerUser,
)

__all__ = ["DataSharingAgreement", "Organisation", "Partner", "PartnerUser", "Project"]
