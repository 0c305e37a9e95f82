from __future__ import annotations

from django.urls import path

from responsemap.analytics import boundary_views, views
from responsemap.analytics.maps import urls as maps_urls

app_name = "analytics"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("areas/import/", boundary_views.import_boundaries, name="import_boundaries"),
    *maps_urls.urlpatterns,
]
