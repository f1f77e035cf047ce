"""CSV and XLSX exports of a list, from one row source, with spreadsheet formulas neutralised."""

import csv
import re
import tempfile

from django.core.exceptions import FieldDoesNotExist
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from clientela.common.spreadsheets import neutralise
from clientela.workspaces.scoping import iterate_in_workspace

from .display import value_display

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_CELL_MAX = 32_767  # characters Excel keeps in one cell
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class _Echo:
    def write(self, value):
        return value




def export_columns(entity) -> list[str]:
    names = ["id", *[c for c in entity.list_columns if c != "updated_at"], *entity.detail_fields]
    return list(dict.fromkeys(names))


def _with_relations(entity, queryset, columns):
    """Load the exported foreign keys and many-to-many fields with the rows, not one query per cell."""
    single, many = [], []
    for name in columns:
        try:
            field = entity.model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.many_to_many:
            many.append(name)
        elif field.many_to_one or field.one_to_one:
            single.append(name)
    return queryset.select_related(*single).prefetch_related(*many)


def csv_rows(entity, queryset):
    """The header, then one row per record: the single row source of every export format."""
    columns = export_columns(entity)
    yield [neutralise(str(entity.field_label(c))) if c != "id" else "id" for c in columns]
    for record in _with_relations(entity, queryset, columns).iterator(chunk_size=2000):
        yield [neutralise(str(record.pk) if c == "id" else value_display(entity, record, c)) for c in columns]


def _filename(entity, extension: str) -> str:
    return f"{entity.key}-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{extension}"


def csv_response(entity, queryset):
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(iterate_in_workspace(writer.writerow(row) for row in csv_rows(entity, queryset)),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(entity, "csv")}"'
    return response


def xlsx_response(entity, queryset):
    """The CSV's rows as a workbook; every cell is text, so nothing is ever evaluated as a formula.

    openpyxl's write-only mode spools rows to disk and the workbook is saved to a temporary file that
    the response streams, so memory stays flat however many records there are.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE_FORBIDDEN.sub(" ", str(entity.label_plural).capitalize())[:31])
    sheet.freeze_panes = "A2"
    rows = csv_rows(entity, queryset)
    bold = Font(bold=True)
    sheet.append([_header_cell(sheet, label, bold) for label in next(rows)])
    for row in rows:
        sheet.append([value[:XLSX_CELL_MAX] for value in row])
    spool = tempfile.TemporaryFile()  # FileResponse closes it once sent
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=_filename(entity, "xlsx"),
                        content_type=XLSX_CONTENT_TYPE)


def _header_cell(sheet, label: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=label)
    cell.font = font
    return cell
