from django.contrib.auth import views as auth_views
from django.urls import path

from practice import web, web_accounts, web_staff

urlpatterns = [
    path("", web.home, name="home"),
    path("accounts/login/", web.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/mfa/verify/", web.mfa_verify, name="mfa_verify"),
    path("accounts/mfa/setup/", web.mfa_setup, name="mfa_setup"),
    # Password reset, before signing in.
    path("accounts/password/reset/", web_accounts.password_reset, name="password_reset"),
    path("accounts/password/reset/sent/", web_accounts.password_reset_sent, name="password_reset_sent"),
    path("accounts/password/reset/done/", web_accounts.password_reset_done, name="password_reset_done"),
    path(
        "accounts/password/reset/<str:uidb64>/<str:token>/",
        web_accounts.password_reset_confirm,
        name="password_reset_confirm",
    ),
    # The signed-in account (outside /accounts/: these pages need the second factor).
    path("account/", web_accounts.account, name="account"),
    path("account/password/", web_accounts.password_change, name="password_change"),
    path("account/sign-out-everywhere/", web_accounts.sign_out_everywhere, name="sign_out_everywhere"),
    path("account/recovery-codes/", web_accounts.recovery_codes, name="recovery_codes"),
    path("account/new-device/", web_accounts.mfa_reenrol, name="mfa_reenrol"),
    # Staff management.
    path("staff/", web_staff.staff_list, name="staff"),
    path("staff/invite/", web_staff.staff_invite, name="staff-invite"),
    path("staff/join/", web_staff.staff_accept_invite, name="staff-accept-invite"),
    path("staff/invites/<int:pk>/resend/", web_staff.staff_invite_resend, name="staff-invite-resend"),
    path("staff/invites/<int:pk>/withdraw/", web_staff.staff_invite_revoke, name="staff-invite-revoke"),
    path("staff/<int:pk>/", web_staff.staff_member, name="staff-member"),
    path("staff/<int:pk>/role/", web_staff.staff_member_role, name="staff-member-role"),
    path("staff/<int:pk>/supervisor/", web_staff.staff_member_supervisor, name="staff-member-supervisor"),
    path("staff/<int:pk>/deactivate/", web_staff.staff_member_deactivate, name="staff-member-deactivate"),
    path("staff/<int:pk>/reactivate/", web_staff.staff_member_reactivate, name="staff-member-reactivate"),
]

from practice import web_ai_policy, web_settings  # noqa: E402

urlpatterns += [
    path("settings/", web_settings.practice_settings, name="practice-settings"),
    path("settings/crisis-lines/", web_settings.practice_crisis_lines, name="practice-crisis-lines"),
    path("settings/ai-policy/", web_ai_policy.ai_policy_page, name="ai-policy"),
    path("audit/", web_settings.audit_log, name="audit-log"),
    path("audit/export/", web_settings.audit_log_export, name="audit-log-export"),
]
