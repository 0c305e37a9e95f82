from __future__ import annotations

from django.urls import path

from responsemap.triage.suggestions import views

app_name = "suggestions"
urlpatterns = [
    path("suggestions/", views.report, name="report"),
    path("feedback/<str:feedback_id>/suggestion/accept/", views.accept, name="accept"),
    path("feedback/<str:feedback_id>/suggestion/change/", views.change, name="change"),
]
