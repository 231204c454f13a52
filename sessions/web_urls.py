from django.urls import path

from sessions import web, web_calendar

urlpatterns = [
    path("caseload/", web.dashboard, name="dashboard"),
    path("schedule/", web_calendar.schedule, name="schedule"),
    path("schedule/book/", web_calendar.book, name="schedule-book"),
    path("schedule/sessions/<int:pk>/", web_calendar.session_detail, name="session-detail"),
    path("schedule/sessions/<int:pk>/reschedule/", web_calendar.session_reschedule, name="session-reschedule"),
    path("schedule/sessions/<int:pk>/cancel/", web_calendar.session_cancel, name="session-cancel"),
    path("schedule/availability/", web_calendar.availability, name="availability"),
    path("schedule/availability/time-off/", web_calendar.time_off_add, name="time-off-add"),
    path("schedule/availability/time-off/<int:pk>/delete/", web_calendar.time_off_delete, name="time-off-delete"),
    path("schedule/feed-token/", web_calendar.feed_token, name="calendar-feed-token"),
    path("calendar/feed/<str:token>.ics", web_calendar.calendar_feed, name="calendar-feed"),
    path("schedule/practice/", web_calendar.practice_schedule, name="practice-schedule"),
    path("sessions/<int:pk>/status/", web.session_status, name="session-status"),
    path("notes/new/", web.note_new, name="note-new"),
    path("notes/<int:pk>/", web.note_edit, name="note-edit"),
    path("notes/<int:pk>/autosave/", web.note_autosave, name="note-autosave"),
    path("notes/<int:pk>/sign/", web.note_sign, name="note-sign"),
    path("notes/<int:pk>/addenda/", web.note_addendum, name="note-addendum"),
]
