"""Included by ``triage/urls.py`` (namespace ``triage``)."""

from __future__ import annotations

from django.urls import path

from responsemap.triage.rights import views

urlpatterns = [
    path("rights/", views.request_list, name="rights_list"),
    path("rights/open/", views.open_request, name="rights_open"),
    path("rights/<str:request_id>/", views.request_detail, name="rights_detail"),
    path("rights/<str:request_id>/export/", views.export, name="rights_export"),
    path("rights/<str:request_id>/rectify/", views.rectify, name="rights_rectify"),
    path("rights/<str:request_id>/withdraw/", views.withdraw, name="rights_withdraw"),
    path("rights/<str:request_id>/erase/", views.erase, name="rights_erase"),
    path("rights/<str:request_id>/close/", views.close, name="rights_close"),
]
