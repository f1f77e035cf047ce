from django.apps import AppConfig


class MergingConfig(AppConfig):
    name = "clientela.merging"
    label = "merging"
