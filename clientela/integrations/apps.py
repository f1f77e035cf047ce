from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "clientela.integrations"
    label = "integrations"

    def ready(self):
        from clientela.common import events

        from . import outbox

        events.record_with(outbox.changes_record)
