from django.urls import path

from insights import web, web_alerts

urlpatterns = [
    path("alerts/", web_alerts.alerts, name="alerts"),
    path("reports/", web.reports, name="reports"),
]

urlpatterns += [
    path("reports/refresh/", web.reports_refresh, name="reports-refresh"),
]
