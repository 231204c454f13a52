from django.urls import path

from insights import web

urlpatterns = [
    path("alerts/", web.alerts, name="alerts"),
    path("reports/", web.reports, name="reports"),
]
