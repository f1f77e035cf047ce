from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "clientela.notes"
    label = "notes"
