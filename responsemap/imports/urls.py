from __future__ import annotations

from django.urls import path

from responsemap.imports import recode_views, views
from responsemap.imports.pull.urls import urlpatterns as pull_urls

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    *pull_urls,  # before a job's routes: "pull" is not a job id
    path("<str:job_id>/", views.job_status, name="job"),
    path("<str:job_id>/mapping/", views.mapping, name="mapping"),
    path("<str:job_id>/sheets/", recode_views.sheets, name="sheets"),
    path("<str:job_id>/recodes/", recode_views.recodes, name="recodes"),
    path("<str:job_id>/check/", views.check, name="check"),
    path("<str:job_id>/start/", views.start, name="start"),
    path("<str:job_id>/resume/", views.resume, name="resume"),
    path("<str:job_id>/discard/", views.discard, name="discard"),
    path("<str:job_id>/errors.csv", views.error_report, name="errors"),
]
