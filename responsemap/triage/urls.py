from __future__ import annotations

from django.urls import include, path

from responsemap.triage import views

app_name = "triage"
urlpatterns = [
    # The inbox, bulk actions, saved filters, my work, my calls (triage.inbox).
    path("", include("responsemap.triage.inbox.urls")),
    path("hotline/", views.hotline_entry, name="hotline"),
    path("feedback/<str:feedback_id>/", views.feedback_detail, name="detail"),
    path("feedback/<str:feedback_id>/reveal/", views.reveal, name="reveal"),
    path("feedback/<str:feedback_id>/audit/", views.audit_trail, name="audit"),
    path("feedback/<str:feedback_id>/status/", views.change_status, name="change_status"),
    path("feedback/<str:feedback_id>/assign/", views.assign, name="assign"),
    path("feedback/<str:feedback_id>/notes/", views.add_note, name="add_note"),
    # Assigning a record to a team (issue 10, point 4; triage.teams).
    path("", include("responsemap.triage.teams.urls")),
    # Rules, protection check, alerts, notifications (issue 10, points 2 and 3).
    path("", include("responsemap.triage.rules.urls")),
    path("", include("responsemap.triage.alerts.urls")),
    # The coding framework screen and re-coding a record (issue 10, point 1).
    path("", include("responsemap.triage.coding.urls")),
    # Replies, reply templates, call-backs, response times (issue 10, point 6).
    path("", include("responsemap.triage.replies.urls")),
    # Partners, sharing agreements, referrals, disclosure logs (issue 10, point 8).
    path("", include("responsemap.triage.referrals.urls")),
    # Duplicates, rumour groups, spam; verification (issue 10, points 9 and 10).
    path("", include("responsemap.triage.duplicates.urls")),
    path("", include("responsemap.triage.verification.urls")),
    # Suggested codes: accept / change on a record, the agreement report (issue 11).
    path("", include("responsemap.triage.suggestions.urls")),
    # Data-subject requests: see, correct, erase, withdraw consent (issue 13).
    path("", include("responsemap.triage.rights.urls")),
    # Consent for one purpose, recorded from a record's page (issue 13, point 5).
    path("", include("responsemap.triage.consent.urls")),
]
