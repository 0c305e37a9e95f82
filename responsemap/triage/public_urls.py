"""The public pages of a project, under ``/f/<slug>/``: no sign-in."""

from __future__ import annotations

from django.urls import path

from responsemap.triage import public_views

app_name = "public"
urlpatterns = [
    path("", public_views.public_form, name="form"),
    path("thanks/", public_views.public_thanks, name="thanks"),
]
