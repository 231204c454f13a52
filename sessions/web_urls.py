from django.urls import path

from sessions import web

urlpatterns = [
    path("caseload/", web.dashboard, name="dashboard"),
    path("schedule/", web.schedule, name="schedule"),
    path("sessions/<int:pk>/status/", web.session_status, name="session-status"),
    path("notes/new/", web.note_new, name="note-new"),
    path("notes/<int:pk>/", web.note_edit, name="note-edit"),
    path("notes/<int:pk>/autosave/", web.note_autosave, name="note-autosave"),
    path("notes/<int:pk>/sign/", web.note_sign, name="note-sign"),
    path("notes/<int:pk>/addenda/", web.note_addendum, name="note-addendum"),
]
