from __future__ import annotations

from django.urls import path

from responsemap.accounts.phones import views

app_name = "accounts_phone"
urlpatterns = [
    path("phone/", views.phone, name="phone"),
    path("phone/confirm/", views.confirm, name="confirm"),
    path("phone/new-code/", views.resend, name="resend"),
    path("phone/remove/", views.remove, name="remove"),
]
