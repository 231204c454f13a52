from django.urls import path

from clients import web, web_portal

urlpatterns = [
    path("roster/", web.roster, name="roster"),
    path("portal/", web_portal.portal_home, name="portal-home"),
    path("portal/check-in/", web_portal.portal_checkin, name="portal-checkin"),
    path("portal/history/", web_portal.portal_history, name="portal-history"),
    path("portal/crisis/", web_portal.portal_crisis, name="portal-crisis"),
    path("portal/accept-invite/", web_portal.portal_accept_invite, name="portal-accept-invite"),
]
