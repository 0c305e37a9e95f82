"""The public pages of a project, under ``/f/<slug>/``: no sign-in."""

from __future__ import annotations

from django.urls import path

from responsemap.triage import public_views
from responsemap.triage.status_lookup import views as status_views

app_name = "public"
urlpatterns = [
    path("", public_views.public_form, name="form"),
    path("thanks/", public_views.public_thanks, name="thanks"),
    path("status/", status_views.status_page, name="status"),
]
