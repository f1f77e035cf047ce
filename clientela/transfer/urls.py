from django.urls import path

from . import views

urlpatterns = [
    path("import/<slug:entity>/", views.import_upload, name="import_upload"),
    path("import/<slug:entity>/jobs/", views.import_jobs, name="import_jobs"),
    path("import/<slug:entity>/<uuid:pk>/", views.import_job, name="import_job"),
    path("import/<slug:entity>/<uuid:pk>/mapping/", views.import_mapping, name="import_mapping"),
    path("import/<slug:entity>/<uuid:pk>/run/", views.import_confirm, name="import_confirm"),
    path("import/<slug:entity>/<uuid:pk>/resume/", views.import_resume, name="import_resume"),
    path("import/<slug:entity>/<uuid:pk>/errors.csv", views.import_errors, name="import_errors"),
    path("import/<slug:entity>/<uuid:pk>/report.csv", views.import_report, name="import_report"),
    path("import/<slug:entity>/<uuid:pk>/undo/", views.import_undo_view, name="import_undo"),
]
