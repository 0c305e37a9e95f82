from __future__ import annotations

from django.urls import path

from responsemap.intake.contacts import redaction_views
from responsemap.intake.contacts import views as notices

app_name = "intake_admin"
urlpatterns = [
    path("consent-notice/", notices.consent_notices, name="notices"),
    path("redaction/", redaction_views.redaction_settings, name="redaction"),
]
