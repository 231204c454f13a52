from django.urls import path

from insights import api_alerts

urlpatterns = [
    path("alerts/", api_alerts.AlertListView.as_view(), name="api-alerts"),
    path("alerts/<int:pk>/", api_alerts.AlertDetailView.as_view(), name="api-alert-detail"),
    path("alerts/<int:pk>/acknowledge/", api_alerts.AlertAcknowledgeView.as_view(), name="api-alert-acknowledge"),
    path("alerts/<int:pk>/resolve/", api_alerts.AlertResolveView.as_view(), name="api-alert-resolve"),
]
