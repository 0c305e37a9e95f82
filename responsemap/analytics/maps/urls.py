"""The map's addresses, part of ``analytics``' (``/p/<slug>/map/…``)."""

from __future__ import annotations

from django.urls import path

from responsemap.analytics.maps import views

urlpatterns = [
    path("map/", views.map_page, name="map"),
    path("map/areas.geojson", views.boundaries, name="map_boundaries"),
    path("map/grid.json", views.grid, name="map_grid"),
    path("map/settings/", views.map_settings, name="map_settings"),
]
