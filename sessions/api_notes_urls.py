from __future__ import annotations

from django.urls import path

from sessions import api_notes

urlpatterns = [
    path(
        "clients/<int:pk>/sessions/",
        api_notes.ClientSessionListView.as_view(),
        name="api-client-sessions",
    ),
    path(
        "sessions/<int:pk>/",
        api_notes.SessionDetailView.as_view(),
        name="api-session-detail",
    ),
    path(
        "clients/<int:pk>/notes/",
        api_notes.ClientNoteListView.as_view(),
        name="api-client-notes",
    ),
    path("notes/<int:pk>/", api_notes.NoteDetailView.as_view(), name="api-note-detail"),
    path("notes/<int:pk>/sign/", api_notes.NoteSignView.as_view(), name="api-note-sign"),
    path(
        "notes/<int:pk>/cosign/",
        api_notes.NoteCosignView.as_view(),
        name="api-note-cosign",
    ),
    path(
        "notes/<int:pk>/addenda/",
        api_notes.NoteAddendumView.as_view(),
        name="api-note-addenda",
    ),
    path(
        "clients/<int:pk>/psychotherapy-notes/",
        api_notes.ClientPsychotherapyNoteListView.as_view(),
        name="api-client-psychotherapy-notes",
    ),
    path(
        "psychotherapy-notes/<int:pk>/",
        api_notes.PsychotherapyNoteDetailView.as_view(),
        name="api-psychotherapy-note-detail",
    ),
]
