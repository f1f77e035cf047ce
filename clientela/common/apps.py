from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "clientela.common"
    label = "common"
