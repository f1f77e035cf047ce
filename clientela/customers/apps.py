from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "clientela.customers"
    label = "customers"
