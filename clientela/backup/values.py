"""Field values to JSON and back, losslessly (microseconds kept, decimals as text, files by archive name)."""

import base64
import datetime
import decimal
import uuid

from django.db import models


def encode(field, value):
    if value is None or isinstance(field, models.JSONField):
        return value
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "code"):  # a django-countries Country
        return value.code
    return str(value)


def decode(field, value):
    if value is None or isinstance(field, models.JSONField):
        return value
    if isinstance(field, models.DurationField):
        return datetime.timedelta(seconds=value)
    if isinstance(field, models.BinaryField):
        return base64.b64decode(value)
    return field.to_python(value)
