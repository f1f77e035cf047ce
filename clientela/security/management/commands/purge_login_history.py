from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from clientela.security.authentication.throttle import expired_throttle_purge
from clientela.security.models import LoginEvent


class Command(BaseCommand):
    help = ("Delete login history older than the retention period (LOGIN_HISTORY_RETENTION_DAYS, 365 days by "
            "default) and login failures and lockouts that no longer count.")

    def handle(self, *args, **options):
        days = settings.CLIENTELA["LOGIN_HISTORY_RETENTION_DAYS"]
        cutoff = timezone.now() - timedelta(days=days)
        events, _ = LoginEvent.objects.filter(created_at__lt=cutoff).delete()
        throttling = expired_throttle_purge()
        self.stdout.write(f"Deleted {events} logins older than {days} days and {throttling} expired "
                          "login failures and lockouts.")
