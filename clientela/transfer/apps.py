from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "clientela.transfer"
    label = "transfer"
