from __future__ import annotations

from django.urls import path

from responsemap.analytics.public import views

app_name = "analytics_public"
urlpatterns = [
    path("public-page/", views.page_settings, name="settings"),
    path("public-page/release/", views.release_month, name="release"),
    path("public-page/ledger/", views.ledger, name="ledger"),
    path("public-page/approvals/", views.approvals, name="approvals"),
    path("public-page/approvals/<int:pk>/", views.approve, name="approve"),
]
