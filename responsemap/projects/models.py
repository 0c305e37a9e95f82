from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from responsemap.lib.timezones import is_zone, zone_for_country


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
    # Where the project works, for times written without a zone (imports, pulls); empty:
    # the country's zone (``zone``).
    time_zone = models.CharField(
        max_length=64, blank=True, help_text=_("e.g. Africa/Mogadishu; empty: the country's")
    )
    purpose = models.TextField(help_text=_("The specified purpose the data is collected for"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DESIGN)
    retention_days = models.PositiveIntegerField(default=730)
    created_at = models.DateTimeField(auto_now_add=True)

    class Sensitivity(models.TextChoices):
        LOW = "low", _("Low sensitivity")
        MEDIUM = "medium", _("Medium sensitivity")
        HIGH = "high", _("High sensitivity")

    # The data's class as a whole, shown on every screen, print and export, and when it
    # is next looked at again.
    sensitivity = models.CharField(
        max_length=8, choices=Sensitivity.choices, default=Sensitivity.MEDIUM
    )
    sensitivity_review_on = models.DateField(null=True, blank=True)
    # The person who answers for the data (approves the checklists) and the organisation
    # they act for; the processors are the organisations that handle data for it.
    data_controller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    controller_organisation = models.CharField(max_length=200, blank=True)
    processors = models.JSONField(default=list, blank=True)
    # Regular expressions of the country's identity-document numbers, so redaction and
    # checks know them.
    id_patterns = models.JSONField(default=list, blank=True)
    # How often the data-protection checklists are reviewed once approved.
    review_interval_days = models.PositiveIntegerField(default=180)
    # When the approved checklists are next due for review (set by each approval).
    review_due_on = models.DateField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> str:
        """The project's time zone: the one set, else its country's (the capital's)."""
        return self.time_zone if is_zone(self.time_zone) else zone_for_country(self.country)

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else "en"


class OrganisationAdmin(models.Model):
    """A person who may create projects for an organisation (and close them)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="organisation_admin_once")
        ]

    def __str__(self) -> str:
        return f"admin {self.user_id} of {self.organisation_id}"


# Partners and data-sharing agreements, by concept (imported here so Django finds them).
# The data-protection checklists' answers, by concept.
from responsemap.projects.checklists.models import ChecklistVersion  # noqa: E402

# Legal holds, destruction runs and what a destroyed project leaves (projects.destruction).
from responsemap.projects.destruction.models import (  # noqa: E402
    DestructionRun,
    LegalHold,
    ProjectAggregate,
)
from responsemap.projects.sharing.models import (  # noqa: E402
    AgreementVersion,
    DataSharingAgreement,
    Partner,
    PartnerUser,
)

__all__ = [
    "AgreementVersion",
    "ChecklistVersion",
    "DataSharingAgreement",
    "DestructionRun",
    "Organisation",
    "OrganisationAdmin",
    "LegalHold",
    "Partner",
    "PartnerUser",
    "Project",
    "ProjectAggregate",
]
