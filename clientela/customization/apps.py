from django.apps import AppConfig


class CustomizationConfig(AppConfig):
    name = "clientela.customization"
    label = "customization"

    def ready(self):
        """Each kind of configuration says how to set it to a given state (rollback and bundles use it)."""
        from clientela.workspaces.config_cache import watch

        from .changes import register_applier
        from .layouts import layout_apply
        from .models import FieldDefinition, Layout, PicklistOverride
        from .picklist_services import picklist_apply
        from .security_config import apply_role_state, apply_sharing_rule_state
        from .services import apply_field_state

        register_applier("custom_field", apply_field_state)
        register_applier("picklist", picklist_apply)
        register_applier("layout", layout_apply)
        register_applier("role", apply_role_state)
        register_applier("sharing_rule", apply_sharing_rule_state)
        watch(FieldDefinition, Layout, PicklistOverride)
