from django.urls import path

from . import views

urlpatterns = [
    path("settings/backup/", views.backup_page, name="workspace_backup"),
]
