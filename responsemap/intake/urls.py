from __future__ import annotations

from django.urls import path

from responsemap.intake.channels import screens as channel_screens
from responsemap.intake.contacts import redaction_views
from responsemap.intake.contacts import views as notices

app_name = "intake_admin"
urlpatterns = [
    path("consent-notice/", notices.consent_notices, name="notices"),
    path("redaction/", redaction_views.redaction_settings, name="redaction"),
    path("channels/", channel_screens.channels, name="channels"),
    path("channels/add/", channel_screens.add_channel, name="add_channel"),
    path("channels/<str:channel_id>/secret/", channel_screens.rotate_secret, name="rotate_secret"),
    path("channels/<str:channel_id>/test/", channel_screens.test_channel, name="test_channel"),
]
