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

from practice import web_settings  # noqa: E402

urlpatterns += [
    path("settings/", web_settings.practice_settings, name="practice-settings"),
    path("settings/crisis-lines/", web_settings.practice_crisis_lines, name="practice-crisis-lines"),
    path("audit/", web_settings.audit_log, name="audit-log"),
    path("audit/export/", web_settings.audit_log_export, name="audit-log-export"),
]
