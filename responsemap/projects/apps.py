from __future__ import annotations

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "responsemap.projects"
    label = "projects"
    verbose_name = "Projects"

    def ready(self) -> None:
        from responsemap.lib.tasks import register_upkeep
        from responsemap.projects import catalogue  # noqa: F401  (declares the fields)
        from responsemap.projects.destruction.caches import forget_destroyed_projects
        from responsemap.projects.destruction.tasks import destroy_due_projects
        from responsemap.projects.models import Project
        from responsemap.protection.expected import expect_project_chains

        # verify_audit expects an audit chain for every project (ADR 0007).
        expect_project_chains(lambda: Project.objects.values_list("pk", flat=True))
        # Every worker's upkeep: closed projects whose retention ended are destroyed.
        register_upkeep(destroy_due_projects)
        # ... and forget what they cache of projects destroyed by another process.
        register_upkeep(forget_destroyed_projects)
