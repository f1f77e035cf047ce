from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "clientela.backup"
    label = "backup"
