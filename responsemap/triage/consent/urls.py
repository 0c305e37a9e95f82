from __future__ import annotations

from django.urls import path

from responsemap.triage.consent import views

urlpatterns = [
    path(
        "feedback/<str:feedback_id>/consent/",
        views.record_consent,
        name="record_consent",
    ),
]
