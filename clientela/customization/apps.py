from django.apps import AppConfig


class CustomizationConfig(AppConfig):
    name = "clientela.customization"
    label = "customization"
