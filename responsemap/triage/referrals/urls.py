"""Included by ``triage/urls.py`` (namespace ``triage``)."""

from __future__ import annotations

from django.urls import path

from responsemap.triage.referrals import views

urlpatterns = [
    path("sharing/", views.sharing_index, name="sharing"),
    path("sharing/partners/", views.partner_create, name="partner_create"),
    path("sharing/partners/link/", views.partner_link, name="partner_link"),
    path("sharing/agreements/", views.agreement_create, name="agreement_create"),
    path("sharing/agreements/<str:agreement_id>/", views.agreement_detail, name="agreement"),
    path(
        "sharing/agreements/<str:agreement_id>/edit/",
        views.agreement_edit,
        name="agreement_edit",
    ),
    path(
        "sharing/agreements/<str:agreement_id>/revoke/",
        views.agreement_revoke,
        name="agreement_revoke",
    ),
    path(
        "sharing/agreements/<str:agreement_id>/log/",
        views.disclosure_log,
        name="disclosure_log",
    ),
    path("feedback/<str:feedback_id>/refer/", views.refer, name="refer"),
    path("referrals/", views.partner_queue, name="partner_queue"),
    path("referrals/<str:referral_id>/", views.partner_referral, name="partner_referral"),
    path("referrals/<str:referral_id>/status/", views.partner_status, name="partner_status"),
    path("referrals/<str:referral_id>/answer/", views.partner_answer, name="partner_answer"),
]
