from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "clientela.workspaces"
    label = "workspaces"

    def ready(self):
        from .config_cache import watch, watch_team_members
        from .models import Team

        watch(Team)
        watch_team_members(Team)
