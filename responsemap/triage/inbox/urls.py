from __future__ import annotations

from django.urls import path

from responsemap.triage.inbox import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
]
