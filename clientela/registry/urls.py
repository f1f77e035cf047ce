from django.urls import path

from . import sharing_views, views

urlpatterns = [
    path("search/", views.global_search, name="global_search"),
    path("<slug:entity>/", views.record_list_page, name="record_list"),
    path("<slug:entity>/new/", views.record_create, name="record_create"),
    path("<slug:entity>/export.csv", views.record_export, name="record_export"),
    path("<slug:entity>/export.xlsx", views.record_export_xlsx, name="record_export_xlsx"),
    path("<slug:entity>/exports/<uuid:pk>/", views.record_export_job, name="record_export_job"),
    path("<slug:entity>/exports/<uuid:pk>/download/", views.record_export_download, name="record_export_download"),
    path("<slug:entity>/bulk/", views.record_bulk, name="record_bulk"),
    path("<slug:entity>/trash/", views.record_trash_page, name="record_trash"),
    path("<slug:entity>/views/", views.saved_view_create, name="saved_view_create"),
    path("<slug:entity>/views/<uuid:pk>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("<slug:entity>/<uuid:pk>/", views.record_detail, name="record_detail"),
    path("<slug:entity>/<uuid:pk>/timeline/", views.record_timeline, name="record_timeline"),
    path("<slug:entity>/<uuid:pk>/edit/", views.record_edit, name="record_edit"),
    path("<slug:entity>/<uuid:pk>/delete/", views.record_delete, name="record_delete"),
    path("<slug:entity>/<uuid:pk>/restore/", views.record_restore, name="record_restore"),
    path("<slug:entity>/<uuid:pk>/purge/", views.record_purge, name="record_purge"),
    path("<slug:entity>/<uuid:pk>/share/", sharing_views.record_share, name="record_share"),
    path("<slug:entity>/<uuid:pk>/share/<uuid:share_id>/remove/", sharing_views.record_unshare,
         name="record_unshare"),
    path("<slug:entity>/<uuid:pk>/transfer/", sharing_views.record_transfer, name="record_transfer"),
]
