"""The pull screens' routes, listed in ``imports/urls.py`` before a job's."""

from __future__ import annotations

from django.urls import path

from responsemap.imports.pull import views

urlpatterns = [
    path("pull/", views.index, name="pull"),
    path("pull/connect/", views.connect, name="pull_connect"),
    path("pull/<str:source_id>/", views.source_page, name="pull_source"),
    path("pull/<str:source_id>/change/", views.change, name="pull_change"),
    path("pull/<str:source_id>/mapping/", views.mapping, name="pull_mapping"),
    path("pull/<str:source_id>/repeats/", views.repeats, name="pull_repeats"),
    path("pull/<str:source_id>/recodes/", views.recodes, name="pull_recodes"),
    path("pull/<str:source_id>/fetch/", views.fetch, name="pull_fetch"),
    path("pull/<str:source_id>/check/", views.check, name="pull_check"),
    path("pull/<str:source_id>/rewind/", views.rewind, name="pull_rewind"),
    path("pull/<str:source_id>/delete/", views.delete, name="pull_delete"),
]
