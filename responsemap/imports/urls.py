from __future__ import annotations

from django.urls import path

from responsemap.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("<str:job_id>/", views.job_status, name="job"),
    path("<str:job_id>/mapping/", views.mapping, name="mapping"),
    path("<str:job_id>/check/", views.check, name="check"),
    path("<str:job_id>/start/", views.start, name="start"),
    path("<str:job_id>/resume/", views.resume, name="resume"),
    path("<str:job_id>/discard/", views.discard, name="discard"),
    path("<str:job_id>/errors.csv", views.error_report, name="errors"),
]
