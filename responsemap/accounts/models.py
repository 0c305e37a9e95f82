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
