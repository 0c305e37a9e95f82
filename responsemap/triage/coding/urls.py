from __future__ import annotations

from django.urls import path

from responsemap.triage.coding import views

app_name = "coding"
urlpatterns = [
    path("coding/", views.framework_screen, name="framework"),
    path("coding/<str:kind>/add/", views.add_code, name="add"),
    path("coding/<str:kind>/<slug:code>/labels/", views.change_code, name="change"),
    path("coding/<str:kind>/<slug:code>/retire/", views.retire_code, name="retire"),
    path("coding/<str:kind>/<slug:code>/move/", views.move_code, name="move"),
    path("feedback/<str:feedback_id>/recode/", views.recode, name="recode"),
]
