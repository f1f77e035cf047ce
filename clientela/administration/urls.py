from django.urls import path

from . import views

urlpatterns = [
    path("settings/roles/", views.role_list, name="role_list"),
    path("settings/roles/new/", views.role_edit, name="role_create"),
    path("settings/roles/<slug:key>/", views.role_edit, name="role_edit"),
    path("settings/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("settings/sharing-rules/", views.sharing_rule_list, name="sharing_rule_list"),
    path("settings/sharing-rules/new/", views.sharing_rule_edit, name="sharing_rule_create"),
    path("settings/sharing-rules/<uuid:pk>/", views.sharing_rule_edit, name="sharing_rule_edit"),
    path("settings/sharing-rules/<uuid:pk>/delete/", views.sharing_rule_delete, name="sharing_rule_delete"),
]
