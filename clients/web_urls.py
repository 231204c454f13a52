from django.urls import path

from clients import web, web_portal

urlpatterns = [
    path("roster/", web.roster, name="roster"),
    path("portal/", web_portal.portal_home, name="portal-home"),
    path("portal/check-in/", web_portal.portal_checkin, name="portal-checkin"),
    path("portal/history/", web_portal.portal_history, name="portal-history"),
    path("portal/crisis/", web_portal.portal_crisis, name="portal-crisis"),
    path("portal/accept-invite/", web_portal.portal_accept_invite, name="portal-accept-invite"),
    path("portal/homework/<int:assignment_id>/", web_portal.portal_homework, name="portal-homework"),
    path("portal/questionnaires/", web_portal.portal_questionnaires, name="portal-questionnaires"),
    path("portal/questionnaires/<int:due_id>/", web_portal.portal_questionnaire, name="portal-questionnaire"),
    path("portal/messages/", web_portal.portal_messages, name="portal-messages"),
    path("portal/settings/", web_portal.portal_settings, name="portal-settings"),
]

# The therapist's client chart (appended separately from the portal routes above).
from clients import web_chart  # noqa: E402

urlpatterns += [
    path("clients/<int:pk>/", web_chart.client_chart, name="client-chart"),
]
urlpatterns += [
    path("clients/<int:pk>/break-glass/", web.break_glass_open, name="break-glass-open"),
    path("break-glass/", web.break_glass_list, name="break-glass"),
]

# The client's plan between sessions (issue 15): the chart's writes and the portal's pages.
from clients import web_portal_plan, web_safety_plan  # noqa: E402

urlpatterns += [
    path("clients/<int:pk>/safety-plan/", web_safety_plan.chart_safety_plan, name="chart-safety-plan"),
    path("clients/<int:pk>/safety-plan.pdf", web_safety_plan.chart_safety_plan_pdf, name="chart-safety-plan-pdf"),
    path("clients/<int:pk>/toolkit/", web_safety_plan.chart_toolkit, name="chart-toolkit"),
    path("clients/<int:pk>/shared-wording/", web_safety_plan.chart_shared_wording, name="chart-shared-wording"),
    path("portal/safety-plan/", web_portal_plan.portal_safety_plan, name="portal-safety-plan"),
    path("portal/safety-plan/edit/", web_portal_plan.portal_safety_plan_edit, name="portal-safety-plan-edit"),
    path("portal/safety-plan.pdf", web_portal_plan.portal_safety_plan_pdf, name="portal-safety-plan-pdf"),
    path("portal/toolkit/", web_portal_plan.portal_toolkit, name="portal-toolkit"),
    path("portal/goals/", web_portal_plan.portal_goals, name="portal-goals"),
    path("portal/agenda/", web_portal_plan.portal_agenda, name="portal-agenda"),
    path("manifest.webmanifest", web_portal_plan.web_manifest, name="pwa-manifest"),
    path("sw.js", web_portal_plan.service_worker, name="pwa-service-worker"),
]

# Onboarding: add a client, the client's details page, consent texts and the portal's consents.
from clients import web_consent, web_onboarding  # noqa: E402

urlpatterns += [
    path("clients/new/", web_onboarding.client_new, name="client-new"),
    path("clients/<int:pk>/details/", web_onboarding.client_details, name="client-details"),
    path("consent-texts/", web_consent.consent_texts, name="consent-texts"),
    path("consent-texts/<str:kind>/", web_consent.consent_text_edit, name="consent-text-edit"),
    path("portal/consent/", web_consent.portal_consents, name="portal-consents"),
    path("portal/consent/<str:kind>/", web_consent.portal_consent_sign, name="portal-consent-sign"),
]

# Measures in the browser (issue 16): in session, kiosk mode, protocol, progress reports.
from clients import web_measures  # noqa: E402

urlpatterns += [
    path("clients/<int:pk>/measures/give/<slug:instrument>/", web_measures.measure_give, name="measure-give"),
    path("clients/<int:pk>/measures/kiosk/", web_measures.kiosk_start, name="kiosk-start"),
    path("kiosk/", web_measures.kiosk, name="kiosk"),
    path("kiosk/exit/", web_measures.kiosk_exit, name="kiosk-exit"),
    path("measures/protocol/", web_measures.measurement_protocol, name="measurement-protocol"),
    path("clients/<int:pk>/progress-report/", web_measures.progress_report, name="progress-report"),
    path("portal/reports/", web_measures.portal_reports, name="portal-reports"),
    path("portal/reports/<int:report_id>/", web_measures.portal_report, name="portal-report"),
]
