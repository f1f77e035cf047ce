from django.urls import path

from . import views

urlpatterns = [
    path("<slug:entity>/<uuid:pk>/add/", views.note_create, name="note_create"),
    path("<uuid:pk>/delete/", views.note_delete, name="note_delete"),
    path("attachments/<uuid:pk>/", views.attachment_download, name="attachment_download"),
]
