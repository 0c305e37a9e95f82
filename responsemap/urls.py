from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from responsemap.analytics.roles import views as role_views
from responsemap.projects import views as project_views
from responsemap.projects.creation import views as creation_views


def healthz(request: HttpRequest) -> HttpResponse:
    request.get_host()  # served lean (lib/handlers.py): no middleware checked the Host
    return HttpResponse("ok", content_type="text/plain")


# Gateways' webhooks first: they are most of the requests, and resolving goes in order.
urlpatterns = [
    path("channels/", include("responsemap.intake.channels.urls")),
    path("healthz", healthz, name="healthz"),
    path("", project_views.switcher, name="home"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("responsemap.accounts.phones.urls")),
    path("admin/", admin.site.urls),
    path("p/<slug:slug>/", project_views.project_home, name="project_home"),
    path("p/<slug:slug>/", include("responsemap.triage.urls")),
    path("p/<slug:slug>/intake/", include("responsemap.intake.urls")),
    path("p/<slug:slug>/imports/", include("responsemap.imports.urls")),
    path("p/<slug:slug>/people/", include("responsemap.projects.members_urls")),
    path("p/<slug:slug>/lifecycle/", include("responsemap.projects.lifecycle.urls")),
    path("projects/new/", creation_views.new_project, name="new_project"),
    path("p/<slug:slug>/", include("responsemap.analytics.urls")),
    path("p/<slug:slug>/", include("responsemap.analytics.public.urls")),
    path("public/", include("responsemap.analytics.public.public_urls")),
    path("f/<slug:slug>/", include("responsemap.triage.public_urls")),
    path("destruction/", include("responsemap.projects.destruction.urls")),
    path("dashboards/", role_views.organisation_dashboard, name="organisation_dashboard"),
]
