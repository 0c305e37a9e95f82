from __future__ import annotations

from django.urls import path

from responsemap.projects.lifecycle import views

app_name = "lifecycle"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("activate/", views.activate, name="activate"),
    path("close/", views.close, name="close"),
    path("record/", views.summary, name="summary"),
    path("checklists/<slug:code>/", views.checklist_page, name="checklist"),
    path("checklists/<slug:code>/approve/", views.approve, name="approve"),
]
