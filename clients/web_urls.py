from django.urls import path

from clients import web

urlpatterns = [
    path("roster/", web.roster, name="roster"),
    path("portal/", web.portal_home, name="portal-home"),
    path("portal/check-in/", web.portal_checkin, name="portal-checkin"),
    path("portal/history/", web.portal_history, name="portal-history"),
    path("portal/crisis/", web.portal_crisis, name="portal-crisis"),
    path("portal/accept-invite/", web.portal_accept_invite, name="portal-accept-invite"),
]
