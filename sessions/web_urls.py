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

# Appointments, reminders and telehealth (issue 14 items 5 to 7).
from sessions import web_appointments  # noqa: E402

urlpatterns += [
    path("portal/appointments/", web_appointments.portal_appointments, name="portal-appointments"),
    path(
        "portal/appointments/<int:session_id>/cant-make-it/",
        web_appointments.portal_appointment_cancel,
        name="portal-appointment-cancel",
    ),
    path(
        "portal/appointments/<int:session_id>/calendar.ics",
        web_appointments.portal_appointment_ics,
        name="portal-appointment-ics",
    ),
    path(
        "portal/settings/appointment-reminders/",
        web_appointments.portal_appointment_reminders,
        name="portal-appointment-reminders",
    ),
    path("practice/reminders/", web_appointments.reminder_settings, name="reminder-settings"),
    path("video/<str:room>/", web_appointments.video_room, name="video-room"),
]
