from django.urls import path

from insights import api_alerts, api_engagement

urlpatterns = [
    path("alerts/", api_alerts.AlertListView.as_view(), name="api-alerts"),
    path("alerts/<int:pk>/", api_alerts.AlertDetailView.as_view(), name="api-alert-detail"),
    path("alerts/<int:pk>/acknowledge/", api_alerts.AlertAcknowledgeView.as_view(), name="api-alert-acknowledge"),
    path("alerts/<int:pk>/resolve/", api_alerts.AlertResolveView.as_view(), name="api-alert-resolve"),
    path("clients/<int:pk>/insights/", api_engagement.ClientInsightsView.as_view(), name="api-client-insights"),
]

from insights import api_reports  # noqa: E402

urlpatterns += [
    path("reports/practice/", api_reports.PracticeReportView.as_view(), name="api-reports-practice"),
    path("reports/practice/csv/", api_reports.PracticeReportCsvView.as_view(), name="api-reports-practice-csv"),
    path("reports/practice/pdf/", api_reports.PracticeReportPdfView.as_view(), name="api-reports-practice-pdf"),
]

from insights import api_ai  # noqa: E402

urlpatterns += [
    path("clients/<int:pk>/brief/", api_ai.ClientBriefView.as_view(), name="api-client-brief"),
    path("clients/<int:pk>/affect/", api_ai.ClientAffectView.as_view(), name="api-client-affect"),
    path(
        "clients/<int:pk>/recommendations/",
        api_ai.ClientRecommendationsView.as_view(),
        name="api-client-recommendations",
    ),
    path("suggestions/<int:pk>/decision/", api_ai.SuggestionDecisionView.as_view(), name="api-suggestion-decision"),
]
