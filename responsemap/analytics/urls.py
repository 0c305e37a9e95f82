from __future__ import annotations

from django.urls import path

from responsemap.analytics import boundary_views, views
from responsemap.analytics.maps import urls as maps_urls
from responsemap.analytics.reports import views as report_views
from responsemap.analytics.roles import views as role_views

app_name = "analytics"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("areas/import/", boundary_views.import_boundaries, name="import_boundaries"),
    path("dashboard/summary/", role_views.outside_dashboard, name="outside"),
    path("dashboard/referrals/", role_views.partner_dashboard, name="partner"),
    path("dashboard/chart/<slug:name>.svg", report_views.chart_svg, name="chart_svg"),
    path("report/", report_views.report, name="report"),
    path("report/narrative/", report_views.edit_narrative, name="edit_narrative"),
    *maps_urls.urlpatterns,
]
