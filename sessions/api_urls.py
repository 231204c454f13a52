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
