"""Pages about the signed-in person's access (API tokens) and the administrators' audit log."""

from django.urls import path

from . import audit_views, token_views

urlpatterns = [
    path("account/tokens/", token_views.token_list, name="token_list"),
    path("account/tokens/<uuid:pk>/revoke/", token_views.token_revoke_page, name="token_revoke"),
    path("settings/audit/", audit_views.audit_list, name="audit_list"),
    path("settings/audit/export.csv", audit_views.audit_export, name="audit_export"),
]
