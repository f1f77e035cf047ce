from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "clientela.security"
    label = "security"

    def ready(self):
        from clientela.workspaces.config_cache import watch

        from .models import Role, SharingRule

        watch(Role, SharingRule)
