from django.urls import include, path

urlpatterns = [
    path("", include("sessions.api_notes_urls")),
    path("", include("sessions.api_homework_urls")),
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
