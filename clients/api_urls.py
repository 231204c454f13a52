from django.urls import path

from clients import api

urlpatterns = [
    path("clients/", api.ClientListView.as_view(), name="api-clients"),
    path("clients/search/", api.ClientSearchView.as_view(), name="api-clients-search"),
    path("clients/<int:pk>/", api.ClientDetailView.as_view(), name="api-client-detail"),
    path("clients/<int:pk>/portal-invite/", api.PortalInviteView.as_view(), name="api-portal-invite"),
    path("clients/<int:pk>/consents/", api.ConsentView.as_view(), name="api-client-consents"),
    path("clients/<int:pk>/goals/", api.GoalListView.as_view(), name="api-client-goals"),
    path("goals/<int:pk>/", api.GoalDetailView.as_view(), name="api-goal-detail"),
    path("auth/accept-invite/", api.AcceptInviteView.as_view(), name="api-accept-invite"),
]

from clients import api_measures  # noqa: E402

urlpatterns += [
    path("instruments/", api_measures.InstrumentListView.as_view(), name="api-instruments"),
    path(
        "clients/<int:pk>/assessments/", api_measures.ClientAssessmentListView.as_view(), name="api-client-assessments"
    ),
    path("me/assessments/", api_measures.MyAssessmentListView.as_view(), name="api-me-assessments"),
    path("clients/<int:pk>/outcomes/", api_measures.OutcomesView.as_view(), name="api-client-outcomes"),
    path("clients/<int:pk>/fhir/", api_measures.FhirExportView.as_view(), name="api-client-fhir"),
]
urlpatterns += [
    path(
        "clients/<int:pk>/measure-schedules/",
        api_measures.MeasureScheduleView.as_view(),
        name="api-client-measure-schedules",
    ),
    path("me/questionnaires/", api_measures.MyDueQuestionnairesView.as_view(), name="api-me-questionnaires"),
]

from clients import api_break_glass  # noqa: E402

urlpatterns += [
    path(
        "clients/<int:pk>/break-glass/", api_break_glass.ClientBreakGlassView.as_view(), name="api-client-break-glass"
    ),
    path("break-glass/", api_break_glass.BreakGlassListView.as_view(), name="api-break-glass"),
    path("break-glass/<int:pk>/revoke/", api_break_glass.BreakGlassRevokeView.as_view(), name="api-break-glass-revoke"),
]
