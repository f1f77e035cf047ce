from django.urls import path

from . import change_views, layout_views, picklist_views, views

urlpatterns = [
    path("settings/changes/", change_views.change_list, name="config_changes"),
    path("settings/changes/<uuid:pk>/rollback/", change_views.change_rollback, name="config_change_rollback"),
    path("settings/config/export/", change_views.bundle_export_view, name="config_export"),
    path("settings/config/import/", change_views.bundle_import_view, name="config_import"),
    path("settings/roles/", views.role_list, name="role_list"),
    path("settings/roles/new/", views.role_edit, name="role_create"),
    path("settings/roles/<slug:key>/", views.role_edit, name="role_edit"),
    path("settings/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("settings/sharing-rules/", views.sharing_rule_list, name="sharing_rule_list"),
    path("settings/sharing-rules/new/", views.sharing_rule_edit, name="sharing_rule_create"),
    path("settings/sharing-rules/<uuid:pk>/", views.sharing_rule_edit, name="sharing_rule_edit"),
    path("settings/sharing-rules/<uuid:pk>/delete/", views.sharing_rule_delete, name="sharing_rule_delete"),
    path("settings/fields/<slug:entity>/", views.custom_field_list, name="custom_field_list"),
    path("settings/fields/<slug:entity>/new/", views.custom_field_edit, name="custom_field_create"),
    path("settings/fields/<slug:entity>/<uuid:pk>/", views.custom_field_edit, name="custom_field_edit"),
    path("settings/fields/<slug:entity>/<uuid:pk>/delete/", views.custom_field_trash, name="custom_field_trash"),
    path("settings/fields/<slug:entity>/<uuid:pk>/archive.csv", views.custom_field_archive,
         name="custom_field_archive"),
    path("settings/fields/<slug:entity>/<uuid:pk>/restore/", views.custom_field_restore,
         name="custom_field_restore"),
]

urlpatterns += [
    path("settings/layouts/<slug:entity>/", layout_views.layout_edit, name="layout_edit"),
    path("settings/layouts/<slug:entity>/reset/", layout_views.layout_reset_view, name="layout_reset"),
]
urlpatterns += [
    path("settings/picklists/<slug:entity>/", picklist_views.picklist_list, name="picklist_list"),
    path("settings/picklists/<slug:entity>/<slug:name>/", picklist_views.picklist_edit, name="picklist_edit"),
]
