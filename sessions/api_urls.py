from django.urls import include, path

urlpatterns = [
    path("", include("sessions.api_notes_urls")),
    path("", include("sessions.api_homework_urls")),
]
