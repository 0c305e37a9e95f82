from __future__ import annotations

from django.urls import path

from responsemap.triage.duplicates import views

F = "feedback/<str:feedback_id>/"
urlpatterns = [
    path("rumours/", views.rumour_groups, name="rumour_groups"),
    path("rumours/settings/", views.policy_settings, name="duplicate_settings"),
    path("rumours/<str:group_id>/", views.rumour_group, name="rumour_group"),
    path(F + "duplicate/link/", views.link_duplicate, name="link_duplicate"),
    path(F + "duplicate/unlink/", views.unlink, name="unlink_duplicate"),
    path(F + "duplicate/merge/", views.merge, name="merge"),
    path(F + "rumour/add/", views.add_to_group, name="add_to_group"),
    path(F + "rumour/remove/", views.remove_from_group, name="remove_from_group"),
    path(F + "spam/mark/", views.mark_spam, name="mark_spam"),
    path(F + "spam/unmark/", views.unmark_spam, name="unmark_spam"),
    path(F + "sender/block/", views.block_sender, name="block_sender"),
    path(F + "sender/unblock/", views.unblock_sender, name="unblock_sender"),
]
