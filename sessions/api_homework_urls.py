from django.urls import path

from sessions import api_homework as api
from sessions import api_messages

urlpatterns = [
    path(
        "homework/templates/",
        api.TemplateListView.as_view(),
        name="api-homework-templates",
    ),
    path(
        "homework/templates/<int:pk>/",
        api.TemplateDetailView.as_view(),
        name="api-homework-template-detail",
    ),
    path(
        "clients/<int:pk>/homework/",
        api.ClientHomeworkView.as_view(),
        name="api-client-homework",
    ),
    path(
        "homework/<int:pk>/",
        api.HomeworkDetailView.as_view(),
        name="api-homework-detail",
    ),
    path("me/homework/", api.MyHomeworkView.as_view(), name="api-me-homework"),
    path(
        "me/homework/<int:pk>/",
        api.MyHomeworkDetailView.as_view(),
        name="api-me-homework-detail",
    ),
    path(
        "me/homework/<int:pk>/submissions/",
        api.MySubmissionView.as_view(),
        name="api-me-homework-submissions",
    ),
    path("me/checkins/", api.MyCheckInsView.as_view(), name="api-me-checkins"),
    path(
        "clients/<int:pk>/checkins/",
        api.ClientCheckInsView.as_view(),
        name="api-client-checkins",
    ),
    path("me/messages/", api_messages.MyMessagesView.as_view(), name="api-me-messages"),
    path(
        "clients/<int:pk>/messages/",
        api_messages.ClientMessagesView.as_view(),
        name="api-client-messages",
    ),
    path(
        "clients/<int:pk>/messages/read/",
        api_messages.ClientMessagesReadView.as_view(),
        name="api-client-messages-read",
    ),
    path(
        "me/crisis-resources/",
        api.MyCrisisResourcesView.as_view(),
        name="api-me-crisis-resources",
    ),
]
