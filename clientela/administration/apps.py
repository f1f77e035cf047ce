from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "clientela.administration"
    label = "administration"
