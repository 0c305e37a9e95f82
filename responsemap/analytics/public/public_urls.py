"""``/public/<slug>/``: included at the site's root, no sign-in."""

from __future__ import annotations

from django.urls import path

from responsemap.analytics.public import views

app_name = "public_page"  # "public" is the web form's (triage.public_urls)
urlpatterns = [path("<slug:slug>/", views.public_page, name="page")]
