from __future__ import annotations

from django.urls import path

from responsemap.analytics import views

app_name = "analytics"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
]
