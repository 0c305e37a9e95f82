from __future__ import annotations

from django.urls import path

from responsemap.projects import members_views as views

app_name = "members"
urlpatterns = [
    path("", views.members, name="list"),
    path("add/", views.add_member, name="add"),
    path("<int:membership_id>/", views.member, name="member"),
    path("<int:membership_id>/role/", views.change_role, name="change_role"),
    path("<int:membership_id>/active/", views.set_active, name="set_active"),
    path("<int:membership_id>/teams/", views.set_teams, name="set_teams"),
    path("teams/", views.teams, name="teams"),
    path("teams/<int:team_id>/rename/", views.rename_team, name="rename_team"),
    path("teams/<int:team_id>/delete/", views.delete_team, name="delete_team"),
    path("roles/", views.roles, name="roles"),
    path("roles/<int:role_id>/", views.edit_role, name="edit_role"),
]
