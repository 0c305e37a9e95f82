from __future__ import annotations

from django.urls import path

from responsemap.triage.verification import views

urlpatterns = [
    path("feedback/<str:feedback_id>/verify/", views.verify, name="verify"),
    path("feedback/<str:feedback_id>/verify/check/", views.check_item, name="check_item"),
]
