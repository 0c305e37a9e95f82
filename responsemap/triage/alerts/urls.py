from __future__ import annotations

from django.urls import path

from responsemap.triage.alerts import views

app_name = "alerts"
urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<str:notification_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("notifications/<str:notification_id>/read/", views.mark_read, name="read"),
    path("alert-settings/", views.policy_edit, name="policy"),
]
