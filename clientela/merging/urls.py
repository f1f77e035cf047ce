from django.urls import path

from . import views

urlpatterns = [
    path("merges/", views.merges_page, name="merges"),
    path("merges/<uuid:pk>/undo/", views.merge_undo, name="merge_undo"),
    path("merge/<slug:entity>/", views.merge_page, name="merge_records"),
    path("merge/<slug:entity>/duplicates/", views.duplicates_page, name="duplicates_find"),
    path("merge/<slug:entity>/duplicates/settings/", views.duplicates_settings, name="duplicates_settings"),
]
