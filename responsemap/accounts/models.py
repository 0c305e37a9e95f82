from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A staff member. Community members are never users: they are contacts."""

    class Meta:
        verbose_name = _("user")


class Role(models.Model):
    """A named set of permissions in one project; customisable per project."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="roles")
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=100)
    permissions = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="role_code_unique")]

    def __str__(self) -> str:
        return self.label


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="one_membership_per_project")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.project_id} as {self.role.code}"


class Team(models.Model):
    """A named group of a project's members (a field team, a sector desk) that records
    can be assigned to. Deleting a team leaves its records unassigned to any team."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    members: models.ManyToManyField[Membership, TeamMember] = models.ManyToManyField(
        Membership, through="TeamMember", related_name="teams"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="team_name_unique")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    """One member in one team (both of the same project: checked by the actions)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "membership"], name="team_member_unique")
        ]

    def __str__(self) -> str:
        return f"member {self.membership_id} of team {self.team_id}"


class StaffPhone(models.Model):
    """A staff member's own mobile number for SMS alerts (accounts.phones), sealed under
    the staff key (``protection.staff_data``), shown only as ``masked``. Used for
    alerts only once ``verified_at`` is set: the person typed back the code texted to it.
    A new number replaces the old one and is unverified until its code comes back."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="staff_phone"
    )
    number = models.BinaryField()  # sealed: protection.staff_data, kind "staffphone.number"
    # What a screen shows: the country code and the last two digits ("+509 •••• ••56").
    masked = models.CharField(max_length=32)
    # The language of the texts sent to it (the alert and the code), chosen by its owner.
    language = models.CharField(max_length=10)
    verified_at = models.DateTimeField(null=True, blank=True)
    # The one-time code waiting to come back: a keyed HMAC, when it was sent, tries left.
    code_digest = models.CharField(max_length=64, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_tries = models.PositiveSmallIntegerField(default=0)
    codes_sent = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"phone of {self.user_id}"
