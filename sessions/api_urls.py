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
