from django.urls import path

from practice import api

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("auth/logout/", api.LogoutView.as_view(), name="api-logout"),
    path("me/", api.MeView.as_view(), name="api-me"),
    path("members/", api.MemberListView.as_view(), name="api-members"),
    path("members/<int:pk>/", api.MemberDetailView.as_view(), name="api-member-detail"),
    path("audit/", api.AuditListView.as_view(), name="api-audit"),
    path("practice/", api.PracticeView.as_view(), name="api-practice"),
]
