from django.contrib.auth import views as auth_views
from django.urls import path

from practice import web

urlpatterns = [
    path("", web.home, name="home"),
    path("accounts/login/", web.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/mfa/verify/", web.mfa_verify, name="mfa_verify"),
    path("accounts/mfa/setup/", web.mfa_setup, name="mfa_setup"),
]
