from django.apps import AppConfig


class CustomizationConfig(AppConfig):
    name = "clientela.customization"
    label = "customization"

    def ready(self):
        from .changes import register_applier
        from .picklist_services import picklist_apply

        register_applier("picklist", picklist_apply)

        from .layouts import layout_apply

        register_applier("layout", layout_apply)
