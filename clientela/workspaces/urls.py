from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    # "login/" is served by clientela.security.authentication (throttling, two-factor, login history).
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("workspace/switch/", views.workspace_switch, name="workspace_switch"),
    path("password-reset/", auth_views.PasswordResetView.as_view(
        template_name="workspaces/password_reset.html",
        email_template_name="workspaces/password_reset_email.txt",
        subject_template_name="workspaces/password_reset_subject.txt",
        success_url=reverse_lazy("password_reset_done")), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="workspaces/password_reset_done.html"), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="workspaces/password_reset_confirm.html",
        success_url=reverse_lazy("password_reset_complete")), name="password_reset_confirm"),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="workspaces/password_reset_complete.html"), name="password_reset_complete"),
]
