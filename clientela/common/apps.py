from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CommonConfig(AppConfig):
    name = "clientela.common"
    label = "common"

    def ready(self):
        from .timestamps import use_c_loader

        connection_created.connect(use_c_loader, dispatch_uid="clientela.common.timestamps")
