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
