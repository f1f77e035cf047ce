from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "clientela.security"
    label = "security"
