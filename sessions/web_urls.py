from django.urls import path

from sessions import web

urlpatterns = [
    path("caseload/", web.dashboard, name="dashboard"),
    path("schedule/", web.schedule, name="schedule"),
]
