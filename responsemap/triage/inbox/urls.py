from __future__ import annotations

from django.urls import path

from responsemap.triage.inbox import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/bulk/", views.bulk, name="bulk"),
    path("inbox/saved/", views.save_filter, name="save_filter"),
    path("inbox/saved/<str:saved_id>/delete/", views.delete_saved_filter, name="delete_filter"),
    path("my-work/", views.inbox, {"scope": "mine"}, name="my_work"),
    path("my-calls/", views.my_calls, name="my_calls"),
]
