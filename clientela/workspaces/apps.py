from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "clientela.workspaces"
    label = "workspaces"
