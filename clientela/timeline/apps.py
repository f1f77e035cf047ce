from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "clientela.timeline"
    label = "timeline"
