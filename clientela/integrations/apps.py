from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "clientela.integrations"
    label = "integrations"
