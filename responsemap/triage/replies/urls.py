"""Included in ``triage.urls`` (names in the ``triage`` namespace)."""

from __future__ import annotations

from django.urls import path

from responsemap.triage.replies import views

urlpatterns = [
    path("feedback/<str:feedback_id>/reply/", views.reply, name="reply"),
    path("feedback/<str:feedback_id>/callback/", views.callback, name="callback"),
    path(
        "feedback/<str:feedback_id>/callback/reveal/",
        views.callback_reveal,
        name="callback_reveal",
    ),
    path(
        "feedback/<str:feedback_id>/callback/outcome/",
        views.callback_outcome,
        name="callback_outcome",
    ),
    path("callbacks/", views.callbacks, name="callbacks"),
    path("reply-templates/", views.templates_list, name="reply_templates"),
    path("reply-templates/new/", views.template_edit, name="reply_template_new"),
    path(
        "reply-templates/<uuid:template_id>/",
        views.template_edit,
        name="reply_template_edit",
    ),
    path("response-times/", views.response_times_view, name="response_times"),
]
