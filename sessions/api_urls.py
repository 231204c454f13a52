from django.urls import include, path

from sessions import api_series

urlpatterns = [
    path("", include("sessions.api_notes_urls")),
    path("", include("sessions.api_homework_urls")),
    path("clients/<int:pk>/series/", api_series.ClientSeriesView.as_view(), name="api-client-series"),
    path(
        "sessions/<int:pk>/cancel-following/",
        api_series.CancelFollowingView.as_view(),
        name="api-session-cancel-following",
    ),
]

# The client's appointments (issue 14 item 7).
from sessions import api_appointments  # noqa: E402

urlpatterns += [
    path("me/appointments/", api_appointments.MyAppointmentsView.as_view(), name="api-me-appointments"),
    path(
        "me/appointments/<int:pk>/cancel-request/",
        api_appointments.MyAppointmentCancelRequestView.as_view(),
        name="api-me-appointment-cancel-request",
    ),
]

# Note drafts from the documentation assistant (issue 18 part 2).
from sessions import api_drafting  # noqa: E402

urlpatterns += [
    path("notes/<int:pk>/drafts/", api_drafting.NoteDraftRequestView.as_view(), name="api-note-drafts"),
    path("note-drafts/<int:pk>/", api_drafting.NoteDraftDetailView.as_view(), name="api-note-draft-detail"),
    path("note-drafts/<int:pk>/insert/", api_drafting.NoteDraftInsertView.as_view(), name="api-note-draft-insert"),
    path("note-drafts/<int:pk>/discard/", api_drafting.NoteDraftDiscardView.as_view(), name="api-note-draft-discard"),
]
