from __future__ import annotations

from django.urls import path

from responsemap.projects.destruction import views

app_name = "destruction"
urlpatterns = [
    path("", views.projects, name="projects"),
    path("<slug:slug>/", views.project, name="project"),
    path("<slug:slug>/holds/<str:hold_id>/lift", views.lift_hold, name="lift_hold"),
    path("<slug:slug>/destroy", views.destroy, name="destroy"),
    path("<slug:slug>/certificate", views.certificate, name="certificate"),
]
