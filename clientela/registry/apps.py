from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class RegistryConfig(AppConfig):
    name = "clientela.registry"
    label = "registry"

    def ready(self):
        # Each domain app registers its entities and timeline sources in `entities.py`.
        autodiscover_modules("entities")
        from clientela.customization.indexes import register_model_resolver

        from .entities import get_or_none

        register_model_resolver(lambda key: entity.model if (entity := get_or_none(key)) else None)
