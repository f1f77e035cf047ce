import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimestampedModel(models.Model):
    """UUID primary key (safe to expose, creatable offline) and creation/update times."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class RowProgress:
    """Speed and time left of a background job that counts `rows_done` of `total` over `seconds`."""

    @property
    def rows_per_second(self) -> float:
        return self.rows_done / self.seconds if self.seconds else 0.0

    @property
    def seconds_left(self) -> int | None:
        speed = self.rows_per_second
        return int((self.total - self.rows_done) / speed) if speed and self.total else None
