from __future__ import annotations

from django.urls import path

from responsemap.triage.teams import views

app_name = "teams"
urlpatterns = [
    path("feedback/<str:feedback_id>/team/", views.assign_team, name="assign"),
]
