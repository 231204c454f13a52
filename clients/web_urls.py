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
