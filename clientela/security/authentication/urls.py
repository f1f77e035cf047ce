from django.urls import path

from . import account_views, views

urlpatterns = [
    path("login/", views.LoginView.as_view(template_name="workspaces/login.html"), name="login"),
    path("login/verify/", views.login_two_factor, name="login_two_factor"),
    path("account/security/", account_views.account_security, name="account_security"),
    path("account/security/two-factor/", account_views.two_factor_enrol, name="two_factor_enrol"),
    path("account/security/two-factor/disable/", account_views.two_factor_disable, name="two_factor_disable"),
    path("account/security/two-factor/recovery-codes/", account_views.recovery_codes_regenerate,
         name="recovery_codes_regenerate"),
    path("account/security/sessions/end-all/", account_views.sessions_end_all, name="sessions_end_all"),
    path("settings/security/logins/", views.login_history, name="login_history"),
]
