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

# The inbox, supervision and note templates (issue 17), in their own modules.
from sessions import web_inbox, web_note_templates, web_supervision  # noqa: E402

urlpatterns += [
    path("inbox/", web_inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/reply/", web_inbox.inbox_reply, name="inbox-reply"),
    path("inbox/<int:pk>/read/", web_inbox.inbox_mark_read, name="inbox-read"),
    path("supervision/", web_supervision.review_queue, name="supervision"),
    path("supervision/supervisees/<int:pk>/", web_supervision.supervisee_setting, name="supervisee-setting"),
    path("notes/<int:pk>/submit/", web_supervision.note_submit, name="note-submit"),
    path("notes/<int:pk>/return/", web_supervision.note_return, name="note-return"),
    path("notes/<int:pk>/cosign/", web_supervision.note_cosign, name="note-cosign"),
    path("notes/<int:pk>/print/", web_note_templates.note_print, name="note-print"),
    path("notes/<int:pk>/pdf/", web_note_templates.note_pdf, name="note-pdf"),
    path("note-templates/", web_note_templates.note_templates, name="note-templates"),
    path("note-templates/<int:pk>/", web_note_templates.note_template_edit, name="note-template-edit"),
]

# The note editor's drafting assistant (issue 18 part 2).
from sessions import web_drafting  # noqa: E402

urlpatterns += [
    path("notes/<int:pk>/drafts/", web_drafting.note_draft_request, name="note-draft-request"),
    path("note-drafts/<int:pk>/", web_drafting.note_draft_status, name="note-draft-status"),
    path("note-drafts/<int:pk>/insert/", web_drafting.note_draft_insert, name="note-draft-insert"),
    path("note-drafts/<int:pk>/discard/", web_drafting.note_draft_discard, name="note-draft-discard"),
]
