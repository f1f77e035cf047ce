from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "clientela.history"
    label = "history"
