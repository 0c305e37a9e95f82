from __future__ import annotations

from django.urls import path

from responsemap.intake.channels import views

app_name = "intake"
urlpatterns = [
    path("<str:channel_id>/receive", views.receive, name="receive"),
    path("<str:channel_id>/status", views.status, name="status"),
]
