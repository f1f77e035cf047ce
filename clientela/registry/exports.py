"""CSV export of a list, with spreadsheet formulas neutralised."""

import csv

from django.http import StreamingHttpResponse
from django.utils import timezone

from clientela.workspaces.scoping import iterate_in_workspace

from .display import field_display

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A cell starting like a formula is prefixed with ' so spreadsheets show it as text."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


class _Echo:
    def write(self, value):
        return value


def _cell(record, name):
    try:
        record._meta.get_field(name)
    except Exception:
        value = getattr(record, name)
        return str(value() if callable(value) else value)
    return field_display(record, name)


def export_columns(entity) -> list[str]:
    names = ["id", *[c for c in entity.list_columns if c != "updated_at"], *entity.detail_fields]
    return list(dict.fromkeys(names))


def csv_rows(entity, queryset):
    columns = export_columns(entity)
    yield [str(entity.field_label(c)) if c != "id" else "id" for c in columns]
    for record in queryset.iterator(chunk_size=2000):
        yield [neutralise(_cell(record, c)) for c in columns]


def csv_response(entity, queryset):
    writer = csv.writer(_Echo())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(iterate_in_workspace(writer.writerow(row) for row in csv_rows(entity, queryset)),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{entity.key}-{stamp}.csv"'
    return response
