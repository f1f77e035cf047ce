from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class RegistryConfig(AppConfig):
    name = "clientela.registry"
    label = "registry"

    def ready(self):
        # Each domain app registers its entities and timeline sources in `entities.py`.
        autodiscover_modules("entities")
