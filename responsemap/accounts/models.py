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
