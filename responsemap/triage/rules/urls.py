from __future__ import annotations

from django.urls import path

from responsemap.triage.rules import views

app_name = "rules"
urlpatterns = [
    path(
        "feedback/<str:feedback_id>/protection/confirm/",
        views.confirm_sensitivity,
        name="confirm",
    ),
    path(
        "feedback/<str:feedback_id>/protection/lower/",
        views.lower_sensitivity,
        name="lower",
    ),
    path("rules/", views.rule_list, name="list"),
    path("rules/new/", views.rule_edit, name="new"),
    path("rules/defaults/", views.start_from_defaults, name="defaults"),
    path("rules/<str:rule_id>/", views.rule_edit, name="edit"),
]
